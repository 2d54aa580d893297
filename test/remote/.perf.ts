import snappy from 'snappy';
import { WriteRequestDecoder } from '../../src/remote/decoder.js';
import { DecodedWriteRequest } from '../../src/remote/decoded-request.js';
import { fixtureNames, fixtureBody } from './fixtures.js';
import { WriteRequestV1 } from './proto-schema.js';
const bodies = fixtureNames.map((n) => snappy.uncompressSync(fixtureBody(n), { asBuffer: true }) as Buffer);
const d = new WriteRequestDecoder(); const out = new DecodedWriteRequest();
let samples = 0;
for (const b of bodies) samples += d.decode(1, b, out).sampleCount;
for (let round = 0; round < 3; round++) {
  let t = performance.now();
  for (let k = 0; k < 50; k++) for (const b of bodies) d.decode(1, b, out);
  let dt = performance.now() - t;
  console.log('hand', ((samples * 50) / dt * 1000 / 1e6).toFixed(2), 'M samples/s');
  t = performance.now();
  for (let k = 0; k < 10; k++) for (const b of bodies) WriteRequestV1.decode(b);
  dt = performance.now() - t;
  console.log('pbjs', ((samples * 10) / dt * 1000 / 1e6).toFixed(2), 'M samples/s');
}
