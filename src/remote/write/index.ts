// Remote write sending: WAL-backed queues forwarding what promwasm stored to remote_write destinations.

export { RemoteWriteClient, REMOTE_WRITE_USER_AGENT, retryAfterMs, type RemoteWriteClientOptions, type StoreResult, type WriteClient } from './client.js';
export { WriteRequestV1Encoder, WriteRequestV2Encoder, requestHeaders, type ProtobufMessage } from './encode.js';
export { RemoteWriteMetrics } from './metrics.js';
export { PositionStore, type QueuePositionState, type WalPosition } from './position.js';
export { QueueManager, type QueueLogger, type QueueManagerOptions } from './queue-manager.js';
export { SeriesTable, withExternalLabels } from './series-table.js';
export { WalWatcher, type WalRecordSink, type WalWatcherOptions } from './wal-watcher.js';
export { RemoteWriteStorage, type RemoteWriteStorageOptions } from './write-storage.js';
export { startRemoteWrite, type RemoteWriteStartOptions } from './server-hook.js';
