// Finds and compiles the WebAssembly module (build/release.wasm, or the SEA asset of the same bytes).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Name of the asset that holds build/release.wasm inside a Node single-executable application. */
export const WASM_SEA_ASSET = 'promwasm.wasm';

interface SeaApi {
  isSea(): boolean;
  getAsset(key: string): ArrayBuffer;
}

/**
 * The module's bytes: from the single-executable asset when running as one, else build/release.wasm,
 * two levels above this file (src/wasm/ under tsx/vitest, dist/wasm/ after tsc).
 */
export function loadWasmBytes(): Uint8Array {
  const sea = seaApi();
  if (sea?.isSea()) return new Uint8Array(sea.getAsset(WASM_SEA_ASSET));
  return readFileSync(new URL('../../build/release.wasm', import.meta.url));
}

/** node:sea when this Node has it (20.12+); a CommonJS bundle (as inside a SEA) brings its own require. */
function seaApi(): SeaApi | undefined {
  try {
    const load = typeof require === 'function' ? require : createRequire(import.meta.url);
    return load('node:sea') as SeaApi;
  } catch {
    return undefined;
  }
}

let compiled: WebAssembly.Module | undefined;

/** The compiled module; compiled synchronously on first use, then shared by every instance. */
export function wasmModule(): WebAssembly.Module {
  return (compiled ??= new WebAssembly.Module(loadWasmBytes()));
}
