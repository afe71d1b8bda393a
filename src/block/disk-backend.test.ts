import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { AtaDisk } from '../devices/ide/ata-disk.js';
import { IdeRig, pattern } from '../devices/ide/test-rig.js';
import { BlockDriverDiskBackend, MemoryDiskBackend } from './disk-backend.js';
import { findFormat } from './formats/index.js';
import { openImage } from './open.js';

test('MemoryDiskBackend: synchronous by default, deferred on request, typed errors', () => {
  const sync = new MemoryDiskBackend(new Uint8Array(1024));
  let result: Error | undefined | 'pending' = 'pending';
  sync.write(512, Uint8Array.of(1, 2, 3), (e) => (result = e));
  assert.equal(result, undefined, 'completed inside the call');
  assert.deepEqual([...sync.bytes.subarray(512, 515)], [1, 2, 3]);
  sync.read(1000, new Uint8Array(100), (e) => (result = e));
  assert.equal((result as unknown as { kind: string }).kind, 'out-of-range');
  const deferred = new MemoryDiskBackend(new Uint8Array(1024), { deferred: true, readOnly: true });
  result = 'pending';
  deferred.write(0, new Uint8Array(1), (e) => (result = e));
  assert.equal(result, 'pending');
  assert.equal(deferred.completePending(), 1);
  assert.equal((result as unknown as { kind: string }).kind, 'read-only');
});

/** Waits until the disk on channel 0 is no longer busy (completions arrive from promises). */
async function idle(r: IdeRig): Promise<number> {
  for (let i = 0; i < 10000 && (r.altStatus(0) & 0x80) !== 0; i++) await tick();
  return r.altStatus(0);
}

/** Waits for the bus master's interrupt bit, then returns the device status. */
async function dmaDone(r: IdeRig): Promise<number> {
  for (let i = 0; i < 10000 && (r.bmStatus(0) & 0x04) === 0; i++) await tick();
  return r.status(0);
}

/** Writes with PIO and DMA, then reads back both ways; returns what was read. */
async function exercise(backend: BlockDriverDiskBackend): Promise<Uint8Array> {
  const r = new IdeRig([new AtaDisk({ backend })]);
  r.enableBusMaster();
  const a = pattern(4 * 512, 1);
  r.command(0, 0x30, [0, 4, 100, 0, 0], 0x40);
  for (let s = 0; s < 4; s++) {
    assert.equal(await idle(r) & 0x08, 0x08, `DRQ for sector ${s}`);
    r.writeData(0, a.subarray(s * 512, s * 512 + 512));
  }
  assert.equal(await idle(r), 0x50);
  const b = pattern(0x3000, 2);
  r.memory.write(0x20000, b);
  r.writePrd(0x1000, [[0x20000, 0x1000], [0x21000, 0x2000]]);
  r.command48(0, 0x35, 5000, 0x3000 / 512);
  r.startDma(0, 0x1000, false);
  assert.equal(await dmaDone(r), 0x50);
  r.stopDma(0);
  r.command(0, 0xe7);
  assert.equal(await idle(r), 0x50);
  // Read both back: PIO over the first range, DMA over the second.
  const out = new Uint8Array(4 * 512 + 0x3000);
  r.command(0, 0x20, [0, 4, 100, 0, 0], 0x40);
  for (let s = 0; s < 4; s++) {
    await idle(r);
    out.set(r.readData(0, 512), s * 512);
  }
  r.memory.fill(0x20000, 0x3000, 0);
  r.command(0, 0xc8, [0, 0x3000 / 512, 5000 & 0xff, 5000 >> 8, 0], 0x40);
  r.startDma(0, 0x1000, true);
  assert.equal(await dmaDone(r), 0x50);
  out.set(r.memory.read(0x20000, 0x3000), 4 * 512);
  assert.deepEqual(out.subarray(0, 4 * 512), a);
  assert.deepEqual(out.subarray(4 * 512), b);
  return out;
}

test('a qcow2 disk through the BlockDriver adapter reads and writes the same as raw', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-ide-disk-'));
  try {
    const size = 16 << 20;
    const results: Uint8Array[] = [];
    for (const format of ['raw', 'qcow2']) {
      const path = join(dir, `disk.${format}`);
      await findFormat(format)!.create(path, { size });
      const { driver } = await openImage(path, { readOnly: false, format });
      const backend = await BlockDriverDiskBackend.open(driver);
      assert.equal(backend.size, size);
      assert.equal(backend.readOnly, false);
      results.push(await exercise(backend));
      await driver.close();
    }
    assert.deepEqual(results[0], results[1]);
    const raw = readFileSync(join(dir, 'disk.raw'));
    assert.deepEqual(new Uint8Array(raw.subarray(100 * 512, 104 * 512)), results[0]!.subarray(0, 4 * 512), 'the data reached the raw file');
    // The qcow2 image reopened read-only serves the same bytes, and refuses writes with an abort.
    const { driver } = await openImage(join(dir, 'disk.qcow2'), { readOnly: true, format: 'qcow2' });
    const ro = await BlockDriverDiskBackend.open(driver);
    assert.equal(ro.readOnly, true);
    const r = new IdeRig([new AtaDisk({ backend: ro })]);
    r.command(0, 0x20, [0, 1, 101, 0, 0], 0x40);
    await idle(r);
    assert.deepEqual(r.readData(0, 512), results[0]!.subarray(512, 1024));
    r.command(0, 0x30, [0, 1, 0, 0, 0], 0x40);
    assert.equal(await idle(r), 0x51);
    assert.equal(r.error(0), 0x04);
    await driver.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
