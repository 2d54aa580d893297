// /api/v1/status/{buildinfo,runtimeinfo,flags,tsdb} (web/api/v1/api.go serveBuildInfo, serveRuntimeInfo,
// serveFlags, serveTSDBStatus) with Prometheus 2.42's field names. Where a field describes Go's runtime,
// the nearest Node.js fact is given (documented per field below).

import { availableParallelism } from 'node:os';
import type { FastifyPluginAsync } from 'fastify';
import { compareStrings } from '../../model/labels.js';
import type { PrometheusConfig } from '../../config/types.js';
import type { CardinalityStat, HeadStatus, QueryStorage } from '../../server/storage-seam.js';
import { configYaml } from './config-yaml.js';
import { goJson, goJsonString, RawJson } from './json.js';
import { handle } from './route.js';

/** What the server knows about itself for runtimeinfo. */
export interface RuntimeStatus {
  readonly startTimeMs: number;
  readonly reloadConfigSuccess: boolean;
  readonly lastConfigTimeMs: number;
  /** WAL corruptions repaired since start (Prometheus's corruptionCount). */
  readonly corruptionCount: number;
  /** "15d", "512MiB", or "15d or 512MiB", as Prometheus composes it from the retention flags. */
  readonly storageRetention: string;
}

export interface BuildInfoFields {
  readonly version: string;
  readonly revision: string;
  readonly branch: string;
}

export interface StatusRoutesOptions {
  readonly storage: () => QueryStorage;
  readonly runtime: () => RuntimeStatus;
  readonly build: BuildInfoFields;
  /** Every flag's effective value, as --web flags print them. */
  readonly flags: Readonly<Record<string, string>>;
  /** The configuration in force. */
  readonly config: () => PrometheusConfig;
}

const INT64_MAX = 9223372036854775807;
const INT64_MIN = -9223372036854775808;

export const statusRoutes: FastifyPluginAsync<StatusRoutesOptions> = async (app, opts) => {
  app.get('/status/buildinfo', handle(async () => {
    const { version, revision, branch } = opts.build;
    // No build-time stamping: user and date are unknown; goVersion carries the Node.js runtime's version.
    return { data: new RawJson(goJson({ version, revision, branch, buildUser: '', buildDate: '', goVersion: process.version })) };
  }));

  app.get('/status/runtimeinfo', handle(async () => {
    const r = opts.runtime();
    const data = {
      startTime: goTime(r.startTimeMs),
      CWD: process.cwd(),
      reloadConfigSuccess: r.reloadConfigSuccess,
      // Prometheus reads it back from a gauge of whole seconds.
      lastConfigTime: goTime(Math.floor(r.lastConfigTimeMs / 1000) * 1000),
      corruptionCount: r.corruptionCount,
      // Node.js has no goroutines: the count of active handles and requests is the nearest measure.
      goroutineCount: process.getActiveResourcesInfo().length,
      GOMAXPROCS: availableParallelism(),
      GOGC: process.env.GOGC ?? '',
      GODEBUG: process.env.GODEBUG ?? '',
      storageRetention: r.storageRetention,
    };
    return { data: new RawJson(goJson(data)) };
  }));

  app.get('/status/flags', handle(async () => {
    const names = Object.keys(opts.flags).sort(compareStrings);
    return { data: new RawJson(`{${names.map((n) => `${goJsonString(n)}:${goJsonString(opts.flags[n]!)}`).join(',')}}`) };
  }));

  app.get('/status/config', handle(async () => ({ data: new RawJson(goJson({ yaml: configYaml(opts.config()) })) })));

  app.get('/status/tsdb', handle(async () => ({ data: new RawJson(tsdbStatusJson(opts.storage().headStatus())) })));
};

/** TSDBStatus; an empty head's minTime and maxTime are int64 extremes, written exactly. */
export function tsdbStatusJson(s: HeadStatus): string {
  const stats = (list: readonly CardinalityStat[]): RawJson => new RawJson(goJson(list.map(({ name, value }) => ({ name, value }))));
  return goJson({
    headStats: {
      numSeries: s.numSeries,
      numLabelPairs: s.numLabelPairs,
      chunkCount: s.chunkCount,
      minTime: int64(s.minTime),
      maxTime: int64(s.maxTime),
    },
    seriesCountByMetricName: stats(s.seriesCountByMetricName),
    labelValueCountByLabelName: stats(s.labelValueCountByLabelName),
    memoryInBytesByLabelName: stats(s.memoryInBytesByLabelName),
    seriesCountByLabelValuePair: stats(s.seriesCountByLabelValuePair),
  });
}

function int64(ms: number): RawJson | number {
  if (ms >= INT64_MAX) return new RawJson('9223372036854775807');
  if (ms <= INT64_MIN) return new RawJson('-9223372036854775808');
  return ms;
}

/** Go's time.Time in JSON (RFC3339Nano in UTC, trailing fractional zeros trimmed). */
function goTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}
