/**
 * Regenerates src/format/go-printable.ts from a real promtool (run from the repository root):
 *   npx tsx test/format/tools/generate-go-printable.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRanges, printableProbeOpenMetrics, printableRangesFromDump } from './go-printable.js';

const dir = mkdtempSync(join(tmpdir(), 'go-printable-'));
try {
  writeFileSync(join(dir, 'in.om'), printableProbeOpenMetrics());
  execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'in.om'), join(dir, 'db')], { stdio: 'ignore' });
  mkdirSync(join(dir, 'db', 'wal'));
  const dump = execFileSync('promtool', ['tsdb', 'dump', join(dir, 'db')], { maxBuffer: 1 << 26 }).toString('utf8');
  const { ranges, seen } = printableRangesFromDump(dump);
  if (seen !== 0x110000 - 0x800 - 1) throw new Error(`probe incomplete: saw ${seen} code points`);
  const target = new URL('../../../src/format/go-printable.ts', import.meta.url);
  const text = readFileSync(target, 'utf8').replace(/const ENCODED =\n  '[^']*';/, `const ENCODED =\n  '${encodeRanges(ranges)}';`);
  writeFileSync(target, text);
  console.log(`${ranges.length} ranges written to ${target.pathname}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
