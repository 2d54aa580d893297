// The only TypeScript that touches WebAssembly memory. Everything else calls these typed functions.

export { loadWasmBytes, WASM_SEA_ASSET } from './loader.js';
export type { SampleColumns, ChunkColumns } from './columns.js';
export type { ChunkLocation } from './kernel.js';
export { encodeXorChunk, decodeXorChunk, decodeXorChunks, XOR_MAX_SAMPLES, type ChunkListLocation } from './xor.js';
export { HeadChunkStore, type HeadChunkInfo } from './head-chunks.js';
export { PostingsBuilder, sortLabelSets, LabelSetError, type BuiltPostings, type LabelSetProblem } from './postings.js';
export { mergeSeriesChunks, type MergeChunk, type SeriesChunkLists } from './merge.js';
