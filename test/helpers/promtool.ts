/**
 * Access to the real promtool for differential tests. Tests that need it call `describe.skipIf(!PROMTOOL)`
 * and say so: CI always has promtool 2.42 on PATH; elsewhere those tests are skipped with a message.
 */
import { execFileSync, spawnSync } from 'node:child_process';

function findPromtool(): string | undefined {
  const r = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? 'promtool' : undefined;
}

export const PROMTOOL: string | undefined = findPromtool();

export const PROMTOOL_MISSING = 'promtool is not on PATH: skipping the comparison with the real promtool 2.42';

if (!PROMTOOL) console.warn(PROMTOOL_MISSING);

/** Runs promtool and returns its stdout; throws with its stderr on a non-zero exit. */
export function promtool(args: readonly string[], options: { cwd?: string } = {}): string {
  return execFileSync(PROMTOOL ?? 'promtool', args, { cwd: options.cwd, maxBuffer: 1 << 28, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs promtool, returning stdout, stderr and the exit code whatever they are. */
export function promtoolResult(args: readonly string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(PROMTOOL ?? 'promtool', args, { maxBuffer: 1 << 28, encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}
