// Child process for durability.test.ts: logs samples records forever and acknowledges each one on
// stdout right after log() returns, until the parent kills it with SIGKILL.
import { Encbuf } from '../../../src/tsdb/encoding/encbuf.js';
import { encodeSamples } from '../../../src/tsdb/record/index.js';
import { WalWriter } from '../../../src/tsdb/wal/index.js';

const [dir, segmentSize] = process.argv.slice(2);
const w = WalWriter.open(dir!, { segmentSize: Number(segmentSize) });
const n = 100;
const refs = new Uint32Array(n);
const ts = new Float64Array(n);
const vs = new Float64Array(n);
const bits = new DataView(vs.buffer);
const buf = new Encbuf();
for (let i = 0; i < 1_000_000; i++) {
  for (let j = 0; j < n; j++) {
    refs[j] = j + 1;
    ts[j] = i * 1000 + j;
    if (j % 10 === 0) bits.setBigUint64(j * 8, 0x7ff0000000000002n, true);
    else vs[j] = i + j / 100;
  }
  buf.reset();
  encodeSamples(buf, refs, ts, vs);
  w.log([buf.get()]);
  process.stdout.write(`${i}\n`);
}
