// The WASM ABI of promwasm: exports only. Only i32 and f64 cross the boundary; bulk data goes through
// linear memory (docs/wasm-abi.md). A function that can fail returns a negative status (errors.ts) and
// leaves the failing index in lastErrorIndex()/lastErrorSample().

export { scratch } from './scratch';
export { encodeXor, decodeXor, decodeXorMany } from './xor-chunks';
export { chunksCreate, chunksAppend, chunksInfo, chunksDecode, chunksFree, chunksLive } from './head-chunks';
export { lastErrorIndex, lastErrorSample } from './errors';
export { sortLabelSets, postingsInit, postingsAdd, postingsFinish, postingsResult } from './postings';
export { mergeChunkSeries, mergeRecords, mergeData } from './merge';
