// Build information for --version, the startup log and prometheus_build_info. The version is
// the package's; promwasm is not stamped at build time, so branch and revision are "unknown".

import { createRequire } from 'node:module';
import type { BuildInfo } from '../web/self-metrics.js';

export const PROGRAM = 'promwasm';

/** Defined by the single-executable build (scripts/build-binary.ts): no package.json travels with it. */
declare const PROMWASM_BUNDLED_VERSION: string | undefined;

const version =
  typeof PROMWASM_BUNDLED_VERSION === 'string'
    ? PROMWASM_BUNDLED_VERSION
    : // The same relative path from src/server/ and from dist/server/.
      (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

export const BUILD_INFO: BuildInfo = Object.freeze({
  version,
  revision: 'unknown',
  branch: 'unknown',
});

/** The --version text, laid out like Prometheus's. */
export function versionText(): string {
  const { version, branch, revision } = BUILD_INFO;
  return [
    `${PROGRAM}, version ${version} (branch: ${branch}, revision: ${revision})`,
    `  node version:     ${process.version}`,
    `  platform:         ${process.platform}/${process.arch}`,
    '',
  ].join('\n');
}

/** The version as Prometheus logs it at startup: "(version=..., branch=..., revision=...)". */
export function versionSummary(): string {
  const { version, branch, revision } = BUILD_INFO;
  return `(version=${version}, branch=${branch}, revision=${revision})`;
}
