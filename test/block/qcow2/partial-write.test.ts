/**
 * Partial writes into unallocated clusters: where the rest of the cluster reads as zeroes the
 * driver writes only the new bytes past the end of the file; over backing data it copies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Qcow2Driver, qcow2Format } from '../../../src/block/formats/qcow2/index.js';
import { assertQemuClean, inTempDir } from './helpers.js';

const KiB = 1024;

test('a 4 KiB write into a fresh cluster reads back with zeroes around it, and the file covers the cluster', async () => {
  await inTempDir('pw', async (dir) => {
    const path = join(dir, 'a.qcow2');
    await qcow2Format.create(path, { size: 1 << 20 });
    const d = await Qcow2Driver.open(path, { readOnly: false });
    await d.write(64 * KiB + 4 * KiB, new Uint8Array(4 * KiB).fill(0x5a));
    await d.write(200 * KiB, new Uint8Array(512).fill(0x6b)); // second cluster, ends mid-cluster
    const got = new Uint8Array(256 * KiB);
    await d.read(0, got);
    for (let i = 0; i < got.length; i++) {
      const want = i >= 68 * KiB && i < 72 * KiB ? 0x5a : i >= 200 * KiB && i < 200 * KiB + 512 ? 0x6b : 0;
      if (got[i] !== want) assert.fail(`byte ${i}: ${got[i]} != ${want}`);
    }
    await d.close();
    assert.equal(statSync(path).size % (64 * KiB), 0, 'the file ends on a cluster boundary');
    assertQemuClean(path);
  });
});

test('a partial write over backing data copies the backing bytes; past the backing file it reads zeroes', async () => {
  await inTempDir('pwb', async (dir) => {
    const base = join(dir, 'base.raw');
    writeFileSync(base, Buffer.alloc(96 * KiB, 0x11)); // ends in the middle of the second cluster
    const path = join(dir, 'top.qcow2');
    await qcow2Format.create(path, { size: 256 * KiB, backingFile: base, backingFormat: 'raw' });
    const d = await Qcow2Driver.open(path, { readOnly: false });
    await d.write(4 * KiB, new Uint8Array(4 * KiB).fill(0x22));
    await d.write(68 * KiB, new Uint8Array(4 * KiB).fill(0x33));
    await d.write(132 * KiB, new Uint8Array(4 * KiB).fill(0x44));
    const got = new Uint8Array(192 * KiB);
    await d.read(0, got);
    for (let i = 0; i < got.length; i++) {
      let want = i < 96 * KiB ? 0x11 : 0;
      if (i >= 4 * KiB && i < 8 * KiB) want = 0x22;
      if (i >= 68 * KiB && i < 72 * KiB) want = 0x33;
      if (i >= 132 * KiB && i < 136 * KiB) want = 0x44;
      if (got[i] !== want) assert.fail(`byte ${i}: ${got[i]} != ${want}`);
    }
    await d.close();
    assertQemuClean(path);
  });
});
