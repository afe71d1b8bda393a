/**
 * Writes that run outside the qcow2 driver's mutex (in-place writes to allocated clusters) racing
 * with discards, flushes, allocating writes and whole-image operations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Qcow2Driver, qcow2Format } from '../../../src/block/formats/qcow2/index.js';
import { assertQemuClean, inTempDir } from './helpers.js';

const MiB = 1 << 20;

test('a large in-place write racing a discard never lands in the cluster the discard freed and a new write reused', async () => {
  await inTempDir('race', async (dir) => {
    for (let round = 0; round < 10; round++) {
      const path = join(dir, `r${round}.qcow2`);
      await qcow2Format.create(path, { size: 64 * MiB });
      // cache=unsafe: flushes need no thread-pool trip, so the discard, the flush and the
      // allocating write below all finish while the 32 MiB write is still in the thread pool.
      const d = await Qcow2Driver.open(path, { readOnly: false, cache: 'unsafe' });
      await d.write(0, new Uint8Array(32 * MiB).fill(0xaa));
      const inPlace = d.write(0, new Uint8Array(32 * MiB).fill(0xbb));
      const discard = d.discard(0, 64 << 10);
      const flush = d.flush();
      // Allocates the lowest free cluster: the one the discard released.
      const reuse = d.write(48 * MiB, new Uint8Array(64 << 10).fill(0xcc));
      await Promise.all([inPlace, discard, flush, reuse]);
      const got = new Uint8Array(64 << 10);
      await d.read(48 * MiB, got);
      assert.ok(got.every((b) => b === 0xcc), `round ${round}: the reused cluster was overwritten by the racing in-place write`);
      const head = new Uint8Array(32 * MiB);
      await d.read(0, head);
      assert.ok(head.subarray(0, 64 << 10).every((b) => b === 0), `round ${round}: the discarded cluster must read as zeroes`);
      assert.ok(head.subarray(64 << 10).every((b) => b === 0xbb), `round ${round}: the rest holds the in-place write`);
      await d.close();
      assertQemuClean(path);
    }
  });
});

test('concurrent flushes share one flush, in-place writes overlap a snapshot safely, and all data reads back', async () => {
  await inTempDir('share', async (dir) => {
    const path = join(dir, 'a.qcow2');
    await qcow2Format.create(path, { size: 8 * MiB });
    const d = await Qcow2Driver.open(path, { readOnly: false });
    await d.write(0, new Uint8Array(2 * MiB).fill(1));
    const flushes = Array.from({ length: 8 }, () => d.flush());
    assert.equal(new Set(flushes).size, 1, 'flushes queued together are one flush');
    await Promise.all(flushes);
    // In-place writes issued around a snapshot: those before it are in the snapshot or not, but
    // after the snapshot every write must copy-on-write instead of changing the snapshot.
    const before = d.write(0, new Uint8Array(MiB).fill(2));
    await d.createSnapshot('s1');
    await before;
    await d.write(0, new Uint8Array(2 * MiB).fill(3));
    const now = new Uint8Array(2 * MiB);
    await d.read(0, now);
    assert.ok(now.every((b) => b === 3));
    await d.applySnapshot('s1');
    const snap = new Uint8Array(2 * MiB);
    await d.read(0, snap);
    assert.ok(snap.subarray(0, MiB).every((b) => b === 2), 'the write that completed before the snapshot is in it');
    assert.ok(snap.subarray(MiB).every((b) => b === 1));
    await d.close();
    assertQemuClean(path);
  });
});
