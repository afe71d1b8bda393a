import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory, GuestMemoryError } from './guest-memory.js';

test('accesses inside RAM round-trip, little-endian', () => {
  const mem = GuestMemory.allocate([{ gpa: 0, size: 0x10000 }]);
  mem.writeU32(0x100, 0xdeadbeef);
  assert.equal(mem.readU32(0x100), 0xdeadbeef);
  assert.equal(mem.readU8(0x100), 0xef);
  mem.writeU64(0x200, 0x1122334455667788n);
  assert.equal(mem.readU64(0x200), 0x1122334455667788n);
  assert.equal(mem.readU16(0x206), 0x1122);
});

test('accesses outside RAM or overflowing are typed errors', () => {
  const mem = GuestMemory.allocate([{ gpa: 0, size: 0x1000 }, { gpa: 0x100000, size: 0x1000 }]);
  assert.throws(() => mem.readU32(0xffe), GuestMemoryError);
  assert.throws(() => mem.read(0x2000, 1), /outside RAM/);
  assert.throws(() => mem.write(2 ** 53, new Uint8Array(1)), GuestMemoryError);
  assert.throws(() => mem.read(0x100000, -1), GuestMemoryError);
  assert.throws(() => mem.readU8(0x100fff + 1), GuestMemoryError);
  assert.equal(mem.contains(0x100000, 0x1000), true);
  assert.equal(mem.contains(0x100000, 0x1001), false);
});

test('adjacent chunks behave as one RAM for split accesses', () => {
  const mem = GuestMemory.allocate([{ gpa: 0, size: 0x1000 }, { gpa: 0x1000, size: 0x1000 }]);
  mem.writeU32(0xffe, 0xa1b2c3d4);
  assert.equal(mem.readU32(0xffe), 0xa1b2c3d4);
  mem.writeU64(0xffc, 0x0102030405060708n);
  assert.equal(mem.readU64(0xffc), 0x0102030405060708n);
  assert.deepEqual([...mem.read(0xfff, 2)], [0x05, 0x04]);
  assert.throws(() => mem.slice(0xfff, 2), /crosses/);
  assert.equal(mem.slice(0x1000, 4).length, 4);
});

test('the write observer hears every write made through GuestMemory, after it happened', () => {
  const mem = GuestMemory.allocate([{ gpa: 0, size: 0x2000 }, { gpa: 0x2000, size: 0x2000 }]);
  const seen: Array<[number, number]> = [];
  mem.onWrite = (gpa, len) => {
    seen.push([gpa, len]);
    assert.ok(len > 0);
  };
  mem.write(0x1ffe, Uint8Array.of(1, 2, 3, 4)); // across the chunk boundary: one report
  mem.fill(0x3000, 16, 0xaa);
  mem.writeU8(0x10, 1);
  mem.writeU16(0x1fff, 0x1234); // split store: reported once, by the split path
  mem.writeU32(0x20, 5);
  mem.writeU64(0x30, 6n);
  mem.read(0, 64); // reads are not reported
  assert.deepEqual(seen, [[0x1ffe, 4], [0x3000, 16], [0x10, 1], [0x1fff, 2], [0x20, 4], [0x30, 8]]);
  assert.equal(mem.readU16(0x1fff), 0x1234);
});
