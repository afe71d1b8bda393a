/**
 * Whole-image operations against the real qemu-img: snapshots made by the driver are listed and
 * applied by qemu-img (and the other way round), resize, amend between compat levels, setBacking,
 * compressed writes, the dirty bit of lazy refcounts, reading zstd-compressed images, and the
 * backing-file resolver.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BlockError } from '../../../src/block/driver.js';
import { Qcow2Driver, qcow2Format } from '../../../src/block/formats/qcow2/index.js';
import { firstDiff, patternBytes, prng, qemuCheck, qemuImg, qemuInfo, qemuIo, qemuToRaw, randInt, readAll, tempDir, writeRaw } from './helpers.js';

test('snapshots: ours are listed and applied by qemu-img; qemu-img snapshots are applied by us', async () => {
  const { dir, cleanup } = tempDir('snaps');
  try {
    const p = join(dir, 'a.qcow2');
    await qcow2Format.create(p, { size: 4 << 20 });
    const rnd = prng(3);
    const d = await Qcow2Driver.open(p, { readOnly: false });
    const v1 = patternBytes(rnd, 4 << 20);
    await d.write(0, v1);
    await d.createSnapshot('first');
    const v2 = patternBytes(rnd, 1 << 20);
    await d.write(100000, v2);
    await d.createSnapshot('second');
    await d.write(0, new Uint8Array(70000).fill(0xee));
    await d.close();
    assert.equal(qemuCheck(p).status, 0, JSON.stringify(qemuCheck(p).json));
    const list = qemuImg('snapshot', '-l', p).stdout;
    assert.match(list, /1\s+first/);
    assert.match(list, /2\s+second/);
    assert.equal(qemuImg('snapshot', '-a', 'first', p).status, 0);
    assert.equal(firstDiff(qemuToRaw(p, dir), v1), -1);
    // Now qemu-img's state: apply "second" with our driver, delete "first", check.
    const e = await Qcow2Driver.open(p, { readOnly: false });
    await e.applySnapshot('second');
    const expect = v1.slice();
    expect.set(v2, 100000);
    assert.equal(firstDiff(await readAll(e), expect), -1);
    await e.deleteSnapshot('first');
    assert.deepEqual((await e.listSnapshots()).map((s) => s.name), ['second']);
    await e.close();
    assert.equal(qemuCheck(p).status, 0, JSON.stringify(qemuCheck(p).json));
    assert.equal(firstDiff(qemuToRaw(p, dir), expect), -1);
    assert.equal(qemuImg('snapshot', '-d', 'second', p).status, 0);
    assert.equal(qemuCheck(p).status, 0);
  } finally {
    cleanup();
  }
});

test('resize grows (L1 growth) and shrinks only when allowed; qemu-img agrees', async () => {
  const { dir, cleanup } = tempDir('resize');
  try {
    const p = join(dir, 'a.qcow2');
    await qcow2Format.create(p, { size: 1 << 20, clusterSize: 4096 });
    const d = await Qcow2Driver.open(p, { readOnly: false });
    await d.write(0, new Uint8Array(1 << 20).fill(5));
    await d.resize(64 << 20, false);
    await d.write((64 << 20) - 4096, new Uint8Array(4096).fill(6));
    await assert.rejects(d.resize(32 << 20, false), (e: unknown) => e instanceof BlockError && /--shrink/.test(e.message));
    await d.resize(512 << 10, true);
    await d.resize(2 << 20, false);
    await d.close();
    assert.equal(qemuInfo(p)['virtual-size'], 2 << 20);
    assert.equal(qemuCheck(p).status, 0, JSON.stringify(qemuCheck(p).json));
    const raw = qemuToRaw(p, dir);
    const expect = new Uint8Array(2 << 20);
    expect.fill(5, 0, 512 << 10);
    assert.equal(firstDiff(raw, expect), -1);
  } finally {
    cleanup();
  }
});

test('amend: 1.1 -> 0.10 (zero clusters expanded) -> 1.1 with lazy refcounts', async () => {
  const { dir, cleanup } = tempDir('amend');
  try {
    const base = join(dir, 'base.qcow2');
    assert.equal(qemuImg('create', '-f', 'qcow2', base, '2M').status, 0);
    qemuIo(base, 'qcow2', 'write -P 0x61 0 2M');
    const p = join(dir, 'a.qcow2');
    await qcow2Format.create(p, { size: 2 << 20, backingFile: 'base.qcow2', backingFormat: 'qcow2' });
    const d = await Qcow2Driver.open(p, { readOnly: false });
    await d.writeZeroes(0, 128 << 10);
    await d.write(1 << 20, new Uint8Array(1000).fill(2));
    const before = await readAll(d);
    await d.amend({ compat: '0.10' });
    await d.close();
    assert.equal((qemuInfo(p)['format-specific'] as { data: { compat: string } }).data.compat, '0.10');
    assert.equal(qemuCheck(p).status, 0);
    assert.equal(firstDiff(qemuToRaw(p, dir), before), -1);
    const e = await Qcow2Driver.open(p, { readOnly: false });
    await e.amend({ compat: '1.1', lazyRefcounts: true });
    await e.close();
    const data = (qemuInfo(p)['format-specific'] as { data: Record<string, unknown> }).data;
    assert.deepEqual([data.compat, data['lazy-refcounts']], ['1.1', true]);
    assert.equal(qemuCheck(p).status, 0);
    assert.equal(firstDiff(qemuToRaw(p, dir), before), -1);
  } finally {
    cleanup();
  }
});

test('setBacking rewrites only the reference (rebase -u)', async () => {
  const { dir, cleanup } = tempDir('rebase');
  try {
    const p = join(dir, 'a.qcow2');
    await qcow2Format.create(p, { size: 1 << 20, backingFile: 'old.raw', backingFormat: 'raw' });
    const d = await Qcow2Driver.open(p, { readOnly: false, openBacking: false });
    await d.setBacking('new.qcow2', 'qcow2');
    await d.close();
    const info = qemuInfo(p);
    assert.deepEqual([info['backing-filename'], info['backing-filename-format']], ['new.qcow2', 'qcow2']);
    const e = await Qcow2Driver.open(p, { readOnly: false, openBacking: false });
    await e.setBacking(undefined, undefined);
    await e.close();
    assert.equal(qemuInfo(p)['backing-filename'], undefined);
    assert.equal(qemuCheck(p).status, 0);
  } finally {
    cleanup();
  }
});

test('writeCompressed produces clusters qemu-img reads and counts as compressed', async () => {
  const { dir, cleanup } = tempDir('comp');
  try {
    const p = join(dir, 'a.qcow2');
    await qcow2Format.create(p, { size: 1 << 20 });
    const d = await Qcow2Driver.open(p, { readOnly: false });
    const rnd = prng(9);
    const expect = new Uint8Array(1 << 20);
    for (let c = 0; c < 16; c++) {
      const data = c % 5 === 4 ? patternBytes(() => rnd(), 65536).map(() => Math.floor(rnd() * 256)) : new Uint8Array(65536).fill(c + 1);
      await d.writeCompressed(c * 65536, data);
      expect.set(data, c * 65536);
    }
    await d.close();
    const chk = qemuCheck(p);
    assert.equal(chk.status, 0);
    assert.ok(Number(chk.json['compressed-clusters']) >= 12, JSON.stringify(chk.json));
    assert.equal(firstDiff(qemuToRaw(p, dir), expect), -1);
  } finally {
    cleanup();
  }
});

test('lazy refcounts: dirty bit set while writing, cleared on close', async () => {
  const { dir, cleanup } = tempDir('dirty');
  try {
    const p = join(dir, 'a.qcow2');
    await qcow2Format.create(p, { size: 1 << 20, lazyRefcounts: true });
    const d = await Qcow2Driver.open(p, { readOnly: false });
    assert.equal(d.dirtyFlag, false);
    await d.write(0, new Uint8Array(4096).fill(1));
    const info = qemuImg('info', '-U', '--output=json', p);
    assert.equal(info.status, 0, info.stderr);
    assert.equal((JSON.parse(info.stdout) as Record<string, unknown>)['dirty-flag'], true);
    assert.equal(d.dirtyFlag, true);
    await d.close();
    assert.equal(qemuInfo(p)['dirty-flag'], false);
    assert.equal(qemuCheck(p).status, 0);
  } finally {
    cleanup();
  }
});

test('zstd-compressed images written by qemu-img read back identically (512 B .. 2 MiB clusters)', async () => {
  const { dir, cleanup } = tempDir('zstd');
  try {
    const raw = join(dir, 'z.raw');
    assert.equal(qemuImg('create', '-f', 'raw', raw, '4M').status, 0);
    qemuIo(raw, 'raw', 'write -P 3 0 64k', 'write -P 0x41 100k 900k', 'write -P 0x7a 3M 256k');
    const src = qemuToRaw(raw, dir);
    const rnd = prng(17);
    for (let i = 0; i < 2000; i++) src[randInt(rnd, 2 << 20)] = randInt(rnd, 256);
    writeRaw(raw, src);
    for (const cs of ['512', '4k', '64k', '2M']) {
      const p = join(dir, `z-${cs}.qcow2`);
      assert.equal(qemuImg('convert', '-c', '-O', 'qcow2', '-o', `compression_type=zstd,cluster_size=${cs}`, raw, p).status, 0);
      const d = await Qcow2Driver.open(p, { readOnly: true });
      assert.equal((await d.getInfo()).formatSpecific?.['compression-type'], 'zstd');
      assert.equal(firstDiff(await readAll(d), src), -1, cs);
      await d.close();
    }
  } finally {
    cleanup();
  }
});

test('backing files are opened through the resolver passed to open, with resolved paths', async () => {
  const { dir, cleanup } = tempDir('resolver');
  try {
    const base = join(dir, 'base.raw');
    assert.equal(qemuImg('create', '-f', 'raw', base, '1M').status, 0);
    qemuIo(base, 'raw', 'write -P 0x7e 0 1M');
    const p = join(dir, 'top.qcow2');
    await qcow2Format.create(p, { size: 1 << 20, backingFile: 'base.raw', backingFormat: 'raw' });
    const calls: [string, string | undefined, boolean][] = [];
    const d = await qcow2Format.open(p, { readOnly: true }, async (path, format, readOnly) => {
      calls.push([path, format, readOnly]);
      return Qcow2Driver.open(path, { readOnly }).catch(async () => {
        const { RawReader } = await import('../../../src/block/formats/qcow2/backing.js');
        return RawReader.open(path);
      });
    });
    const b = new Uint8Array(16);
    await d.read(4096, b);
    await d.close();
    assert.deepEqual(calls, [[base, 'raw', true]]);
    assert.ok(b.every((x) => x === 0x7e));
  } finally {
    cleanup();
  }
});

test('QEMU-compatible locks: qemu-img and a second opener are refused while we write, and we are refused while qemu-io writes', async () => {
  const { dir, cleanup } = tempDir('lock');
  try {
    const p = join(dir, 'a.qcow2');
    await qcow2Format.create(p, { size: 1 << 20 });
    const d = await Qcow2Driver.open(p, { readOnly: false });
    const q = qemuImg('info', p);
    assert.notEqual(q.status, 0);
    assert.match(q.stderr, /lock/);
    await assert.rejects(Qcow2Driver.open(p, { readOnly: false }), (e: unknown) => e instanceof BlockError && e.kind === 'locked');
    await assert.rejects(Qcow2Driver.open(p, { readOnly: true }), (e: unknown) => e instanceof BlockError && e.kind === 'locked');
    const unlocked = await Qcow2Driver.open(p, { readOnly: true, lock: false });
    await unlocked.close();
    await d.close();
    assert.equal(qemuImg('info', p).status, 0);
    // qemu-io keeps the image open (read-write) while its stdin stays open.
    const child = spawn('qemu-io', ['-f', 'qcow2', p], { stdio: ['pipe', 'pipe', 'pipe'] });
    await new Promise<void>((resolve) => {
      child.stdout.once('data', () => resolve());
      child.stdin.write('help\n');
    });
    await assert.rejects(Qcow2Driver.open(p, { readOnly: false }), (e: unknown) => e instanceof BlockError && e.kind === 'locked' && /write/.test(e.message));
    child.stdin.end('quit\n');
    await new Promise((resolve) => child.on('exit', resolve));
    const again = await Qcow2Driver.open(p, { readOnly: false });
    await again.close();
  } finally {
    cleanup();
  }
});
