import { test } from 'node:test';
import assert from 'node:assert/strict';
import koffi from 'koffi';
import { IO_ALIGN, alignedBuffer } from './aligned-buffer.js';

test('alignedBuffer: page-aligned start and exact length for small and large sizes', () => {
  for (const size of [1, 512, 4096, 65536, 1 << 20, (2 << 20) + 7]) {
    const b = alignedBuffer(size);
    assert.equal(b.length, size);
    assert.equal(koffi.address(b) % BigInt(IO_ALIGN), 0n, `size ${size}`);
    b.fill(0xa5);
    assert.equal(b[size - 1], 0xa5);
  }
});

test('alignedBuffer: separate calls do not share memory', () => {
  const a = alignedBuffer(8192);
  const b = alignedBuffer(8192);
  a.fill(1);
  b.fill(2);
  assert.equal(a[0], 1);
  assert.equal(a[8191], 1);
});
