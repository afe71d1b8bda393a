import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DebugExit, DEBUG_EXIT_DEFAULT_IOBASE, DEBUG_EXIT_DEFAULT_IOSIZE } from './debug-exit.js';
import { inb, outb, prng, randomAccess } from './test-util.js';

function make() {
  const codes: number[] = [];
  return { dev: new DebugExit({ onExit: (c) => codes.push(c) }), codes };
}

test('QEMU defaults: iobase 0x501, two ports', () => {
  assert.equal(DEBUG_EXIT_DEFAULT_IOBASE, 0x501);
  assert.equal(DEBUG_EXIT_DEFAULT_IOSIZE, 2);
  assert.equal(make().dev.iosize, 2);
});

test('status is (value << 1) | 1 for byte, word and dword writes', () => {
  const { dev, codes } = make();
  outb(dev, 0, 0x31);
  outb(dev, 0, 0x00);
  dev.write(0, Uint8Array.of(0x10, 0x00));
  dev.write(1, Uint8Array.of(0x34, 0x12));
  dev.write(0, Uint8Array.of(0xff, 0xff, 0xff, 0xff));
  assert.deepEqual(codes, [0x63, 0x01, 0x21, 0x2469, 0x1_ffff_ffff]);
});

test('reads return 0; oversized accesses are ignored', () => {
  const { dev, codes } = make();
  assert.equal(inb(dev, 0), 0);
  dev.write(0, new Uint8Array(8));
  dev.write(0, new Uint8Array(0));
  assert.deepEqual(codes, []);
});

test('fuzz: random accesses never throw and every status is odd', () => {
  const { dev, codes } = make();
  const rand = prng(0x501);
  for (let i = 0; i < 5000; i++) randomAccess(dev, rand, 2);
  assert.ok(codes.length > 0);
  assert.ok(codes.every((c) => c % 2 === 1 && c <= 0x1_ffff_ffff));
});
