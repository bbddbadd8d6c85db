import type { UserConfig } from 'vitest/config';
export declare const sourceConditions: string[];
export declare function rgdlVitestConfig(options?: { testTimeout?: number; include?: string[] }): UserConfig;
