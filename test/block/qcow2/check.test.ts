/**
 * check and repair: leaks and refcount errors planted through the driver's own refcount layer
 * are reported like qemu-img check reports them (same counts, same message forms), repaired by
 * check('leaks') / check('all') so that qemu-img check is clean afterwards; statistics of
 * qemu-made images match qemu-img check's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Qcow2Driver, qcow2Format } from '../../../src/block/formats/qcow2/index.js';
import { qemuCheck, qemuImg, qemuIo, tempDir } from './helpers.js';

test('leaked clusters are reported and repaired like qemu-img check -r leaks', async () => {
  const { dir, cleanup } = tempDir('leak');
  try {
    const path = join(dir, 'a.qcow2');
    await qcow2Format.create(path, { size: 8 << 20 });
    let d = await Qcow2Driver.open(path, { readOnly: false });
    await d.write(0, new Uint8Array(100000).fill(7));
    await d.mutex.run(async () => {
      const off = await d.rc.alloc(3);
      await d.file.write(off, new Uint8Array(3 * 65536));
      await d.flushLocked();
    });
    await d.close();
    const q = qemuCheck(path);
    assert.equal(q.status, 3);
    assert.equal(q.json.leaks, 3);
    d = await Qcow2Driver.open(path, { readOnly: false });
    const r = await d.check('none');
    assert.equal(r.leaks, 3);
    assert.equal(r.corruptions, 0);
    assert.equal(r.messages.filter((m) => /^Leaked cluster \d+ refcount=1 reference=0$/.test(m)).length, 3);
    const fixed = await d.check('leaks');
    assert.deepEqual([fixed.leaksFixed, fixed.leaks, fixed.corruptions], [3, 0, 0]);
    await d.close();
    assert.equal(qemuCheck(path).status, 0);
  } finally {
    cleanup();
  }
});

test('a referenced cluster with refcount 0 is a corruption; check -r all repairs it', async () => {
  const { dir, cleanup } = tempDir('rcerr');
  try {
    const path = join(dir, 'a.qcow2');
    await qcow2Format.create(path, { size: 8 << 20 });
    let d = await Qcow2Driver.open(path, { readOnly: false });
    await d.write(1 << 20, new Uint8Array(65536).fill(9));
    await d.flush();
    const m = await d.mapping(16);
    assert.equal(m.kind, 'data');
    const host = m.kind === 'data' ? m.host : 0;
    await d.mutex.run(async () => {
      await d.rc.set(host / 65536, 0);
      await d.rc.set(host / 65536 + 1, 0); // a following unreferenced cluster, if any, stays 0
      await d.flushLocked();
    });
    await d.close();
    const q = qemuCheck(path);
    assert.equal(q.status, 2, JSON.stringify(q.json));
    d = await Qcow2Driver.open(path, { readOnly: false });
    const r = await d.check('none');
    assert.equal(r.corruptions, q.json.corruptions, r.messages.join('\n'));
    assert.ok(r.messages.includes(`ERROR cluster ${host / 65536} refcount=0 reference=1`), r.messages.join('\n'));
    const fixed = await d.check('all');
    assert.equal(fixed.corruptions, 0, fixed.messages.join('\n'));
    assert.ok(fixed.corruptionsFixed >= 1);
    const back = new Uint8Array(65536);
    await d.read(1 << 20, back);
    assert.ok(back.every((b) => b === 9));
    await d.close();
    const after = qemuCheck(path);
    assert.equal(after.status, 0, JSON.stringify(after.json));
  } finally {
    cleanup();
  }
});

test('check statistics match qemu-img check on qemu-made images', async () => {
  const { dir, cleanup } = tempDir('stats');
  try {
    const raw = join(dir, 's.raw');
    assert.equal(qemuImg('create', '-f', 'raw', raw, '4M').status, 0);
    qemuIo(raw, 'raw', 'write -P 0x41 0 1M', 'write -P 0x42 2M 300k');
    const imgs: string[] = [];
    for (const [n, opts] of [['plain', []], ['comp', ['-c']], ['small', ['-o', 'cluster_size=4k,refcount_bits=4']]] as const) {
      const p = join(dir, `${n}.qcow2`);
      assert.equal(qemuImg('convert', '-O', 'qcow2', ...opts, raw, p).status, 0);
      imgs.push(p);
    }
    const snap = join(dir, 'snap.qcow2');
    assert.equal(qemuImg('create', '-f', 'qcow2', snap, '4M').status, 0);
    qemuIo(snap, 'qcow2', 'write -P 1 0 1M');
    assert.equal(qemuImg('snapshot', '-c', 'one', snap).status, 0);
    qemuIo(snap, 'qcow2', 'write -P 2 512k 1M');
    imgs.push(snap);
    for (const p of imgs) {
      const q = qemuCheck(p).json;
      const d = await Qcow2Driver.open(p, { readOnly: true });
      const r = await d.check('none');
      await d.close();
      assert.deepEqual(
        [r.corruptions, r.leaks, r.imageEndOffset, r.totalClusters, r.allocatedClusters, r.compressedClusters],
        [0, 0, q['image-end-offset'], q['total-clusters'], q['allocated-clusters'] ?? 0, q['compressed-clusters'] ?? 0],
        p,
      );
    }
  } finally {
    cleanup();
  }
});

test('damaged L1/L2 entries: same corruption and leak counts as qemu-img check; -r all leaves qemu-img check clean', async () => {
  const { dir, cleanup } = tempDir('parity');
  try {
    const base = join(dir, 'base.qcow2');
    assert.equal(qemuImg('create', '-f', 'qcow2', base, '4M').status, 0);
    qemuIo(base, 'qcow2', 'write -P 0x5a 0 256k');
    const l1Off = (b: Buffer): number => Number(b.readBigUInt64BE(40));
    const l2Off = (b: Buffer): number => Number(b.readBigUInt64BE(l1Off(b)) & 0x00fffffffffffe00n);
    const cases: Record<string, (b: Buffer) => void> = {
      'data cluster past EOF': (b) => b.writeBigUInt64BE((1n << 63n) | (1n << 30n), l2Off(b)),
      'L2 table past EOF': (b) => b.writeBigUInt64BE((1n << 63n) | (1n << 30n), l1Off(b)),
      'COPIED flag missing': (b) => b.writeBigUInt64BE(b.readBigUInt64BE(l2Off(b)) & ~(1n << 63n), l2Off(b)),
      'cluster referenced twice': (b) => b.writeBigUInt64BE(b.readBigUInt64BE(l2Off(b)), l2Off(b) + 8),
    };
    for (const [name, patch] of Object.entries(cases)) {
      const p = join(dir, `${name.replace(/ /g, '-')}.qcow2`);
      const b = readFileSync(base);
      patch(b);
      writeFileSync(p, b);
      const q = qemuCheck(p);
      assert.equal(q.status, 2, name);
      const d = await Qcow2Driver.open(p, { readOnly: false });
      const r = await d.check('none');
      assert.deepEqual([r.corruptions, r.leaks], [q.json.corruptions ?? 0, q.json.leaks ?? 0], `${name}: ${r.messages.join(' | ')}`);
      const fixed = await d.check('all');
      await d.close();
      assert.deepEqual([fixed.corruptions, fixed.leaks], [0, 0], `${name}: ${fixed.messages.join(' | ')}`);
      const after = qemuCheck(p);
      assert.equal(after.status, 0, `${name}: ${JSON.stringify(after.json)}`);
    }
  } finally {
    cleanup();
  }
});
