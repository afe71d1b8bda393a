/**
 * Images written by the real qemu-img / qemu-io are read by the qcow2 driver exactly as
 * `qemu-img convert -O raw` reads them: default, compressed, refcount widths 1 and 64, cluster
 * sizes 512 B and 2 MiB, extended L2, compat 0.10, backing chains, snapshots.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Qcow2Driver } from '../../../src/block/formats/qcow2/index.js';
import { firstDiff, patternBytes, prng, qemuImg, qemuIo, qemuToRaw, readAll, tempDir, writeRaw } from './helpers.js';

const SIZE = 8 << 20;

/** A raw source with data, zero runs and holes at odd offsets. */
function source(seed: number): Uint8Array {
  const rnd = prng(seed);
  const data = new Uint8Array(SIZE);
  for (let i = 0; i < 40; i++) {
    const len = 1 + Math.floor(rnd() * 300000);
    const off = Math.floor(rnd() * (SIZE - len));
    data.set(patternBytes(rnd, len), off);
  }
  return data;
}

async function assertReadsLikeQemu(path: string, dir: string): Promise<void> {
  const expected = qemuToRaw(path, dir);
  const d = await Qcow2Driver.open(path, { readOnly: true });
  try {
    const got = await readAll(d);
    assert.equal(got.length, expected.length);
    const diff = firstDiff(got, expected);
    assert.equal(diff, -1, `${path}: first difference at byte ${diff}`);
  } finally {
    await d.close();
  }
}

const variants: [string, string[]][] = [
  ['default', []],
  ['compressed', ['-c']],
  ['refcount1', ['-o', 'refcount_bits=1']],
  ['refcount64', ['-o', 'refcount_bits=64']],
  ['cluster512', ['-o', 'cluster_size=512']],
  ['cluster2M', ['-o', 'cluster_size=2M']],
  ['extl2', ['-o', 'extended_l2=on']],
  ['compat010', ['-o', 'compat=0.10']],
  ['compressed-4k', ['-c', '-o', 'cluster_size=4096']],
];

for (const [name, opts] of variants) {
  test(`reads a qemu-img convert image: ${name}`, async () => {
    const { dir, cleanup } = tempDir(name);
    try {
      const raw = join(dir, 'src.raw');
      writeRaw(raw, source(name.length * 7919));
      const img = join(dir, 'img.qcow2');
      const r = qemuImg('convert', '-f', 'raw', '-O', 'qcow2', ...opts, raw, img);
      assert.equal(r.status, 0, r.stderr);
      await assertReadsLikeQemu(img, dir);
    } finally {
      cleanup();
    }
  });
}

test('reads subcluster writes, zero clusters and discards made by qemu-io (extended L2)', async () => {
  const { dir, cleanup } = tempDir('extl2io');
  try {
    const base = join(dir, 'base.qcow2');
    assert.equal(qemuImg('create', '-f', 'qcow2', base, '4M').status, 0);
    qemuIo(base, 'qcow2', 'write -P 0x11 0 4M');
    const img = join(dir, 'img.qcow2');
    assert.equal(qemuImg('create', '-f', 'qcow2', '-o', 'extended_l2=on,cluster_size=64k', '-b', base, '-F', 'qcow2', img).status, 0);
    qemuIo(img, 'qcow2', 'write -P 0x22 4k 2k', 'write -P 0x33 70k 10k', 'write -z 200k 8k', 'write -z 1M 64k', 'discard 2M 64k', 'write -P 0x44 3M 100k');
    await assertReadsLikeQemu(img, dir);
  } finally {
    cleanup();
  }
});

test('reads a three-level backing chain with zero clusters and a shorter base', async () => {
  const { dir, cleanup } = tempDir('chain');
  try {
    const base = join(dir, 'base.raw');
    writeRaw(base, source(1).subarray(0, 2 << 20));
    const mid = join(dir, 'mid.qcow2');
    const top = join(dir, 'top.qcow2');
    assert.equal(qemuImg('create', '-f', 'qcow2', '-b', 'base.raw', '-F', 'raw', mid, '6M').status, 0);
    qemuIo(mid, 'qcow2', 'write -P 0x55 1M 1536k', 'write -z 64k 64k');
    assert.equal(qemuImg('create', '-f', 'qcow2', '-b', 'mid.qcow2', '-F', 'qcow2', top, '8M').status, 0);
    qemuIo(top, 'qcow2', 'write -P 0x66 1500k 10k', 'write -z 1M 64k', 'write -P 0x77 7M 4k');
    await assertReadsLikeQemu(top, dir);
  } finally {
    cleanup();
  }
});

test('reads the active layer of an image with internal snapshots', async () => {
  const { dir, cleanup } = tempDir('snap');
  try {
    const img = join(dir, 'img.qcow2');
    assert.equal(qemuImg('create', '-f', 'qcow2', img, '4M').status, 0);
    qemuIo(img, 'qcow2', 'write -P 0x10 0 1M');
    assert.equal(qemuImg('snapshot', '-c', 's1', img).status, 0);
    qemuIo(img, 'qcow2', 'write -P 0x20 512k 1M');
    assert.equal(qemuImg('snapshot', '-c', 's2', img).status, 0);
    qemuIo(img, 'qcow2', 'write -P 0x30 1M 64k', 'discard 0 64k');
    await assertReadsLikeQemu(img, dir);
    const d = await Qcow2Driver.open(img, { readOnly: true });
    const snaps = await d.listSnapshots();
    await d.close();
    assert.deepEqual(snaps.map((s) => [s.id, s.name]), [['1', 's1'], ['2', 's2']]);
  } finally {
    cleanup();
  }
});
