import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDiskBackend } from '../../block/disk-backend.js';
import { AtaDisk } from './ata-disk.js';
import { IdeRig, pattern } from './test-rig.js';

const MiB = 1 << 20;
const TABLE = 0x1000;

function rig(deferred = false) {
  const bytes = pattern(8 * MiB, 11);
  const model = bytes.slice();
  const backend = new MemoryDiskBackend(bytes, { deferred });
  const r = new IdeRig([new AtaDisk({ backend })]);
  r.enableBusMaster();
  const pump = () => backend.completePending();
  return { r, backend, model, pump };
}

/** Guest buffers of a read spread over several PRD entries, including a 64 KiB one (count 0). */
const SPREAD: ReadonlyArray<readonly [number, number]> = [
  [0x20000, 0x0400],
  [0x30000, 0x0000], // 64 KiB
  [0x50000, 0x0c00],
];
const SPREAD_BYTES = 0x400 + 0x10000 + 0xc00;

function gather(r: IdeRig, entries: ReadonlyArray<readonly [number, number]>): Uint8Array {
  const parts = entries.map(([a, n]) => r.memory.read(a, n || 0x10000));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

for (const deferred of [false, true]) {
  const mode = deferred ? 'deferred' : 'synchronous';

  test(`READ DMA through a multi-entry PRD table (${mode} completions)`, () => {
    const { r, model, pump } = rig(deferred);
    const sectors = SPREAD_BYTES / 512;
    r.writePrd(TABLE, SPREAD);
    r.command(0, 0xc8, [0, sectors, 100, 0, 0], 0x40);
    assert.equal(r.altStatus(0) & 0x08, 0x08, 'DRQ: waiting for the bus master');
    r.startDma(0, TABLE, true);
    if (deferred) {
      assert.equal(r.irq[0].level, false);
      assert.equal(r.bmStatus(0) & 0x01, 0x01, 'active while the disk works');
      pump();
    }
    assert.equal(r.irq[0].level, true);
    assert.equal(r.bmStatus(0), 0x04, 'interrupt, no longer active (table used up exactly)');
    r.stopDma(0);
    assert.equal(r.status(0), 0x50);
    assert.deepEqual(gather(r, SPREAD), model.subarray(100 * 512, 100 * 512 + SPREAD_BYTES));
  });

  test(`WRITE DMA EXT from a multi-entry PRD table (${mode} completions)`, () => {
    const { r, backend, pump } = rig(deferred);
    const data = pattern(SPREAD_BYTES, 21);
    let at = 0;
    for (const [a, n] of SPREAD) {
      const len = n || 0x10000;
      r.memory.write(a, data.subarray(at, at + len));
      at += len;
    }
    r.writePrd(TABLE, SPREAD);
    r.startDma(0, TABLE, false); // start first, then the command: both orders work
    r.command48(0, 0x35, 3000, SPREAD_BYTES / 512);
    pump();
    assert.equal(r.bmStatus(0) & 0x07, 0x04);
    assert.equal(r.status(0), 0x50);
    assert.deepEqual(backend.bytes.subarray(3000 * 512, 3000 * 512 + SPREAD_BYTES), data);
  });
}

test('DMA larger than one IO chunk and READ DMA EXT', () => {
  const { r, model } = rig();
  const entries: Array<[number, number]> = [];
  for (let i = 0; i < 5; i++) entries.push([0x100000 + i * 0x10000, 0]);
  r.writePrd(TABLE, entries);
  r.command48(0, 0x25, 7, 5 * 128);
  r.startDma(0, TABLE, true);
  assert.equal(r.status(0), 0x50);
  assert.deepEqual(r.memory.read(0x100000, 5 * 0x10000), model.subarray(7 * 512, 7 * 512 + 5 * 0x10000));
});

test('a PRD table larger than the transfer: interrupt with ACTIVE still set', () => {
  const { r } = rig();
  r.writePrd(TABLE, [[0x20000, 0x2000]]);
  r.command(0, 0xc8, [0, 2, 0, 0, 0], 0x40);
  r.startDma(0, TABLE, true);
  assert.equal(r.bmStatus(0) & 0x07, 0x05);
  assert.equal(r.status(0), 0x50);
});

test('a PRD table shorter than the transfer: ACTIVE cleared, no interrupt', () => {
  const { r } = rig();
  r.writePrd(TABLE, [[0x20000, 0x200]]);
  r.command(0, 0xc8, [0, 4, 0, 0, 0], 0x40);
  r.startDma(0, TABLE, true);
  assert.equal(r.bmStatus(0) & 0x07, 0x00);
  assert.equal(r.irq[0].level, false);
});

test('PRD addresses outside RAM set the error bit and abort the command, never throw', () => {
  const { r } = rig();
  r.writePrd(TABLE, [[0xfff0_0000, 0x400]]);
  r.command(0, 0xc8, [0, 2, 0, 0, 0], 0x40);
  r.startDma(0, TABLE, true);
  assert.equal(r.bmStatus(0) & 0x07, 0x06, 'error and interrupt, not active');
  assert.equal(r.status(0), 0x51);
  r.outb(0xc002, 0x06);
  assert.equal(r.bmStatus(0) & 0x07, 0, 'write-1-to-clear');
  r.stopDma(0);
  // The table itself outside RAM.
  r.command(0, 0xca, [0, 1, 0, 0, 0], 0x40);
  r.startDma(0, 0xffff_0000, false);
  assert.equal(r.bmStatus(0) & 0x02, 0x02);
});

test('clearing the start bit mid-transfer stops it; later completions are dropped', () => {
  const { r, pump } = rig(true);
  r.writePrd(TABLE, [[0x20000, 0x400]]);
  r.command(0, 0xc8, [0, 2, 0, 0, 0], 0x40);
  r.startDma(0, TABLE, true);
  r.stopDma(0);
  assert.equal(r.bmStatus(0) & 0x01, 0);
  r.memory.fill(0x20000, 0x400, 0xee);
  pump();
  assert.equal(r.memory.readU8(0x20000), 0xee, 'nothing written after the stop');
  r.outb(0x3f6, 0x04);
  r.outb(0x3f6, 0x00);
  assert.equal(r.status(0), 0x50);
});

test('a DMA command waits with DRQ until the guest starts the engine; a reset drops it', () => {
  const { r } = rig();
  r.command(0, 0xc8, [0, 1, 0, 0, 0], 0x40);
  assert.equal(r.altStatus(0) & 0x08, 0x08);
  r.outb(0x3f6, 0x04);
  r.outb(0x3f6, 0x00);
  r.writePrd(TABLE, [[0x20000, 0x200]]);
  r.memory.fill(0x20000, 0x200, 0xee);
  r.startDma(0, TABLE, true);
  assert.equal(r.memory.readU8(0x20000), 0xee, 'the reset cancelled the pending transfer');
  assert.equal(r.bmStatus(0) & 0x04, 0);
});
