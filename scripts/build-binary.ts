// npm run build:binary — builds dist/promwasm, one Linux x64 executable that needs no Node, no
// node_modules and no network: Node's single-executable application (SEA) support.
//
// `tsx scripts/build-binary.ts [--out-dir DIR]` (default dist/): DIR/promwasm, intermediates in DIR/sea-build/.
//
//   1. esbuild bundles src/cli/main.ts and everything it imports into one CommonJS script
//      (a Node 20 SEA's main script must be CommonJS); import.meta.url becomes the script's file URL
//      and the version, git revision and branch are written in (no package.json travels along).
//   2. The blob: the script plus its assets, the WebAssembly module (build/release.wasm, read by
//      src/wasm/loader.ts) and the snappy native addon (loaded by src/native/snappy.ts).
//   3. A copy of this very node executable with the blob injected by postject, behind the fuse
//      that tells Node to run it.

import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
// `--out-dir DIR` builds elsewhere than dist/ (the binary test builds into a temporary directory).
const outFlag = process.argv.indexOf('--out-dir');
const OUT_DIR = outFlag > 0 && process.argv[outFlag + 1] ? resolve(process.argv[outFlag + 1]!) : join(ROOT, 'dist');
const WORK = join(OUT_DIR, 'sea-build');
const OUTPUT = join(OUT_DIR, 'promwasm');
const WASM = join(ROOT, 'build', 'release.wasm');
/** The fuse Node looks for to know a SEA blob was injected (Node's documented sentinel). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function fail(message: string): never {
  process.stderr.write(`build-binary: ${message}\n`);
  process.exit(1);
}

function step<T>(name: string, run: () => T): T {
  const start = performance.now();
  const result = run();
  process.stdout.write(`  ${name}: ${Math.round(performance.now() - start)} ms\n`);
  return result;
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  fail(`the single executable is built for linux/x64, this is ${process.platform}/${process.arch}`);
}
if (!existsSync(WASM)) fail(`${WASM} is missing: run \`npm run asbuild:release\` first`);

const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
/** What --version and prometheus_build_info report: the package version, and the git commit when built from a checkout. */
const buildInfo = { version: packageJson.version, revision: git('rev-parse', 'HEAD'), branch: git('rev-parse', '--abbrev-ref', 'HEAD') };

function git(...args: string[]): string {
  try {
    return execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}
// The addon as the snappy package itself finds it on linux-x64 with glibc.
const snappyAddon = createRequire(createRequire(join(ROOT, 'package.json')).resolve('snappy')).resolve(
  '@napi-rs/snappy-linux-x64-gnu',
);

const started = performance.now();
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
const script = join(WORK, 'promwasm.cjs');
const blob = join(WORK, 'sea-prep.blob');

await (async () => {
  const start = performance.now();
  await build({
    entryPoints: [join(ROOT, 'src', 'cli', 'main.ts')],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minifySyntax: true,
    legalComments: 'eof',
    logLevel: 'warning',
    // `snappy` is only reached through createRequire when not in a SEA; never bundle it.
    external: ['snappy'],
    banner: { js: 'const __promwasm_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
    define: {
      'import.meta.url': '__promwasm_import_meta_url',
      PROMWASM_BUNDLED_BUILD: JSON.stringify(buildInfo),
    },
  });
  process.stdout.write(`  bundle (esbuild): ${Math.round(performance.now() - start)} ms\n`);
})();

const seaConfig = join(WORK, 'sea-config.json');
writeFileSync(
  seaConfig,
  JSON.stringify(
    {
      main: script,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: true,
      assets: { 'promwasm.wasm': WASM, 'snappy.node': snappyAddon },
    },
    null,
    2,
  ),
);
step('blob (node --experimental-sea-config)', () =>
  execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: ['ignore', 'ignore', 'pipe'] }),
);

rmSync(OUTPUT, { force: true });
step('copy node', () => copyFileSync(process.execPath, OUTPUT));
chmodSync(OUTPUT, 0o755);
step('inject (postject)', () => {
  // postject's CLI in a child process: its output (progress, and LIEF's harmless "Can't find string
  // offset for section name" warnings about Node's ELF notes) is shown only when it fails.
  const postject = createRequire(join(ROOT, 'package.json')).resolve('postject/dist/cli.js');
  const run = spawnSync(process.execPath, [postject, OUTPUT, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], { encoding: 'utf8' });
  if (run.status !== 0) fail(`postject failed (${run.error?.message ?? `exit ${run.status}`}):\n${run.stdout}${run.stderr}`);
});

const mb = (n: number) => (n / 2 ** 20).toFixed(1);
process.stdout.write(
  `${OUTPUT}: ${mb(statSync(OUTPUT).size)} MiB (script ${mb(statSync(script).size)} MiB, blob ${mb(statSync(blob).size)} MiB)` +
    ` in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
