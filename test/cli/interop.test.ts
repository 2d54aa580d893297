import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { PROMTOOL, PROMTOOL_MISSING, promtool } from '../helpers/promtool.js';
import { generateOpenMetrics } from './om-generator.js';

/**
 * promwasm against the real promtool 2.42 on blocks promtool itself wrote from a seeded OpenMetrics file:
 * `tsdb dump` (with and without --min-time/--max-time/--match) and `tsdb list` must print the same bytes.
 * Our CLI runs as a real process; promtool gets a copy with the empty wal/ folder it insists on.
 */
describe.skipIf(!PROMTOOL)(`promwasm vs promtool on generated blocks${PROMTOOL ? '' : ` (${PROMTOOL_MISSING})`}`, () => {
  let root: string;
  let db: string;
  let promtoolDb: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'promwasm-interop-'));
    writeFileSync(join(root, 'in.om'), generateOpenMetrics(20240614));
    db = join(root, 'db');
    promtool(['tsdb', 'create-blocks-from', 'openmetrics', join(root, 'in.om'), db]);
    promtoolDb = join(root, 'promtool-db');
    cpSync(db, promtoolDb, { recursive: true });
    mkdirSync(join(promtoolDb, 'wal'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function ours(args: string[], dir = db): string {
    const r = runCli(['tsdb', ...args, dir]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout;
  }

  it('promtool wrote several blocks with thousands of samples', () => {
    expect(readdirSync(db).filter((n) => /^[0-9A-Z]{26}$/.test(n)).length).toBeGreaterThanOrEqual(4);
    expect(promtool(['tsdb', 'dump', promtoolDb]).split('\n').length).toBeGreaterThan(10_000);
  });

  it('dump: everything', () => {
    expect(ours(['dump'])).toBe(promtool(['tsdb', 'dump', promtoolDb]));
  });

  it('dump: the same when a wal/ and chunks_head/ folder sit beside the blocks', () => {
    expect(ours(['dump'], promtoolDb)).toBe(promtool(['tsdb', 'dump', promtoolDb]));
  });

  it.each([
    [['--min-time=1686730000000'], true],
    [['--max-time=1686735000123'], true],
    [['--min-time=1686728000500', '--max-time=1686740000499'], true],
    [['--min-time=1686731999999', '--max-time=1686732000000'], false],
    [['--min-time=0x188_B87D_A400'], true],
    [['--max-time=1'], false],
    [['--match={__name__=~"gen_gauge.*"}'], true],
    [['--match={l4=~".*[é東🚀👩].*", __name__!~"gen_counter.*"}'], true],
    [['--match={l2!=""}', '--min-time=1686729000000', '--max-time=1686739000000'], true],
    [['--match={l5=~"(?s).*\\n.*"}'], true],
    [['--match={l2=~".*\\x01.*"}'], true],
    [['--match={l0=""}'], true],
    [['--match={}'], false],
  ])('dump %j', (args, selectsSomething) => {
    const out = ours(['dump', ...args]);
    expect(out).toBe(promtool(['tsdb', 'dump', ...args, promtoolDb]));
    if (selectsSomething) expect(out.length).toBeGreaterThan(0);
  });

  it.each([[[]], [['-r']]])('list %j', (args) => {
    expect(ours(['list', ...args])).toBe(promtool(['tsdb', 'list', ...args, db]));
  });
});
