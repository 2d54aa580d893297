// Remote write receiving: the fastify plugin, and the decoder for those who need bodies decoded.

export { remoteWritePlugin, resolveRemoteWriteOptions, WRITE_PATH, type RemoteWritePluginOptions } from './write-handler.js';
export { WriteRequestDecoder, type RemoteWriteVersion } from './decoder.js';
export { DecodedWriteRequest, type DecodedHistogram, type MetricFamilyMetadata } from './decoded-request.js';
export { ProtoDecodeError, RemoteWriteError, type RemoteWriteErrorCode } from './errors.js';
export { decompressSnappyBlock, snappyDecodedLength } from './snappy-block.js';
export { checkContentEncoding, versionOfContentType, PROTO_V1, PROTO_V2 } from './content-type.js';
export type { IngestLogger, IngestResult, Written } from './ingest-common.js';
