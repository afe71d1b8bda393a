import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockError } from '../../driver.js';
import { openImage } from '../../open.js';
import { rawFormat } from '../raw/index.js';
import { qcowFormat } from './index.js';
import { parseQcowHeader } from './header.js';

const dir = mkdtempSync(join(tmpdir(), 'tkvm-qcow-'));
const p = (n: string): string => join(dir, n);
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('write, read back, partial-cluster writes and unallocated zeroes', async () => {
  await qcowFormat.create(p('a.qcow'), { size: 8 << 20 });
  const { driver } = await openImage(p('a.qcow'), { readOnly: false });
  const data = Buffer.alloc(10000, 0xab);
  await driver.write(3000, data);
  const back = Buffer.alloc(16384);
  await driver.read(0, back);
  assert.ok(back.subarray(0, 3000).every((b) => b === 0));
  assert.ok(back.subarray(3000, 13000).every((b) => b === 0xab));
  assert.ok(back.subarray(13000).every((b) => b === 0));
  const st = await driver.blockStatus(0, 8 << 20);
  assert.equal(st.data, true);
  assert.equal(st.length, 16384, 'four contiguous 4 KiB clusters');
  const hole = await driver.blockStatus(16384, (8 << 20) - 16384);
  assert.deepEqual([hole.data, hole.zero, hole.present], [false, true, false]);
  await assert.rejects(driver.read((8 << 20) - 10, Buffer.alloc(20)), (e: unknown) => e instanceof BlockError && e.kind === 'out-of-range');
  await driver.close();
});

test('compressed clusters round trip', async () => {
  await qcowFormat.create(p('c.qcow'), { size: 1 << 20 });
  const { driver } = await openImage(p('c.qcow'), { readOnly: false });
  const cluster = Buffer.alloc(4096);
  for (let i = 0; i < cluster.length; i++) cluster[i] = i % 7;
  assert.ok(driver.writeCompressed !== undefined);
  await driver.writeCompressed(8192, cluster);
  const st = await driver.blockStatus(8192, 4096);
  assert.equal(st.compressed, true);
  const back = Buffer.alloc(4096);
  await driver.read(8192, back);
  assert.deepEqual(back, cluster);
  // A partial write into a compressed cluster decompresses it first.
  await driver.write(8192 + 100, Buffer.from([0xff]));
  await driver.read(8192, back);
  assert.equal(back[100], 0xff);
  assert.equal(back[101], 101 % 7);
  await driver.close();
});

test('copy-on-write from a backing file keeps the rest of the cluster', async () => {
  await rawFormat.create(p('base.raw'), { size: 1 << 20 });
  const base = await openImage(p('base.raw'), { readOnly: false, format: 'raw' });
  await base.driver.write(0, Buffer.alloc(65536, 0x5a));
  await base.driver.close();
  // Big clusters with a backing file force copy-on-write of partial clusters.
  await qcowFormat.create(p('ov.qcow'), { size: 1 << 20, backingFile: 'base.raw' });
  const { driver } = await openImage(p('ov.qcow'), { readOnly: false });
  await driver.write(10, Buffer.from([1, 2, 3]));
  const back = Buffer.alloc(1024);
  await driver.read(0, back);
  assert.deepEqual([...back.subarray(8, 15)], [0x5a, 0x5a, 1, 2, 3, 0x5a, 0x5a]);
  const below = await driver.blockStatus(4096, 4096);
  assert.equal(below.depth, 1);
  await driver.close();
});

test('malformed headers are rejected before any allocation', () => {
  const h = Buffer.alloc(48);
  h.writeUInt32BE(0x514649fb, 0);
  h.writeUInt32BE(1, 4);
  h.writeBigUInt64BE(1n << 62n, 24); // huge size
  h.writeUInt8(9, 32);
  h.writeUInt8(6, 33);
  assert.throws(() => parseQcowHeader(h, 'x'), /Image too large/);
  h.writeBigUInt64BE(1n, 24);
  assert.throws(() => parseQcowHeader(h, 'x'), /Image size is too small/);
  h.writeBigUInt64BE(1n << 20n, 24);
  h.writeUInt8(5, 33);
  assert.throws(() => parseQcowHeader(h, 'x'), /L2 table size must be between 512 and 64k/);
  h.writeUInt8(9, 33);
  h.writeUInt32BE(1, 36);
  assert.throws(() => parseQcowHeader(h, 'x'), (e: unknown) => e instanceof BlockError && e.kind === 'unsupported-feature');
  h.writeUInt32BE(0, 36);
  h.writeBigUInt64BE(48n, 8);
  h.writeUInt32BE(5000, 16);
  assert.throws(() => parseQcowHeader(h, 'x'), /Backing file name too long/);
});

test('a truncated file reads as zeroes past its end rather than failing', async () => {
  await qcowFormat.create(p('t.qcow'), { size: 1 << 20 });
  const bytes = readFileSync(p('t.qcow'));
  writeFileSync(p('t.qcow'), bytes.subarray(0, 48));
  const { driver } = await openImage(p('t.qcow'), { readOnly: true });
  const buf = Buffer.alloc(512, 1);
  await driver.read(0, buf);
  assert.ok(buf.every((b) => b === 0));
  await driver.close();
});

test('an L1 entry pointing into the header is corrupt, and writes never land there', async () => {
  await qcowFormat.create(p('o.qcow'), { size: 4 << 20 });
  const bytes = readFileSync(p('o.qcow'));
  bytes.writeBigUInt64BE(0n + 8n, 48); // L1[0] -> offset 8, inside the header
  writeFileSync(p('o.qcow'), bytes);
  const { driver } = await openImage(p('o.qcow'), { readOnly: false });
  await assert.rejects(driver.write(0, Buffer.alloc(4096, 0xee)), (e: unknown) => e instanceof BlockError && e.kind === 'corrupt-image');
  await driver.close();
  assert.deepEqual(readFileSync(p('o.qcow')).subarray(0, 48), bytes.subarray(0, 48));
});
