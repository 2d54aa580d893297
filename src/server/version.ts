// Build information for --version, the startup log and prometheus_build_info. The version is
// the package's; the single executable is stamped with the git revision and branch it was built
// from (scripts/build-binary.ts), anything else says "unknown".

import { createRequire } from 'node:module';
import type { BuildInfo } from '../web/self-metrics.js';

export const PROGRAM = 'promwasm';

/** Defined by the single-executable build: no package.json travels with it. */
declare const PROMWASM_BUNDLED_BUILD: BuildInfo | undefined;

export const BUILD_INFO: BuildInfo = Object.freeze(
  typeof PROMWASM_BUNDLED_BUILD === 'object'
    ? PROMWASM_BUNDLED_BUILD
    : {
        // The same relative path from src/server/ and from dist/server/.
        version: (createRequire(import.meta.url)('../../package.json') as { version: string }).version,
        revision: 'unknown',
        branch: 'unknown',
      },
);

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
