/**
 * Unit tests of the pieces without qemu-img: header serialise/parse round trip (extensions and
 * unknown trailing fields kept), refcount entries of every width, the compressed-descriptor
 * codec, the bounded metadata cache, and many concurrent requests on one image.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TableCache } from '../../../src/block/formats/qcow2/cache.js';
import { decodeCompressed, encodeCompressed } from '../../../src/block/formats/qcow2/compress.js';
import { parseHeader, serializeHeader, type Qcow2Header } from '../../../src/block/formats/qcow2/header.js';
import { HostFile } from '../../../src/block/host-file.js';
import { Refcounts } from '../../../src/block/formats/qcow2/refcount.js';
import { Qcow2Driver, qcow2Format } from '../../../src/block/formats/qcow2/index.js';
import { firstDiff, patternBytes, prng, randInt, readAll, tempDir } from './helpers.js';

test('header round trip keeps backing name/format, unknown extensions and trailing fields', () => {
  const h: Qcow2Header = {
    version: 3, clusterBits: 16, size: 1 << 30, cryptMethod: 0, l1Size: 2, l1TableOffset: 3 << 16,
    refcountTableOffset: 1 << 16, refcountTableClusters: 1, nbSnapshots: 0, snapshotsOffset: 0,
    incompatible: 0n, compatible: 1n, autoclear: 0n, refcountOrder: 4, headerLength: 120, compressionType: 0,
    otherExtensions: [{ type: 0x12345678, data: Uint8Array.of(1, 2, 3) }], tail: Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9),
    backingFile: 'dir/base image.qcow2', backingFormat: 'qcow2',
  };
  const bytes = serializeHeader(h);
  const file = new Uint8Array(5 << 16);
  file.set(bytes);
  const back = parseHeader(file, file.length, 'mem');
  assert.deepEqual(back, h);
});

test('refcount entries of every width read back and overflow is refused', async () => {
  const { dir, cleanup } = tempDir('rc');
  try {
    const f = await HostFile.create(join(dir, 'x'));
    for (let order = 0; order <= 6; order++) {
      const rc = new Refcounts(f, 12, order, 0, new Uint8Array(4096), async () => undefined);
      const block = new Uint8Array(4096);
      const max = rc.maxRefcount;
      const values = [0, 1, max, Math.floor(max / 2), 1];
      values.forEach((v, i) => rc.setEntry(block, i * 3 + 1, v));
      values.forEach((v, i) => assert.equal(rc.getEntry(block, i * 3 + 1), v, `order ${order} entry ${i}`));
      assert.equal(rc.getEntry(block, 0), 0);
      assert.equal(rc.getEntry(block, 2), 0);
      await assert.rejects(rc.set(5, max + 1), /refcount overflow/);
    }
    await f.close();
  } finally {
    cleanup();
  }
});

test('compressed descriptors encode and decode for every cluster size', () => {
  for (let bits = 9; bits <= 21; bits++) {
    for (const [off, want] of [[512, 100], [12345, 2000], [2 ** 40 + 7, (1 << bits) - 1]] as const) {
      const len = Math.min(want, 1 << bits);
      const [hi, lo] = encodeCompressed(off, len, bits);
      assert.equal(hi & 0x40000000, 0x40000000);
      const r = decodeCompressed(hi, lo, bits);
      assert.equal(r.offset, off);
      assert.ok(r.length >= len && r.length - len < 512 + 512, `bits ${bits}`);
    }
  }
});

test('metadata cache stays within its budget and never evicts dirty tables', async () => {
  const { dir, cleanup } = tempDir('cache');
  try {
    const f = await HostFile.create(join(dir, 'x'));
    await f.write(0, new Uint8Array(64 * 4096));
    const c = new TableCache(f, 4096, 8 * 4096);
    const dirty = new Uint8Array(4096).fill(7);
    c.put(0, dirty, true);
    for (let i = 1; i < 64; i++) await c.get(i * 4096);
    let held = 0;
    for (let i = 0; i < 64; i++) if (c.has(i * 4096)) held++;
    assert.ok(held <= 8, `held ${held}`);
    assert.ok(c.has(0));
    assert.equal(await c.writeDirty(), 1);
    const b = new Uint8Array(4096);
    await f.read(0, b);
    assert.equal(b[100], 7);
    await f.close();
  } finally {
    cleanup();
  }
});

test('hundreds of concurrent writes and reads on one image stay consistent', async () => {
  const { dir, cleanup } = tempDir('conc');
  try {
    const p = join(dir, 'c.qcow2');
    const size = 16 << 20;
    await qcow2Format.create(p, { size, clusterSize: 4096 });
    const d = await Qcow2Driver.open(p, { readOnly: false });
    const rnd = prng(5);
    const model = new Uint8Array(size);
    const jobs: Promise<void>[] = [];
    // Disjoint 32 KiB slots, each written once with unaligned data, in flight together.
    const slots = [...Array(size / 32768).keys()].sort(() => rnd() - 0.5).slice(0, 300);
    for (const s of slots) {
      const off = s * 32768 + randInt(rnd, 1000);
      const data = patternBytes(rnd, 1 + randInt(rnd, 30000));
      model.set(data, off);
      jobs.push(d.write(off, data));
      if (jobs.length % 7 === 0) jobs.push(d.read(randInt(rnd, size - 4096), new Uint8Array(4096)));
      if (jobs.length % 50 === 0) jobs.push(d.flush());
    }
    await Promise.all(jobs);
    assert.equal(firstDiff(await readAll(d), model), -1);
    const r = await d.check('none');
    assert.deepEqual([r.corruptions, r.leaks], [0, 0]);
    await d.close();
  } finally {
    cleanup();
  }
});
