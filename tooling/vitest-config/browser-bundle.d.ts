/** Bundles `packageName`'s browser entry with esbuild (platform browser); lists errors and Node built-ins left in it. */
export declare function bundleForBrowser(
  packageName: string,
  resolveDir: string,
): Promise<{ errors: string[]; bytes: number; nodeImports: string[] }>;
/** Declares a vitest test that `packageName` bundles for browsers with no error and no Node built-in. */
export declare function describeBrowserEntry(packageName: string, testFileUrl: string): void;
