import { expect, it } from 'vitest';
import { Decbuf } from '../../../src/tsdb/encoding/decbuf.js';
import { Encbuf } from '../../../src/tsdb/encoding/encbuf.js';

it('writes uvarint-length UTF-8 strings exactly as TextEncoder, on the ASCII fast path and off it', () => {
  const cases = ['', 'a', 'job', 'x'.repeat(127), 'y'.repeat(128), 'z'.repeat(300), 'Küche', 'Café ☕', '東京', '🚀 bay', `${'a'.repeat(126)}é`];
  const buf = new Encbuf(4);
  for (const s of cases) buf.uvarintStr(s);
  const bytes = buf.get();
  const expected = new Encbuf(4);
  for (const s of cases) expected.uvarintBytes(new TextEncoder().encode(s));
  expect([...bytes]).toEqual([...expected.get()]);
  const d = new Decbuf(bytes);
  for (const s of cases) expect(d.uvarintStr()).toBe(s);
  expect(d.remaining).toBe(0);
});
