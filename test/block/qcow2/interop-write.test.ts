/**
 * Images created and written by the qcow2 driver pass `qemu-img check`, compare equal to a raw
 * model with `qemu-img compare`, and `qemu-img info` describes a fresh image exactly as it
 * describes one qemu-img itself created with the same options.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { CreateOptions } from '../../../src/block/format.js';
import { Qcow2Driver, qcow2Format } from '../../../src/block/formats/qcow2/index.js';
import { patternBytes, prng, qemuCheck, qemuImg, qemuInfo, randInt, tempDir, writeRaw } from './helpers.js';

const cases: [string, CreateOptions, string[]][] = [
  ['default', { size: 64 << 20 }, []],
  ['compat 0.10', { size: 64 << 20, compat: '0.10' }, ['-o', 'compat=0.10']],
  ['cluster 512, refcount 1', { size: 16 << 20, clusterSize: 512, refcountBits: 1 }, ['-o', 'cluster_size=512,refcount_bits=1']],
  ['cluster 2M, refcount 64', { size: 64 << 20, clusterSize: 2 << 20, refcountBits: 64 }, ['-o', 'cluster_size=2M,refcount_bits=64']],
  ['lazy refcounts', { size: 32 << 20, lazyRefcounts: true }, ['-o', 'lazy_refcounts=on']],
  ['extended l2', { size: 32 << 20, extra: { extended_l2: 'on' } }, ['-o', 'extended_l2=on']],
  ['refcount 8, 4k clusters', { size: 24 << 20, clusterSize: 4096, refcountBits: 8 }, ['-o', 'cluster_size=4096,refcount_bits=8']],
  ['preallocation metadata', { size: 16 << 20, preallocation: 'metadata' }, ['-o', 'preallocation=metadata']],
  ['preallocation full', { size: 4 << 20, preallocation: 'full' }, ['-o', 'preallocation=full']],
];

function comparable(info: Record<string, unknown>): Record<string, unknown> {
  const { filename: _f, 'actual-size': _a, ...rest } = info;
  return rest;
}

for (const [name, opts, qopts] of cases) {
  test(`create matches qemu-img create and survives writes: ${name}`, async () => {
    const { dir, cleanup } = tempDir('create');
    try {
      const ours = join(dir, 'ours.qcow2');
      const theirs = join(dir, 'theirs.qcow2');
      await qcow2Format.create(ours, opts);
      assert.equal(qemuImg('create', '-f', 'qcow2', ...qopts, theirs, String(opts.size)).status, 0);
      assert.deepEqual(comparable(qemuInfo(ours)), comparable(qemuInfo(theirs)));
      const fresh = qemuCheck(ours);
      assert.equal(fresh.status, 0, JSON.stringify(fresh.json));
      assert.equal(fresh.json['image-end-offset'], qemuCheck(theirs).json['image-end-offset']);

      const rnd = prng(name.length);
      const model = new Uint8Array(opts.size);
      const d = await Qcow2Driver.open(ours, { readOnly: false });
      const info = await d.getInfo();
      assert.deepEqual(info.formatSpecific, (qemuInfo(theirs)['format-specific'] as { data: unknown }).data);
      for (let i = 0; i < 60; i++) {
        const len = 1 + randInt(rnd, 200000);
        const off = randInt(rnd, opts.size - len);
        const data = patternBytes(rnd, len);
        await d.write(off, data);
        model.set(data, off);
      }
      await d.close();
      const after = qemuCheck(ours);
      assert.equal(after.status, 0, JSON.stringify(after.json));
      const raw = join(dir, 'model.raw');
      writeRaw(raw, model);
      const cmp = qemuImg('compare', '-f', 'qcow2', '-F', 'raw', ours, raw);
      assert.equal(cmp.status, 0, cmp.stdout + cmp.stderr);
    } finally {
      cleanup();
    }
  });
}

test('creates an overlay on a qcow2 backing file; writes copy-on-write partial clusters', async () => {
  const { dir, cleanup } = tempDir('overlay');
  try {
    const base = join(dir, 'base.qcow2');
    const top = join(dir, 'top.qcow2');
    const theirs = join(dir, 'theirs.qcow2');
    const size = 8 << 20;
    await qcow2Format.create(base, { size });
    const rnd = prng(7);
    const model = new Uint8Array(size);
    const b = await Qcow2Driver.open(base, { readOnly: false });
    const fill = patternBytes(rnd, size);
    await b.write(0, fill);
    model.set(fill);
    await b.close();
    await qcow2Format.create(top, { size, backingFile: 'base.qcow2', backingFormat: 'qcow2' });
    assert.equal(qemuImg('create', '-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2', theirs, String(size)).status, 0);
    const ti = qemuInfo(top), qi = qemuInfo(theirs);
    assert.deepEqual(comparable({ ...ti, 'full-backing-filename': 0 }), comparable({ ...qi, 'full-backing-filename': 0 }));
    const d = await Qcow2Driver.open(top, { readOnly: false });
    assert.equal((await d.getInfo()).backingFile, 'base.qcow2');
    for (let i = 0; i < 40; i++) {
      const len = 1 + randInt(rnd, 50000);
      const off = randInt(rnd, size - len);
      const data = patternBytes(rnd, len);
      await d.write(off, data);
      model.set(data, off);
    }
    await d.writeZeroes(65536 * 3, 65536 * 2);
    model.fill(0, 65536 * 3, 65536 * 5);
    await d.close();
    assert.equal(qemuCheck(top).status, 0);
    const raw = join(dir, 'model.raw');
    writeRaw(raw, model);
    const cmp = qemuImg('compare', '-F', 'raw', top, raw);
    assert.equal(cmp.status, 0, cmp.stdout + cmp.stderr);
  } finally {
    cleanup();
  }
});

test('create with a 16 MiB L1 (64 GiB, 512 B clusters, 64-bit refcounts) needs many refcount blocks; qemu-img accepts it', async () => {
  const { dir, cleanup } = tempDir('bigl1');
  try {
    const p = join(dir, 'big.qcow2');
    const size = 2 ** 36;
    await qcow2Format.create(p, { size, clusterSize: 512, refcountBits: 64 });
    assert.equal(qemuCheck(p).status, 0);
    const d = await Qcow2Driver.open(p, { readOnly: false });
    await d.write(size - 512, new Uint8Array(512).fill(0xab));
    await d.write(12345, new Uint8Array(3000).fill(0xcd));
    await d.close();
    assert.equal(qemuCheck(p).status, 0);
    assert.equal(qemuInfo(p)['virtual-size'], size);
    const e = await Qcow2Driver.open(p, { readOnly: true });
    const b = new Uint8Array(512);
    await e.read(size - 512, b);
    await e.close();
    assert.ok(b.every((x) => x === 0xab));
  } finally {
    cleanup();
  }
});

test('extended L2 overlay: partial writes allocate only the touched subclusters (the rest still reads from the backing file)', async () => {
  const { dir, cleanup } = tempDir('subw');
  try {
    const base = join(dir, 'base.qcow2');
    const top = join(dir, 'top.qcow2');
    const size = 4 << 20;
    assert.equal(qemuImg('create', '-f', 'qcow2', base, String(size)).status, 0);
    const model = new Uint8Array(size).fill(0x11);
    const b = await Qcow2Driver.open(base, { readOnly: false });
    await b.write(0, model);
    await b.close();
    await qcow2Format.create(top, { size, backingFile: 'base.qcow2', backingFormat: 'qcow2', extra: { extended_l2: 'on' } });
    const d = await Qcow2Driver.open(top, { readOnly: false });
    const rnd = prng(21);
    for (let i = 0; i < 30; i++) {
      const len = 1 + randInt(rnd, 5000);
      const off = randInt(rnd, size - len);
      const data = patternBytes(rnd, len);
      await d.write(off, data);
      model.set(data, off);
    }
    await d.writeZeroes(2048 * 3, 2048 * 2); // whole 2 KiB subclusters inside one cluster
    model.fill(0, 2048 * 3, 2048 * 5);
    await d.close();
    assert.equal(qemuCheck(top).status, 0);
    const raw = join(dir, 'model.raw');
    writeRaw(raw, model);
    const cmp = qemuImg('compare', '-F', 'raw', top, raw);
    assert.equal(cmp.status, 0, cmp.stdout + cmp.stderr);
    const map = JSON.parse(qemuImg('map', '--output=json', top).stdout) as { depth: number; length: number }[];
    const fromBacking = map.filter((e) => e.depth === 1).reduce((a, e) => a + e.length, 0);
    assert.ok(fromBacking > size * 0.9, `only ${fromBacking} bytes still come from the backing file`);
  } finally {
    cleanup();
  }
});
