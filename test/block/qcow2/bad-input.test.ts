/**
 * Bad-input corpus built by the test from valid qemu-img images: each damaged image must give a
 * BlockError of the right kind with a message that names the problem; no crash, no hang, no
 * huge allocation (table sizes are checked before anything is allocated from them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlockError } from '../../../src/block/driver.js';
import { Qcow2Driver, qcow2Format } from '../../../src/block/formats/qcow2/index.js';
import { qemuImg, qemuInfo, qemuIo, tempDir } from './helpers.js';

type Patch = (b: Buffer) => void;

const { dir, cleanup } = tempDir('bad');
const base = join(dir, 'base.qcow2');
const comp = join(dir, 'comp.qcow2');
const snap = join(dir, 'snap.qcow2');

test.before(() => {
  assert.equal(qemuImg('create', '-f', 'qcow2', base, '4M').status, 0);
  qemuIo(base, 'qcow2', 'write -P 0x5a 0 256k');
  const raw = join(dir, 'src.raw');
  assert.equal(qemuImg('create', '-f', 'raw', raw, '4M').status, 0);
  qemuIo(raw, 'raw', 'write -P 0x33 0 128k');
  assert.equal(qemuImg('convert', '-c', '-O', 'qcow2', raw, comp).status, 0);
  copyFileSync(base, snap);
  assert.equal(qemuImg('snapshot', '-c', 'one', snap).status, 0);
});
test.after(() => cleanup());

let n = 0;
function damaged(src: string, patch: Patch): string {
  const b = readFileSync(src);
  patch(b);
  const p = join(dir, `bad${n++}.qcow2`);
  writeFileSync(p, b);
  return p;
}

const l1Off = (b: Buffer): number => Number(b.readBigUInt64BE(40));
const l2Off = (b: Buffer): number => Number(b.readBigUInt64BE(l1Off(b)) & 0x00fffffffffffe00n);

async function expectError(path: string, kind: string, pattern: RegExp, action: (d: Qcow2Driver) => Promise<unknown> = async () => undefined, readOnly = true): Promise<void> {
  let err: unknown;
  try {
    const d = await Qcow2Driver.open(path, { readOnly });
    try {
      await action(d);
    } finally {
      await d.close().catch(() => undefined);
    }
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof BlockError, `expected a BlockError, got ${String(err)}`);
  assert.equal(err.kind, kind, err.message);
  assert.match(err.message, pattern);
}

const readFirst = async (d: Qcow2Driver): Promise<void> => d.read(0, new Uint8Array(65536));

test('wrong magic', () => expectError(damaged(base, (b) => b.write('QFX', 0, 'latin1')), 'invalid-format', /not a qcow2 image/));
test('truncated file', async () => {
  const p = join(dir, 'short.qcow2');
  writeFileSync(p, readFileSync(base).subarray(0, 40));
  await expectError(p, 'invalid-format', /too short/);
});
test('unknown incompatible feature bits are named', () =>
  expectError(damaged(base, (b) => b.writeUInt32BE(0x00000180, 76)), 'unsupported-feature', /Unsupported qcow2 feature\(s\): unknown incompatible feature bit 7, unknown incompatible feature bit 8/));
test('external data file is refused', () => expectError(damaged(base, (b) => b.writeUInt32BE(4, 76)), 'unsupported-feature', /external data file/));
test('encryption is refused', () => expectError(damaged(base, (b) => b.writeUInt32BE(2, 32)), 'unsupported-feature', /encrypted/));
test('cluster_bits out of range', () => expectError(damaged(base, (b) => b.writeUInt32BE(30, 20)), 'corrupt-image', /cluster_bits 30/));
test('huge header_length', () => expectError(damaged(base, (b) => b.writeUInt32BE(0x100000, 100)), 'corrupt-image', /header_length/));
test('header extension too large', () => expectError(damaged(base, (b) => b.writeUInt32BE(0xfffffff0, 116)), 'corrupt-image', /header extension .* too large/));
test('huge L1 table', () => expectError(damaged(base, (b) => b.writeUInt32BE(0x10000000, 36)), 'corrupt-image', /L1 table too large/));
test('misaligned L1 table', () => expectError(damaged(base, (b) => b.writeBigUInt64BE(BigInt(l1Off(b) + 8), 40)), 'corrupt-image', /Invalid L1 table offset/));
test('L1 table too small for the size', () => expectError(damaged(base, (b) => b.writeBigUInt64BE(1n << 40n, 24)), 'corrupt-image', /L1 table is too small/));
test('huge refcount table', () => expectError(damaged(base, (b) => b.writeUInt32BE(0x100000, 56)), 'corrupt-image', /Reference count table too large/));
test('misaligned refcount table', () => expectError(damaged(base, (b) => b.writeBigUInt64BE(0x10200n, 48)), 'corrupt-image', /Invalid Reference count table offset/));
test('refcount table past EOF', () => expectError(damaged(base, (b) => b.writeBigUInt64BE(1n << 40n, 48)), 'corrupt-image', /outside the image file/));
test('virtual size beyond 2^53', () => expectError(damaged(base, (b) => b.writeBigUInt64BE(1n << 60n, 24)), 'corrupt-image', /too large/));
test('L2 table past EOF', () =>
  expectError(damaged(base, (b) => b.writeBigUInt64BE((1n << 63n) | (1n << 40n), l1Off(b))), 'corrupt-image', /past the end of the image file/, readFirst));
test('misaligned L2 table', () =>
  expectError(damaged(base, (b) => b.writeBigUInt64BE((1n << 63n) | BigInt(l2Off(b) + 512), l1Off(b))), 'corrupt-image', /unaligned/, readFirst));
test('data cluster past EOF', () =>
  expectError(damaged(base, (b) => b.writeBigUInt64BE((1n << 63n) | (1n << 40n), l2Off(b))), 'corrupt-image', /past the end of the image file/, readFirst));
test('compressed cluster past EOF', () =>
  expectError(damaged(comp, (b) => b.writeBigUInt64BE((1n << 62n) | (1n << 40n), l2Off(b))), 'corrupt-image', /compressed cluster .* past the end/, readFirst));
test('compressed cluster with garbage data', () =>
  expectError(damaged(comp, (b) => { const e = b.readBigUInt64BE(l2Off(b)); const off = Number(e & ((1n << 54n) - 1n)); b.fill(0xff, off, off + 64); }), 'corrupt-image', /cannot be decompressed|decompresses to/, readFirst));
test('backing name longer than 1023 bytes', () => expectError(damaged(base, (b) => { b.writeBigUInt64BE(0x200n, 8); b.writeUInt32BE(2000, 16); }), 'corrupt-image', /backing file name too long/));
test('creating with an over-long backing name is refused', async () => {
  await assert.rejects(qcow2Format.create(join(dir, 'long.qcow2'), { size: 1 << 20, backingFile: 'x'.repeat(1100), backingFormat: 'raw' }), (e: unknown) => e instanceof BlockError && /too long/.test(e.message));
});
test('snapshot table claiming too much', () => expectError(damaged(snap, (b) => b.writeUInt32BE(60000, 60)), 'corrupt-image', /snapshot table/));
test('snapshot entry with huge extra data', async () => {
  const p = damaged(snap, (b) => { const off = Number(b.readBigUInt64BE(64)); b.writeUInt32BE(0x100000, off + 36); });
  await expectError(p, 'corrupt-image', /extra data too large/, (d) => d.listSnapshots());
});
test('backing loop is detected', async () => {
  const a = join(dir, 'loop-a.qcow2');
  const b2 = join(dir, 'loop-b.qcow2');
  await qcow2Format.create(a, { size: 1 << 20, backingFile: 'loop-b.qcow2', backingFormat: 'qcow2' });
  await qcow2Format.create(b2, { size: 1 << 20, backingFile: 'loop-a.qcow2', backingFormat: 'qcow2' });
  await expectError(a, 'corrupt-image', /infinite loop/);
  const self = join(dir, 'loop-self.qcow2');
  await qcow2Format.create(self, { size: 1 << 20, backingFile: 'loop-self.qcow2', backingFormat: 'qcow2' });
  await expectError(self, 'corrupt-image', /infinite loop/);
});
test('missing backing file gives an io error naming it', async () => {
  const p = join(dir, 'nobacking.qcow2');
  await qcow2Format.create(p, { size: 1 << 20, backingFile: 'does-not-exist.raw', backingFormat: 'raw' });
  await expectError(p, 'io', /does-not-exist\.raw/);
});
test('refcount overflow is a clear error (1-bit refcounts cannot share clusters)', async () => {
  const p = join(dir, 'rc1.qcow2');
  assert.equal(qemuImg('create', '-f', 'qcow2', '-o', 'refcount_bits=1', p, '1M').status, 0);
  qemuIo(p, 'qcow2', 'write -P 1 0 64k');
  await expectError(p, 'corrupt-image', /refcount overflow/, (d) => d.createSnapshot('s'), false);
});
test('L2 entry pointing at metadata: write refused, image marked corrupt and opened read-only', async () => {
  // Point guest cluster 0 at the refcount block (cluster 2) with COPIED set.
  const p = damaged(base, (b) => b.writeBigUInt64BE((1n << 63n) | 0x20000n, l2Off(b)));
  await expectError(p, 'corrupt-image', /points at metadata/, (d) => d.write(0, new Uint8Array(512).fill(1)), false);
  assert.equal((qemuInfo(p)['format-specific'] as { data: { corrupt: boolean } }).data.corrupt, true);
  const d = await Qcow2Driver.open(p, { readOnly: false });
  assert.equal(d.readOnly, true);
  await assert.rejects(d.write(0, new Uint8Array(1)), (e: unknown) => e instanceof BlockError && e.kind === 'read-only' && /corrupt/.test(e.message));
  const r = await d.check('none');
  await d.close();
  assert.ok(r.messages.includes('ERROR cluster 2 refcount=1 reference=2'), r.messages.join('\n'));
  assert.equal(qemuImg('check', p).status, 2);
  // The refcount block really is intact: the refused write did not reach it.
  assert.equal(readFileSync(p).readUInt16BE(0x20000), 1);
});
test('corrupt bit on a consistent image: opened read-only, check -r all clears it', async () => {
  const p = damaged(base, (b) => b.writeUInt32BE(2, 76));
  const d = await Qcow2Driver.open(p, { readOnly: false });
  assert.equal(d.readOnly, true);
  assert.match(d.notice ?? '', /marked corrupt.*check -r all/);
  const r = await d.check('all');
  assert.equal(r.corruptions, 0);
  await d.close();
  assert.equal((qemuInfo(p)['format-specific'] as { data: { corrupt: boolean } }).data.corrupt, false);
  const again = await Qcow2Driver.open(p, { readOnly: false });
  await again.write(0, new Uint8Array(10).fill(3));
  await again.close();
  assert.equal(qemuImg('check', p).status, 0);
});
test('L1 entry pointing at the refcount table: check reports the overlap, writes are refused', async () => {
  const p = damaged(base, (b) => b.writeBigUInt64BE((1n << 63n) | 0x10000n, l1Off(b)));
  const d = await Qcow2Driver.open(p, { readOnly: true });
  const r = await d.check('none');
  await d.close();
  assert.ok(r.corruptions > 0 && r.messages.some((m) => m.startsWith('ERROR cluster 1 refcount=1 reference=2')), r.messages.join('\n'));
  await expectError(p, 'corrupt-image', /L1 entry 0 points at other metadata/, (e) => e.write(0, new Uint8Array(512)), false);
  const table = readFileSync(p).subarray(0x10000, 0x10010);
  assert.equal(table.readBigUInt64BE(0), 0x20000n, 'the refcount table was not overwritten');
});
