// Finds and compiles the WebAssembly module (build/release.wasm, or the SEA asset of the same bytes).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Name of the asset that holds build/release.wasm inside a Node single-executable application. */
export const WASM_SEA_ASSET = 'promwasm.wasm';

interface SeaApi {
  isSea(): boolean;
  getAsset(key: string): ArrayBuffer;
}

/** Environment variable naming another module file to load, e.g. build/debug.wasm (its runtime checks on). */
export const WASM_FILE_ENV = 'PROMWASM_WASM_FILE';

/**
 * The module's bytes: from the single-executable asset when running as one, else from $PROMWASM_WASM_FILE
 * if set, else build/release.wasm two levels above this file (src/wasm/ under tsx/vitest, dist/wasm/
 * after tsc).
 */
export function loadWasmBytes(): Uint8Array {
  const sea = seaApi();
  if (sea?.isSea()) return new Uint8Array(sea.getAsset(WASM_SEA_ASSET));
  const file = process.env[WASM_FILE_ENV] || new URL('../../build/release.wasm', import.meta.url);
  try {
    return readFileSync(file);
  } catch (e) {
    const hint = (e as NodeJS.ErrnoException).code === 'ENOENT' ? ' (run `npm run asbuild` to build it)' : '';
    throw new Error(`cannot read the WebAssembly module ${file instanceof URL ? file.pathname : file}${hint}`, { cause: e });
  }
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
