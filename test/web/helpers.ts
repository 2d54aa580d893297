import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../src/logging.js';
import { buildWebApp, type WebPluginRegistration } from '../../src/web/app.js';
import { Readiness } from '../../src/web/health.js';
import { SelfMetrics } from '../../src/web/self-metrics.js';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly readiness: Readiness;
  readonly selfMetrics: SelfMetrics;
  readonly logs: string[];
  readonly quits: number[];
}

/** The web app alone, with the lifecycle recorded and logs captured. */
export function testApp(options: { plugins?: WebPluginRegistration[]; lifecycle?: boolean; reload?: () => Promise<void> } = {}): TestApp {
  const logs: string[] = [];
  const quits: number[] = [];
  const readiness = new Readiness();
  const selfMetrics = new SelfMetrics({ build: { version: '9.9.9', revision: 'abc', branch: 'main' }, readiness, defaultMetrics: false });
  const app = buildWebApp({
    logger: createLogger({ level: 'debug', format: 'json', sink: { write: (line: string) => logs.push(line) } }),
    readiness,
    selfMetrics,
    lifecycle: { enabled: options.lifecycle ?? false, quit: () => quits.push(Date.now()), reload: options.reload ?? (async () => {}) },
    plugins: options.plugins,
  });
  return { app, readiness, selfMetrics, logs, quits };
}

/** One sample's value from an exposition body, or undefined when the series is absent. */
export function sampleValue(body: string, series: string): number | undefined {
  for (const line of body.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}
