/**
 * Randomized workload: thousands of writes, zero writes, discards, compressed writes, concurrent
 * writes, snapshots (create/apply/delete) and grows on a qcow2 image and a Uint8Array model.
 * Reads always equal the model; at the end `qemu-img check` is clean, our own check is clean and
 * `qemu-img compare` equals the model. Seeds are fixed so a failure replays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { CreateOptions } from '../../../src/block/format.js';
import { Qcow2Driver, qcow2Format } from '../../../src/block/formats/qcow2/index.js';
import { firstDiff, patternBytes, prng, qemuCheck, qemuImg, randInt, readAll, tempDir, writeRaw } from './helpers.js';

export async function workload(name: string, opts: CreateOptions, cs: number, ops: number, seed: number, snapshots = true): Promise<void> {
  const { dir, cleanup } = tempDir('rand');
  try {
    const path = join(dir, 'img.qcow2');
    await qcow2Format.create(path, opts);
    let model = new Uint8Array(opts.size);
    const snaps = new Map<string, Uint8Array>();
    const rnd = prng(seed);
    let d = await Qcow2Driver.open(path, { readOnly: false });
    const wholeClusters = (off: number, len: number, size: number): [number, number] => {
      const a = Math.ceil(off / cs) * cs;
      let b = Math.floor((off + len) / cs) * cs;
      if (off + len === size) b = size;
      return [a, Math.max(a, b)];
    };
    // Start from an image three quarters full, as a used disk would be.
    for (let p = 0; p < (opts.size * 3) / 4; p += 65536) {
      const data = patternBytes(rnd, 65536);
      await d.write(p, data);
      model.set(data, p);
    }
    for (let i = 0; i < ops; i++) {
      const size = model.length;
      const op = randInt(rnd, 100);
      const len = 1 + randInt(rnd, randInt(rnd, 4) === 0 ? 4 * cs : cs + 512);
      const off = randInt(rnd, size - len);
      const where = `${name} op ${i}`;
      if (op < 55) {
        const data = patternBytes(rnd, len);
        await d.write(off, data);
        model.set(data, off);
      } else if (op < 65) {
        await d.writeZeroes(off, len);
        model.fill(0, off, off + len);
      } else if (op < 75) {
        await d.discard(off, len);
        const [a, b] = wholeClusters(off, len, size);
        model.fill(0, a, b);
      } else if (op < 80) {
        const ci = randInt(rnd, Math.floor(size / cs));
        const data = patternBytes(rnd, cs);
        await d.writeCompressed(ci * cs, data);
        model.set(data, ci * cs);
      } else if (op < 85) {
        // Several writes in flight at once, on disjoint ranges.
        const jobs: Promise<void>[] = [];
        const base = randInt(rnd, size - 8 * cs);
        for (let k = 0; k < 4; k++) {
          const data = patternBytes(rnd, 1 + randInt(rnd, cs * 2 - 1));
          const o = base + k * 2 * cs;
          jobs.push(d.write(o, data));
          model.set(data, o);
        }
        await Promise.all(jobs);
      } else if (op < 93) {
        const l = Math.min(size - off, 1 + randInt(rnd, 3 * cs));
        const got = new Uint8Array(l);
        await d.read(off, got);
        assert.equal(firstDiff(got, model.subarray(off, off + l)), -1, `${where}: read mismatch`);
      } else if (op < 95) {
        await d.flush();
      } else if (op < 97 && snaps.size < 3 && snapshots) {
        const sn = `s${i}`;
        await d.createSnapshot(sn);
        snaps.set(sn, model.slice());
      } else if (op < 98 && snaps.size > 0) {
        const names = [...snaps.keys()];
        const sn = names[randInt(rnd, names.length)] ?? '';
        if (randInt(rnd, 2) === 0) {
          await d.applySnapshot(sn);
          model = (snaps.get(sn) ?? model).slice();
        } else {
          await d.deleteSnapshot(sn);
          snaps.delete(sn);
        }
      } else if (op < 99 && size < opts.size * 2 && (opts.compat !== '0.10' || snaps.size === 0)) {
        const grow = (1 + randInt(rnd, 8)) * 512 * 64;
        await d.resize(size + grow, false);
        const m = new Uint8Array(size + grow);
        m.set(model);
        model = m;
      } else {
        await d.close();
        d = await Qcow2Driver.open(path, { readOnly: false });
      }
    }
    assert.equal(firstDiff(await readAll(d), model), -1, `${name}: final content differs`);
    if (name === 'c512') assert.notEqual(d.rc.tableOffset, 512, `the refcount table never grew (${d.rc.endCluster} clusters, table at ${d.rc.tableOffset}, ${d.rc.tableEntries} entries)`);
    const own = await d.check('none');
    assert.deepEqual([own.corruptions, own.leaks], [0, 0], own.messages.slice(0, 5).join('\n'));
    await d.close();
    const chk = qemuCheck(path);
    assert.equal(chk.status, 0, JSON.stringify(chk.json));
    const raw = join(dir, 'model.raw');
    writeRaw(raw, model);
    const cmp = qemuImg('compare', '-f', 'qcow2', '-F', 'raw', path, raw);
    assert.equal(cmp.status, 0, cmp.stdout + cmp.stderr);
  } finally {
    cleanup();
  }
}

test('random workload, 64 KiB clusters, 16-bit refcounts', () => workload('default', { size: 16 << 20 }, 65536, 1500, 1));
test('random workload, 4 KiB clusters, 1-bit refcounts', () => workload('rc1', { size: 8 << 20, clusterSize: 4096, refcountBits: 1 }, 4096, 1200, 2, false));
test('random workload, 512 B clusters, 64-bit refcounts (reftable growth)', () => workload('c512', { size: 3 << 20, clusterSize: 512, refcountBits: 64 }, 512, 1200, 3));
test('random workload, extended L2, lazy refcounts', () => workload('extl2', { size: 16 << 20, lazyRefcounts: true, extra: { extended_l2: 'on' } }, 65536, 1000, 4));
test('random workload, compat 0.10', () => workload('v2', { size: 16 << 20, compat: '0.10' }, 65536, 1000, 5));
