import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PostPort } from './post-port.js';
import { inb, outb, prng, randomAccess } from './test-util.js';

test('keeps the last POST code and reads all ones like QEMU', () => {
  const seen: number[] = [];
  const port = new PostPort((c) => seen.push(c));
  outb(port, 0, 0x12);
  outb(port, 0, 0x34);
  assert.equal(port.lastCode, 0x34);
  assert.deepEqual(seen, [0x12, 0x34]);
  assert.equal(inb(port, 0), 0xff);
  const wide = new Uint8Array(4);
  port.read(0, wide);
  assert.deepEqual([...wide], [0xff, 0xff, 0xff, 0xff]);
});

test('fuzz: random accesses never throw; reads stay all ones', () => {
  const port = new PostPort();
  const rand = prng(80);
  for (let i = 0; i < 5000; i++) {
    randomAccess(port, rand, 1);
    assert.equal(inb(port, 0), 0xff);
  }
});
