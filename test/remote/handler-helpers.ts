// Driving the remote-write plugin through fastify.inject, without sockets.

import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import snappy from 'snappy';
import { labelsKey, type Labels } from '../../src/model/labels.js';
import { remoteWritePlugin, WRITE_PATH, type RemoteWritePluginOptions } from '../../src/remote/write-handler.js';
import { fixtureExpected, fixtureNames } from './fixtures.js';
import type { MemoryAppendable } from './memory-appendable.js';

/** A clock a little after the captured requests (2026-11-24), for the "too far in the future" check. */
export const NOW = 1795561000000;

export const V1_HEADERS = {
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
  'x-prometheus-remote-write-version': '0.1.0',
};
export const V2_HEADERS = {
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request',
  'x-prometheus-remote-write-version': '2.0.0',
};

export async function writeServer(
  appendable: MemoryAppendable,
  options: Partial<RemoteWritePluginOptions> = {},
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(remoteWritePlugin, { appendable, now: () => NOW, ...options });
  await app.ready();
  return app;
}

export function post(
  app: FastifyInstance,
  body: Uint8Array,
  headers: Record<string, string> = V1_HEADERS,
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: WRITE_PATH, headers, payload: Buffer.from(body) });
}

export const compress = (body: Uint8Array): Buffer => snappy.compressSync(Buffer.from(body));

/** Every series of the captured requests with its samples as [timestamp, bits], in arrival order. */
export function expectedStore(): Map<string, { labels: Labels; samples: [number, string][] }> {
  const store = new Map<string, { labels: Labels; samples: [number, string][] }>();
  for (const name of fixtureNames) {
    for (const ts of fixtureExpected(name).timeseries) {
      const labels = Object.entries(ts.labels).map(([n, value]) => ({ name: n, value }));
      const key = labelsKey(labels);
      let entry = store.get(key);
      if (!entry) store.set(key, (entry = { labels, samples: [] }));
      for (const s of ts.samples) entry.samples.push([Number(s.timestamp), s.bits]);
    }
  }
  return store;
}

/** Written-counter headers of a 2.0 answer, as numbers. */
export function writtenHeaders(res: LightMyRequestResponse): [number, number, number] {
  return [
    Number(res.headers['x-prometheus-remote-write-samples-written']),
    Number(res.headers['x-prometheus-remote-write-histograms-written']),
    Number(res.headers['x-prometheus-remote-write-exemplars-written']),
  ];
}
