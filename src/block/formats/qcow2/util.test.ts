import { test } from 'node:test';
import assert from 'node:assert/strict';
import { be32, setBe32, setBe64 } from './util.js';

test('be32/setBe32/setBe64 read and write big-endian fields as the spec lays them out', () => {
  const b = new Uint8Array(24);
  const dv = new DataView(b.buffer);
  for (const v of [0, 1, 0x1ff, 0x7fffffff, 0x80000000, 0xfffffe00, 0xffffffff]) {
    setBe32(b, 3, v);
    assert.equal(dv.getUint32(3, false), v);
    assert.equal(be32(b, 3), v);
  }
  // An L2 entry: COPIED flag in the high word, a host offset above 4 GiB.
  const host = 0x12_3456_7800;
  setBe64(b, 8, host, 0x80000000);
  assert.equal(dv.getBigUint64(8, false), (1n << 63n) | BigInt(host));
  // Largest offset qcow2 allows (2^56 - 512).
  setBe64(b, 16, 2 ** 56 - 512);
  assert.equal(dv.getBigUint64(16, false), (1n << 56n) - 512n);
});
