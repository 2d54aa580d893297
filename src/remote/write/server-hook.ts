// How the server starts remote write once its storage is open: the queues tail `<dataDir>/wal`,
// keep their positions under `<dataDir>/remote-write/`, and hold back WAL truncation (bounded)
// through the engine's retention hook.

import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { PrometheusConfig } from '../../config/types.js';
import type { Logger } from '../../logging.js';
import { RemoteWriteStorage } from './write-storage.js';

export interface RemoteWriteStartOptions {
  readonly dataDir: string;
  readonly engine: { setWalRetention?(keepFrom: (() => number | undefined) | undefined): void };
  readonly config: PrometheusConfig;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly flushDeadlineMs: number;
}

export async function startRemoteWrite(o: RemoteWriteStartOptions): Promise<RemoteWriteStorage> {
  const storage = new RemoteWriteStorage({
    walDir: join(o.dataDir, 'wal'),
    dataDir: o.dataDir,
    logger: o.logger.child({ component: 'remote' }),
    registry: o.registry,
    flushDeadlineMs: o.flushDeadlineMs,
  });
  o.engine.setWalRetention?.(() => storage.lowestSegment());
  await storage.applyConfig(o.config);
  return storage;
}
