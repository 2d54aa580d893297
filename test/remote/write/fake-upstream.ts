// A remote-write receiver for tests: decodes every request with protobufjs (1.0 or 2.0 by its
// Content-Type) and answers with whatever the test scripts (by default 204).

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { uncompressSync } from 'snappy';
import { RequestV2, WriteRequestV1 } from '../proto-schema.js';

export interface ReceivedSample {
  readonly labels: Record<string, string>;
  readonly t: number;
  /** The value's 8 bytes, little-endian as on the wire (NaN payloads compared bit for bit). */
  readonly bits: string;
  readonly value: number;
}

export interface ReceivedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: Uint8Array;
  readonly decoded: Record<string, unknown>;
  readonly samples: ReceivedSample[];
}

export interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export class FakeUpstream {
  readonly requests: ReceivedRequest[] = [];
  /** Answers taken in order for the next requests; then 204. */
  readonly script: Answer[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const raw = uncompressSync(body) as Buffer;
        const v2 = String(req.headers['content-type']).includes('io.prometheus.write.v2.Request');
        const decoded = (v2 ? RequestV2 : WriteRequestV1).toObject((v2 ? RequestV2 : WriteRequestV1).decode(raw), { longs: Number, defaults: false }) as Record<string, unknown>;
        const answer = this.down ? { status: 503, body: 'down' } : this.script.shift() ?? { status: 204 };
        this.log.push({ status: answer.status, at: Date.now() });
        if (answer.status < 300) this.requests.push({ headers: req.headers, body, decoded, samples: samplesOf(decoded, v2, raw) });
        else this.rejected.push({ headers: req.headers, body, decoded, samples: samplesOf(decoded, v2, raw) });
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1/write`;
  }

  /** While set, every request is answered 503 (an outage). */
  down = false;
  /** Every request's answer status and arrival time, in order. */
  readonly log: { status: number; at: number }[] = [];

  /** Requests answered with an error status. */
  readonly rejected: ReceivedRequest[] = [];

  get samples(): ReceivedSample[] {
    return this.requests.flatMap((r) => r.samples);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

interface TsV1 { labels?: { name?: string; value?: string }[]; samples?: { value?: number; timestamp?: number }[] }
interface TsV2 { labelsRefs?: number[]; samples?: { value?: number; timestamp?: number }[] }

function samplesOf(decoded: Record<string, unknown>, v2: boolean, raw: Uint8Array): ReceivedSample[] {
  void raw;
  const out: ReceivedSample[] = [];
  const symbols = (decoded.symbols as string[] | undefined) ?? [];
  for (const ts of (decoded.timeseries as (TsV1 & TsV2)[] | undefined) ?? []) {
    const labels: Record<string, string> = {};
    if (v2) {
      const refs = ts.labelsRefs ?? [];
      for (let i = 0; i < refs.length; i += 2) labels[symbols[refs[i]!]!] = symbols[refs[i + 1]!]!;
    } else {
      for (const l of ts.labels ?? []) labels[l.name ?? ''] = l.value ?? '';
    }
    for (const s of ts.samples ?? []) {
      const value = s.value ?? 0;
      out.push({ labels, t: s.timestamp ?? 0, value, bits: bitsOf(value) });
    }
  }
  return out;
}

function bitsOf(v: number): string {
  return Buffer.from(new Float64Array([v]).buffer).toString('hex');
}
