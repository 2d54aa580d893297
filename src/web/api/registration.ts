// The query API as the server mounts it: built from the server's PluginContext and the opened storage.

import { formatBase2Bytes } from '../../format/go-units.js';
import { formatDuration } from '../../model/duration.js';
import type { PluginContext } from '../../server/server.js';
import type { DB } from '../../server/storage-seam.js';
import { BUILD_INFO } from '../../server/version.js';
import type { WebPluginRegistration } from '../app.js';
import { queryApiPlugin, type QueryApiOptions } from './index.js';

/**
 * `/api/v1` query routes over `db()`, which throws until the storage is open (the ready gate answers
 * 503 before that). Query flags (--query.lookback-delta, --query.max-samples, --query.timeout) go to the engine.
 */
export function queryApiRegistration(context: PluginContext, db: () => DB): WebPluginRegistration {
  const { query, tsdb, flagValues } = context.options;
  const options: QueryApiOptions = {
    storage: () => {
      const storage = db().query;
      if (storage === undefined) throw new Error('the storage cannot be queried');
      return storage;
    },
    engine: { lookbackDelta: query.lookbackDeltaMs, maxSamples: query.maxSamples, timeoutMs: query.timeoutMs },
    maxConcurrency: query.maxConcurrency,
    runtime: () => {
      const { startTimeMs, configLoad } = context.runtime();
      return {
        startTimeMs,
        reloadConfigSuccess: configLoad.success,
        lastConfigTimeMs: configLoad.lastSuccessMs,
        corruptionCount: db().stats().walCorruptions ?? 0,
        storageRetention: storageRetention(tsdb.retentionMs, tsdb.retentionBytes),
      };
    },
    build: BUILD_INFO,
    flags: flagValues,
    config: () => context.config().prometheus,
  };
  return { plugin: queryApiPlugin, prefix: '/api/v1', options: { ...options } };
}

/** Prometheus's runtimeinfo storageRetention: the time limit, the size limit, or both joined by " or ". */
export function storageRetention(retentionMs: number, retentionBytes: number): string {
  const parts: string[] = [];
  if (retentionMs !== 0) parts.push(formatDuration(retentionMs));
  if (retentionBytes !== 0) parts.push(formatBase2Bytes(retentionBytes));
  return parts.join(' or ');
}
