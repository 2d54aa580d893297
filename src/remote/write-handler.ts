// The remote-write receiver: POST /api/v1/write, remote write 1.0 and 2.0, as a fastify plugin.
//
//   body (snappy) → decompressSnappyBlock → WriteRequestDecoder → ingestV1 / ingestV2 → storage
//
// Answers are Go's http.Error: plain text, one message per line, ending with a newline; 204
// with no body on success. Every answer to a request that names the 2.0 message carries the
// X-Prometheus-Remote-Write-*-Written headers (zero unless something was committed), which
// 2.0 senders use to tell a 2.0 receiver from a 1.x one that decoded nothing.

import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Appendable } from '../storage/interface.js';
import { checkContentEncoding, PROTO_V1, PROTO_V2, versionOfContentType } from './content-type.js';
import { DecodedWriteRequest } from './decoded-request.js';
import { WriteRequestDecoder, type RemoteWriteVersion } from './decoder.js';
import { ProtoDecodeError, RemoteWriteError } from './errors.js';
import {
  MAX_AHEAD_MS,
  messageOf,
  noneWritten,
  type IngestLogger,
  type IngestResult,
  type Written,
} from './ingest-common.js';
import { ingestV1 } from './ingest-v1.js';
import { ingestV2 } from './ingest-v2.js';
import { decompressSnappyBlock } from './snappy-block.js';

export const WRITE_PATH = '/api/v1/write';
const MiB = 1024 * 1024;

export interface RemoteWritePluginOptions {
  /** Where samples go; one appender per request. */
  readonly appendable: Appendable;
  /** Largest (compressed) body accepted; larger ones are answered 413. Default 32 MiB. */
  readonly maxBodyBytes?: number;
  /**
   * Largest decompressed body accepted, checked against the length the snappy block announces
   * before anything is allocated; larger ones are answered 400. Default 32 MiB.
   */
  readonly maxDecodedBytes?: number;
  /** Default: the fastify instance's logger. */
  readonly logger?: IngestLogger;
  /** Milliseconds since the epoch, for the "too far in the future" check. Default Date.now. */
  readonly now?: () => number;
}

interface ResolvedOptions {
  readonly appendable: Appendable;
  readonly maxBodyBytes: number;
  readonly maxDecodedBytes: number;
  readonly logger: IngestLogger | undefined;
  readonly now: () => number;
}

/** Validates the options once, when the plugin is registered. */
export function resolveRemoteWriteOptions(opts: RemoteWritePluginOptions): ResolvedOptions {
  const appendable = opts?.appendable;
  if (appendable === null || typeof appendable !== 'object' || typeof appendable.appender !== 'function') {
    throw new TypeError('remote write: options.appendable must be an Appendable (an object with appender())');
  }
  const size = (name: string, value: unknown): number => {
    if (value === undefined) return 32 * MiB;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new TypeError(`remote write: options.${name} must be a positive integer, got ${String(value)}`);
    }
    return value;
  };
  const logger = opts.logger;
  if (logger !== undefined && ['debug', 'warn', 'error'].some((m) => typeof (logger as unknown as Record<string, unknown>)[m] !== 'function')) {
    throw new TypeError('remote write: options.logger must have debug, warn and error methods');
  }
  if (opts.now !== undefined && typeof opts.now !== 'function') {
    throw new TypeError('remote write: options.now must be a function returning milliseconds');
  }
  return Object.freeze({
    appendable,
    maxBodyBytes: size('maxBodyBytes', opts.maxBodyBytes),
    maxDecodedBytes: size('maxDecodedBytes', opts.maxDecodedBytes),
    logger,
    now: opts.now ?? Date.now,
  });
}

/** Decoded requests waiting for reuse; one per request in flight, a few kept. */
class RequestPool {
  private readonly free: DecodedWriteRequest[] = [];
  take(): DecodedWriteRequest {
    return this.free.pop() ?? new DecodedWriteRequest();
  }
  give(req: DecodedWriteRequest): void {
    if (this.free.length < 4) this.free.push(req);
  }
}

const EMPTY = Buffer.alloc(0);
const MESSAGE_NAMES: Record<RemoteWriteVersion, string> = { 1: PROTO_V1, 2: PROTO_V2 };

export const remoteWritePlugin: FastifyPluginAsync<RemoteWritePluginOptions> = async (app, rawOptions) => {
  const opts = resolveRemoteWriteOptions(rawOptions);
  const logger: IngestLogger = opts.logger ?? app.log;
  const decoder = new WriteRequestDecoder();
  const pool = new RequestPool();

  // The body is read raw whatever its Content-Type; the handler judges the type itself, so that
  // a wrong one gets the remote-write answer (415 and a message), not a JSON parser's.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.maxBodyBytes }, (_req, body, done) => {
    done(null, body);
  });
  // An empty Content-Type means "not given" (Go's Header.Get), not an invalid media type.
  app.addHook('onRequest', async (request) => {
    const ct = request.headers['content-type'];
    if (ct !== undefined && ct.trim() === '') delete request.headers['content-type'];
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    let status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    let message = err.message;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      message = `request body too large: the limit is ${opts.maxBodyBytes} bytes`;
    } else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      try {
        versionOfContentType(request.headers['content-type']);
      } catch (typeErr) {
        if (typeErr instanceof RemoteWriteError) ({ status, message } = typeErr);
      }
    }
    if (status >= 500) logger.error({ err: message }, 'Remote write request failed');
    answer(reply, declaredVersion(request), status, message, noneWritten());
  });

  app.post(WRITE_PATH, async (request: FastifyRequest, reply: FastifyReply) => {
    let version: RemoteWriteVersion | undefined;
    try {
      version = versionOfContentType(request.headers['content-type']);
      checkContentEncoding(request.headers['content-encoding']);
      const body = Buffer.isBuffer(request.body) ? request.body : EMPTY;
      const decompressed = await decompressSnappyBlock(body, opts.maxDecodedBytes);
      const result = await decodeAndIngest(version, decompressed);
      return answer(reply, version, result.status, result.message, result.written);
    } catch (err) {
      if (err instanceof RemoteWriteError) {
        logger.debug({ err: err.message, status: err.status }, 'Remote write request refused');
        return answer(reply, version, err.status, err.message, noneWritten());
      }
      logger.error({ err: messageOf(err) }, 'Remote write request failed');
      return answer(reply, version, 500, messageOf(err), noneWritten());
    }
  });

  async function decodeAndIngest(version: RemoteWriteVersion, body: Buffer): Promise<IngestResult> {
    const req = pool.take();
    try {
      try {
        decoder.decode(version, body, req);
      } catch (err) {
        if (err instanceof ProtoDecodeError) {
          throw new RemoteWriteError('DECODE', `decoding ${MESSAGE_NAMES[version]}: ${err.message}`);
        }
        throw err;
      }
      const ingestOptions = { maxTimeMs: opts.now() + MAX_AHEAD_MS, logger };
      return await (version === 1 ? ingestV1 : ingestV2)(opts.appendable, req, ingestOptions);
    } finally {
      // Storage is done with the request's arrays once commit or rollback has resolved.
      pool.give(req);
    }
  }
};

/** The version the request's Content-Type names, or undefined when it names none that is known. */
function declaredVersion(request: FastifyRequest): RemoteWriteVersion | undefined {
  try {
    return versionOfContentType(request.headers['content-type']);
  } catch {
    return undefined;
  }
}

function answer(reply: FastifyReply, version: RemoteWriteVersion | undefined, status: number, message: string, written: Written): FastifyReply {
  if (version === 2) {
    reply.header('X-Prometheus-Remote-Write-Samples-Written', String(written.samples));
    reply.header('X-Prometheus-Remote-Write-Histograms-Written', String(written.histograms));
    reply.header('X-Prometheus-Remote-Write-Exemplars-Written', String(written.exemplars));
  }
  if (status === 204) return reply.code(204).send();
  return reply
    .code(status)
    .header('Content-Type', 'text/plain; charset=utf-8')
    .header('X-Content-Type-Options', 'nosniff')
    .send(`${message}\n`);
}
