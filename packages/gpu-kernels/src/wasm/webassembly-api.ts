/**
 * The slice of the WebAssembly JS API used here. Node's type definitions for
 * v20 do not declare the global (it lives in lib.dom), so it is typed locally.
 */
export interface WasmMemory {
  /** A SharedArrayBuffer for shared memories; typed as ArrayBuffer for view constructors. */
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}

export const wasmApi: WebAssemblyApi | undefined = (globalThis as unknown as { WebAssembly?: WebAssemblyApi })
  .WebAssembly;
