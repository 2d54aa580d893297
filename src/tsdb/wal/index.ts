export {
  checkpoint, deleteCheckpoints, lastCheckpoint, listCheckpoints,
  type CheckpointOptions, type CheckpointRef, type CheckpointStats,
} from './checkpoint.js';
export { WalCorruptionError } from './errors.js';
export { WalReader } from './reader.js';
export { replayWal, type ReplayResult, type WalReplayHandler } from './replay.js';
export {
  DEFAULT_SEGMENT_SIZE, FragmentType, HEADER_SIZE, PAGE_SIZE, SNAPPY_FLAG,
  listSegments, segmentName, segmentPath, segmentRange, type SegmentRef,
} from './segment.js';
export { WalWriter, type WalWriterOptions } from './writer.js';
