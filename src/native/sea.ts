// Access to the assets of a Node single-executable application (SEA), as the binary built by
// scripts/build-binary.ts is one. Outside a SEA every function here answers "not a SEA".

import { createRequire } from 'node:module';

interface SeaApi {
  isSea(): boolean;
  getAsset(key: string): ArrayBuffer;
}

let api: SeaApi | null | undefined;

/** node:sea when this process is a single-executable application, else undefined. */
export function seaApi(): SeaApi | undefined {
  if (api === undefined) {
    try {
      // A CommonJS bundle (the SEA's main script) brings its own require; ESM needs one made.
      const load = typeof require === 'function' ? require : createRequire(import.meta.url);
      const sea = load('node:sea') as SeaApi;
      api = sea.isSea() ? sea : null;
    } catch {
      api = null; // Node without node:sea (before 20.12): never a SEA
    }
  }
  return api ?? undefined;
}

/** Whether this process runs as a single-executable application. */
export function isSea(): boolean {
  return seaApi() !== undefined;
}
