// The remote-read endpoint: POST /api/v1/read, as Prometheus 2.42's read handler answers it.
//
//   body (snappy) → ReadRequest → negotiate → SAMPLES:             snappy(ReadResponse)
//                                           → STREAMED_XOR_CHUNKS: frames of ChunkedReadResponse
//
// Errors are Go's http.Error (plain text, newline-terminated): 400 for an undecodable body, an
// unsupported response type or the sample limit; 500 for anything the query itself throws (bad
// matchers included, as in 2.42). Once a stream has started its status cannot change: the error
// text is written into the stream, which clients reject as a bad frame.

import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import { compressSync } from '../native/snappy.js';
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matchers.js';
import type { PluginContext } from '../server/server.js';
import type { WebPluginRegistration } from '../web/app.js';
import type { SeriesData } from '../tsdb/block/source.js';
import { ProtoDecodeError, RemoteWriteError } from './errors.js';
import { Gate } from './read/gate.js';
import { ProtoWriter } from './read/proto-writer.js';
import {
  decodeReadRequest,
  negotiateResponseType,
  NegotiationError,
  STREAMED_XOR_CHUNKS,
  toMatchers,
  type ReadQuery,
  type ReadRequest,
} from './read/request.js';
import { chunkSize, EncodedLabels, encodeChunkedFrame, encodeReadResponse, mergeLabels, writeTimeSeries, type ReadChunk } from './read/response.js';
import { xorChunksOf } from './read/series-chunks.js';
import { decompressSnappyBlock } from './snappy-block.js';

export const READ_PATH = '/api/v1/read';
export const STREAMED_CONTENT_TYPE = 'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse';

/** Prometheus reads at most this much of a request body (decodeReadLimit); the rest is ignored. */
const BODY_LIMIT = 32 * 1024 * 1024;
/** A read request is a handful of matchers; a body announcing more than this decoded is refused. */
const DECODED_LIMIT = 32 * 1024 * 1024;

/** What remote read queries: series matching all matchers with samples in the closed range [mint, maxt]. */
export interface RemoteReadQueryable {
  select(matchers: readonly Matcher[], mint: number, maxt: number): AsyncIterable<SeriesData>;
}

export interface RemoteReadPluginOptions {
  /** The storage to read; called per query (it throws "TSDB not ready" before the storage is open). */
  readonly queryable: () => RemoteReadQueryable;
  /** The configuration's global.external_labels, sorted by name (read per request: config reloads). */
  readonly externalLabels: () => Labels;
  /** --storage.remote.read-sample-limit: samples per query of a SAMPLES response; 0 no limit. */
  readonly sampleLimit: number;
  /** --storage.remote.read-concurrent-limit: requests served at once, the others wait; 0 no limit. */
  readonly concurrentLimit: number;
  /** --storage.remote.read-max-bytes-in-frame: the budget of one streamed frame. */
  readonly maxBytesInFrame: number;
  /** Where prometheus_api_remote_read_queries is registered (not exported without one). */
  readonly registry?: Registry;
}

/** The plugin as the server mounts it (behind the ready gate), from the server's flags and configuration. */
export function remoteReadRegistration(context: PluginContext, queryable: () => RemoteReadQueryable): WebPluginRegistration {
  const { readSampleLimit, readConcurrentLimit, readMaxBytesInFrame } = context.options.remote;
  const options: RemoteReadPluginOptions = {
    queryable,
    externalLabels: () => context.config().prometheus.global.externalLabels,
    sampleLimit: readSampleLimit,
    concurrentLimit: readConcurrentLimit,
    maxBytesInFrame: readMaxBytesInFrame,
    registry: context.registry,
  };
  return { plugin: remoteReadPlugin, options: { ...options } };
}

/** An error answered with its own status (Prometheus's HTTPError). */
class ReadHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export const remoteReadPlugin: FastifyPluginAsync<RemoteReadPluginOptions> = async (app, opts) => {
  for (const name of ['sampleLimit', 'concurrentLimit', 'maxBytesInFrame'] as const) {
    if (!Number.isSafeInteger(opts[name])) throw new TypeError(`remote read: options.${name} must be an integer, got ${String(opts[name])}`);
  }
  const gate = new Gate(opts.concurrentLimit);
  // Counted once a request holds its place in the gate, as Prometheus counts it.
  let executing = 0;
  if (opts.registry !== undefined) {
    new Gauge({
      name: 'prometheus_api_remote_read_queries',
      help: 'The current number of remote read queries being executed or waiting.',
      registers: [opts.registry],
      collect() {
        this.set(executing);
      },
    });
  }

  // The body is read raw whatever its Content-Type, and like Go's io.LimitReader only its first
  // 32 MiB are kept (a longer body then fails snappy decoding).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => {
    const parts: Buffer[] = [];
    let size = 0;
    payload.on('data', (chunk: Buffer) => {
      if (size >= BODY_LIMIT) return;
      const kept = chunk.subarray(0, BODY_LIMIT - size);
      parts.push(kept);
      size += kept.length;
    });
    payload.on('end', () => done(null, Buffer.concat(parts, size)));
    payload.on('error', (err) => done(err, undefined));
  });
  // An empty Content-Type means "not given" (Go's Header.Get), not an invalid media type.
  app.addHook('onRequest', async (request) => {
    const ct = request.headers['content-type'];
    if (ct !== undefined && ct.trim() === '') delete request.headers['content-type'];
  });

  app.post(READ_PATH, async (request, reply) => {
    const leaveGate = await gate.enter();
    executing++;
    let left = false;
    const leave = (): void => {
      if (left) return;
      left = true;
      executing--;
      leaveGate();
    };
    let streaming = false;
    try {
      let req: ReadRequest;
      try {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        req = decodeReadRequest(await decompressSnappyBlock(body, DECODED_LIMIT));
      } catch (err) {
        if (err instanceof RemoteWriteError) throw new ReadHttpError(err.message, 400);
        if (err instanceof ProtoDecodeError) throw new ReadHttpError(`decoding prometheus.ReadRequest: ${err.message}`, 400);
        throw err;
      }
      const external = opts.externalLabels();
      const externalMap = new Map(external.map((l) => [l.name, l.value]));
      let responseType: number;
      try {
        responseType = negotiateResponseType(req.acceptedResponseTypes);
      } catch (err) {
        if (err instanceof NegotiationError) throw new ReadHttpError(err.message, 400);
        throw err;
      }
      if (responseType === STREAMED_XOR_CHUNKS) {
        const stream = await startStream(frames(req, external, externalMap));
        streaming = true;
        reply.raw.once('close', leave);
        return reply.code(200).header('Content-Type', STREAMED_CONTENT_TYPE).send(stream);
      }
      const response = await readSamples(req, external, externalMap);
      return reply.code(200).header('Content-Type', 'application/x-protobuf').header('Content-Encoding', 'snappy').send(compressSync(response));
    } catch (err) {
      return httpError(reply, err instanceof ReadHttpError ? err.status : 500, messageOf(err));
    } finally {
      if (!streaming) leave();
    }
  });

  function selection(query: ReadQuery, externalMap: ReadonlyMap<string, string>): { matchers: Matcher[]; mint: number; maxt: number } {
    const matchers = toMatchers(query.matchers, externalMap);
    // With hints, Prometheus's queriers select over the hints' range instead of the query's.
    const { startMs: mint, endMs: maxt } = query.hints ?? query;
    return { matchers, mint, maxt };
  }

  async function readSamples(req: ReadRequest, external: Labels, externalMap: ReadonlyMap<string, string>): Promise<Uint8Array> {
    const results: Uint8Array[] = [];
    const w = new ProtoWriter();
    for (const query of req.queries) {
      const { matchers, mint, maxt } = selection(query, externalMap);
      w.reset();
      let samples = 0;
      const onlySeries = query.hints?.func === 'series'; // metadata lookups load no chunks
      for await (const series of opts.queryable().select(matchers, mint, maxt)) {
        const batches = [];
        if (!onlySeries) {
          for await (const batch of series.batches()) {
            samples += batch.length;
            if (opts.sampleLimit > 0 && samples > opts.sampleLimit) {
              throw new ReadHttpError(`exceeded sample limit (${opts.sampleLimit})`, 400);
            }
            batches.push(batch);
          }
        }
        writeTimeSeries(w, new EncodedLabels(mergeLabels(series.labels, external)), batches);
      }
      results.push(w.view().slice());
    }
    return encodeReadResponse(results);
  }

  /** The frames of every query in order: one series per frame, split to stay near maxBytesInFrame. */
  async function* frames(req: ReadRequest, external: Labels, externalMap: ReadonlyMap<string, string>): AsyncGenerator<Buffer> {
    const w = new ProtoWriter();
    for (let q = 0; q < req.queries.length; q++) {
      const query = req.queries[q]!;
      const { matchers, mint, maxt } = selection(query, externalMap);
      for await (const series of opts.queryable().select(matchers, mint, maxt)) {
        const labels = new EncodedLabels(mergeLabels(series.labels, external));
        const budget = opts.maxBytesInFrame - labels.labelSizes.reduce((sum, s) => sum + s, 0);
        let left = budget;
        let chunks: ReadChunk[] = [];
        for await (const chunk of query.hints?.func === 'series' ? emptyChunk(mint, maxt) : xorChunksOf(series)) {
          if (chunks.length > 0 && left <= 0) {
            yield encodeChunkedFrame(w, labels, chunks, q);
            chunks = [];
            left = budget;
          }
          chunks.push(chunk);
          left -= chunkSize(chunk);
        }
        if (chunks.length > 0) yield encodeChunkedFrame(w, labels, chunks, q);
      }
    }
  }
};

/** For func="series" hints Prometheus loads no chunk data: each chunk is sent empty. */
async function* emptyChunk(mint: number, maxt: number): AsyncGenerator<ReadChunk> {
  yield { minTimeMs: mint, maxTimeMs: maxt, type: 1, data: new Uint8Array(2) };
}

/**
 * Runs the frames until the first one is ready, so that an error before anything is sent is still
 * answered with its status; after that, an error ends the stream with its text (Go's http.Error on
 * a started response), which the client cannot decode as a frame.
 */
async function startStream(source: AsyncGenerator<Buffer>): Promise<Readable> {
  const first = await source.next();
  async function* rest(): AsyncGenerator<Buffer> {
    if (first.done) return;
    yield first.value;
    try {
      yield* source;
    } catch (err) {
      yield Buffer.from(`${messageOf(err)}\n`);
    }
  }
  return Readable.from(rest(), { objectMode: false });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function httpError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply
    .code(status)
    .header('Content-Type', 'text/plain; charset=utf-8')
    .header('X-Content-Type-Options', 'nosniff')
    .send(`${message}\n`);
}
