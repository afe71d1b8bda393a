import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDiskBackend, type DiskBackend, type DiskDone } from '../../block/disk-backend.js';
import { AtaDisk } from './ata-disk.js';
import { IdeRig, pattern } from './test-rig.js';

const MiB = 1 << 20;

function rig(size = 8 * MiB, opts: { readOnly?: boolean; deferred?: boolean } = {}) {
  const bytes = pattern(size, 7);
  const model = bytes.slice();
  const backend = new MemoryDiskBackend(bytes, opts);
  const disk = new AtaDisk({ backend });
  const r = new IdeRig([disk]);
  return { r, disk, backend, model };
}

function word(id: Uint8Array, i: number): number {
  return id[2 * i]! | (id[2 * i + 1]! << 8);
}

/** Reads `count` sectors with READ SECTORS (LBA28), one DRQ block per sector. */
function pioRead28(r: IdeRig, lba: number, count: number, pump?: () => void): Uint8Array {
  r.command(0, 0x20, [0, count & 0xff, lba & 0xff, (lba >> 8) & 0xff, (lba >> 16) & 0xff], 0x40 | ((lba >> 24) & 0x0f));
  const out = new Uint8Array(count * 512);
  for (let s = 0; s < count; s++) {
    pump?.();
    assert.equal(r.irq[0].level, true, `interrupt for sector ${s}`);
    assert.equal(r.status(0), 0x58, `DRQ for sector ${s}`);
    out.set(r.readData(0, 512), s * 512);
  }
  assert.equal(r.status(0), 0x50);
  return out;
}

test('IDENTIFY DEVICE: strings, QEMU-like CHS, LBA28 and LBA48 capacity, DMA modes, checksum', () => {
  const { r } = rig(100 * MiB);
  r.command(0, 0xec);
  const id = r.readData(0, 512);
  const sectors = (100 * MiB) / 512;
  assert.deepEqual([word(id, 1), word(id, 3), word(id, 6)], [Math.floor(sectors / (16 * 63)), 16, 63]);
  assert.equal(word(id, 60) + word(id, 61) * 65536, sectors);
  assert.equal(word(id, 100) + word(id, 101) * 65536, sectors);
  assert.equal(word(id, 83) & 0x0400, 0x0400, 'LBA48 supported');
  assert.equal(word(id, 49) & 0x0300, 0x0300, 'LBA and DMA');
  assert.equal(word(id, 63) & 0x07, 0x07, 'MWDMA 0-2');
  assert.equal(word(id, 47) & 0xff, 16);
  assert.equal(id.reduce((s, b) => s + b, 0) & 0xff, 0, 'integrity word');
  assert.equal(String.fromCharCode(id[21]!, id[20]!, id[23]!, id[22]!, id[25]!, id[24]!, id[27]!), 'QM00001');
});

test('PIO READ SECTORS / WRITE SECTORS (LBA28) against the model array', () => {
  const { r, model, backend } = rig();
  assert.deepEqual(pioRead28(r, 1000, 3), model.subarray(1000 * 512, 1003 * 512));
  const data = pattern(2 * 512, 99);
  r.command(0, 0x30, [0, 2, 10, 0, 0], 0x40);
  assert.equal(r.irq[0].level, false, 'no interrupt before the first block of a write');
  assert.equal(r.status(0), 0x58);
  r.writeData(0, data.subarray(0, 512));
  assert.equal(r.irq[0].level, true, 'interrupt asking for the second block');
  assert.equal(r.status(0), 0x58);
  r.writeData(0, data.subarray(512));
  assert.equal(r.status(0), 0x50);
  model.set(data, 10 * 512);
  assert.deepEqual(backend.bytes, model);
  assert.deepEqual(pioRead28(r, 10, 2), data);
});

test('sector count 0 means 256 sectors', () => {
  const { r, model } = rig();
  assert.deepEqual(pioRead28(r, 0, 256), model.subarray(0, 256 * 512)); // count register written as 0
});

/** A sparse 1 TiB disk: sectors never written read as their LBA repeated. */
class SparseDisk implements DiskBackend {
  readonly size = 2 ** 40;
  readonly readOnly = false;
  readonly written = new Map<number, Uint8Array>();
  read(offset: number, buf: Uint8Array, done: DiskDone): void {
    for (let at = 0; at < buf.length; at += 512) {
      const lba = (offset + at) / 512;
      const w = this.written.get(lba);
      if (w) buf.set(w, at);
      else buf.fill(lba % 251, at, at + 512);
    }
    done();
  }
  write(offset: number, buf: Uint8Array, done: DiskDone): void {
    for (let at = 0; at < buf.length; at += 512) this.written.set((offset + at) / 512, buf.slice(at, at + 512));
    done();
  }
  flush(done: DiskDone): void {
    done();
  }
}

test('LBA48: READ/WRITE SECTORS EXT beyond 2^28 sectors on a 1 TiB disk; LBA28 capacity capped', () => {
  const backend = new SparseDisk();
  const r = new IdeRig([new AtaDisk({ backend })]);
  r.command(0, 0xec);
  const id = r.readData(0, 512);
  assert.equal(word(id, 60) + word(id, 61) * 65536, 0x0fff_ffff);
  assert.equal(word(id, 100) + word(id, 101) * 65536 + word(id, 102) * 2 ** 32, 2 ** 31);
  const lba = 2 ** 30 + 12345;
  const data = pattern(1024, 5);
  r.command48(0, 0x34, lba, 2);
  r.writeData(0, data.subarray(0, 512));
  r.writeData(0, data.subarray(512));
  assert.equal(r.status(0), 0x50);
  assert.deepEqual(backend.written.get(lba), data.subarray(0, 512));
  r.command48(0, 0x24, lba - 1, 3);
  const got = new Uint8Array(3 * 512);
  for (let s = 0; s < 3; s++) got.set(r.readData(0, 512), s * 512);
  assert.deepEqual(got.subarray(512), data);
  assert.ok(got.subarray(0, 512).every((b) => b === (lba - 1) % 251));
  // The LBA registers report the last sector; HOB gives the high bytes.
  r.outb(0x3f6, 0x80);
  const high = r.inb(0x1f3) | (r.inb(0x1f4) << 8) | (r.inb(0x1f5) << 16);
  r.outb(0x3f6, 0x00);
  const low = r.inb(0x1f3) | (r.inb(0x1f4) << 8) | (r.inb(0x1f5) << 16);
  assert.equal(high * 2 ** 24 + low, lba + 1);
});

test('CHS addressing uses the reported geometry; INITIALIZE DEVICE PARAMETERS changes it', () => {
  const { r, model } = rig();
  // C/H/S 1/2/3 with 16 heads, 63 sectors: LBA (1*16+2)*63+2.
  r.command(0, 0x20, [0, 1, 3, 1, 0], 0x02);
  const lba = (1 * 16 + 2) * 63 + 2;
  assert.deepEqual(r.readData(0, 512), model.subarray(lba * 512, lba * 512 + 512));
  r.command(0, 0x91, [0, 32], 0x07); // 8 heads, 32 sectors per track
  assert.equal(r.status(0), 0x50);
  r.command(0, 0x20, [0, 1, 3, 1, 0], 0x02);
  const lba2 = (1 * 8 + 2) * 32 + 2;
  assert.deepEqual(r.readData(0, 512), model.subarray(lba2 * 512, lba2 * 512 + 512));
  r.command(0, 0xec);
  const id = r.readData(0, 512);
  assert.deepEqual([word(id, 55), word(id, 56)], [8, 32], 'current geometry words');
  r.command(0, 0x20, [0, 1, 0, 0, 0], 0x00); // sector 0 is invalid in CHS
  assert.equal(r.status(0), 0x51);
  assert.equal(r.error(0) & 0x10, 0x10, 'IDNF');
});

test('READ/WRITE MULTIPLE use the block size of SET MULTIPLE MODE', () => {
  const { r, model, backend } = rig();
  r.command(0, 0xc6, [0, 4]);
  assert.equal(r.status(0), 0x50);
  r.command(0, 0xc4, [0, 10, 0, 0, 0], 0x40);
  const blocks: number[] = [];
  const got: number[] = [];
  while ((r.status(0) & 0x08) !== 0) {
    let n = 0;
    while ((r.altStatus(0) & 0x08) !== 0 && n < 4 * 512) {
      got.push(...r.readData(0, 2));
      n += 2;
    }
    blocks.push(n / 512);
  }
  assert.deepEqual(blocks, [4, 4, 2]);
  assert.deepEqual(Uint8Array.from(got), model.subarray(0, 10 * 512));
  const data = pattern(5 * 512, 3);
  r.command(0, 0xc5, [0, 5, 0, 1, 0], 0x40);
  r.writeData(0, data.subarray(0, 4 * 512));
  assert.equal(r.status(0), 0x58);
  r.writeData(0, data.subarray(4 * 512));
  assert.equal(r.status(0), 0x50);
  assert.deepEqual(backend.bytes.subarray(256 * 512, 261 * 512), data);
  r.command(0, 0xc6, [0, 3]);
  assert.equal(r.status(0), 0x51, 'block size 3 is not a power of two');
  r.command(0, 0xc6, [0, 0]);
  r.command(0, 0xc4, [0, 1, 0, 0, 0], 0x40);
  assert.equal(r.error(0), 0x04, 'READ MULTIPLE aborts with multiple mode disabled');
});

test('deferred completions: BSY until the backend finishes, then DRQ and the interrupt', () => {
  const { r, backend, model } = rig(8 * MiB, { deferred: true });
  r.command(0, 0x20, [0, 2, 50, 0, 0], 0x40);
  assert.equal(r.altStatus(0) & 0x80, 0x80);
  assert.equal(r.irq[0].level, false);
  const data = pioRead28(r, 50, 2, () => backend.completePending());
  assert.deepEqual(data, model.subarray(50 * 512, 52 * 512));
  const w = pattern(512, 4);
  r.command(0, 0x30, [0, 1, 60, 0, 0], 0x40);
  r.writeData(0, w);
  assert.equal(r.altStatus(0) & 0x88, 0x80, 'busy, no DRQ, while the write is in flight');
  backend.completePending();
  assert.equal(r.status(0), 0x50);
  assert.deepEqual(backend.bytes.subarray(60 * 512, 61 * 512), w);
  r.command(0, 0xe7);
  assert.equal(r.altStatus(0) & 0x80, 0x80);
  backend.completePending();
  assert.equal(r.status(0), 0x50);
  assert.equal(backend.counts.flush, 1);
});

test('a reset during a deferred request drops its late completion', () => {
  const { r, backend } = rig(8 * MiB, { deferred: true });
  r.command(0, 0x20, [0, 1, 0, 0, 0], 0x40);
  r.outb(0x3f6, 0x04);
  r.outb(0x3f6, 0x00);
  backend.completePending();
  assert.equal(r.status(0), 0x50, 'no DRQ from the cancelled read');
  assert.equal(r.inb(0x1f2), 1, 'signature intact');
});

test('errors: out of range is IDNF, unknown and packet commands abort, read-only disks abort writes', () => {
  const { r } = rig(1 * MiB);
  r.command(0, 0x20, [0, 2, 0xff, 0x07, 0], 0x40); // LBA 2047 + 2 > 2048
  assert.equal(r.status(0), 0x51);
  assert.equal(r.error(0), 0x14);
  for (const cmd of [0x00, 0xa0, 0xa1, 0x55, 0xb0]) {
    r.command(0, cmd);
    assert.equal(r.status(0), 0x51, `command ${cmd.toString(16)}`);
    assert.equal(r.error(0), 0x04);
  }
  const ro = rig(1 * MiB, { readOnly: true });
  for (const cmd of [0x30, 0x34, 0xc5, 0xca, 0x35]) {
    ro.r.command(0, cmd, [0, 1, 0, 0, 0], 0x40);
    assert.equal(ro.r.status(0), 0x51, `write command ${cmd.toString(16)} on a read-only disk`);
    assert.equal(ro.r.error(0), 0x04);
  }
  assert.equal(ro.backend.counts.write, 0);
});

test('a backend failure ends the command with ERR, ABRT and the failing LBA', () => {
  const { r, backend } = rig();
  backend.failNext = new Error('EIO');
  r.command(0, 0x20, [0, 1, 77, 0, 0], 0x40);
  assert.equal(r.status(0), 0x51);
  assert.equal(r.error(0), 0x04);
  assert.equal(r.inb(0x1f3), 77);
});

test('SET FEATURES: transfer mode shows in IDENTIFY; write cache off flushes each write', () => {
  const { r, backend, disk } = rig();
  r.command(0, 0xef, [0x03, 0x45]); // UDMA5
  assert.equal(r.status(0), 0x50);
  r.command(0, 0xec);
  let id = r.readData(0, 512);
  assert.equal(word(id, 88) >> 8, 0x20);
  assert.equal(word(id, 63) >> 8, 0);
  r.command(0, 0xef, [0x03, 0x22]); // MWDMA2
  r.command(0, 0xec);
  id = r.readData(0, 512);
  assert.equal(word(id, 63) >> 8, 0x04);
  r.command(0, 0xef, [0x03, 0x47]);
  assert.equal(r.status(0), 0x51, 'UDMA7 does not exist');
  r.command(0, 0xef, [0x82]);
  assert.equal(disk.writeCache, false);
  r.command(0, 0x30, [0, 1, 0, 0, 0], 0x40);
  r.writeData(0, new Uint8Array(512));
  assert.equal(backend.counts.flush, 1);
  r.command(0, 0xef, [0x77]);
  assert.equal(r.error(0), 0x04, 'unknown subcommand aborts');
});

test('power management, verify, seek, diagnostic and native max commands complete', () => {
  const { r } = rig(1 * MiB);
  for (const cmd of [0xe0, 0xe1, 0xe2, 0xe3, 0x70, 0x10, 0xea]) {
    r.command(0, cmd, [0, 1, 0, 0, 0], 0x40);
    assert.equal(r.status(0), 0x50, `command ${cmd.toString(16)}`);
  }
  r.command(0, 0xe5);
  assert.equal(r.inb(0x1f2), 0xff, 'CHECK POWER MODE: active');
  r.command(0, 0x40, [0, 8, 0, 0, 0], 0x40);
  assert.equal(r.status(0), 0x50);
  r.command(0, 0xf8, [], 0x40);
  assert.equal(r.inb(0x1f3) | (r.inb(0x1f4) << 8) | ((r.inb(0x1f6) & 0xf) << 24), 2047);
  r.command(0, 0x90);
  assert.equal(r.error(0), 0x01);
  assert.equal(r.inb(0x1f4), 0x00);
});

test('a software reset keeps multiple mode and write cache settings; a machine reset restores the defaults', () => {
  const { r, disk } = rig();
  r.command(0, 0xc6, [0, 2]);
  r.command(0, 0xef, [0x82]);
  r.outb(0x3f6, 0x04);
  r.outb(0x3f6, 0x00);
  r.command(0, 0xec);
  let id = r.readData(0, 512);
  assert.equal(word(id, 59), 0x102);
  assert.equal(disk.writeCache, false);
  r.ide.reset();
  r.command(0, 0xec);
  id = r.readData(0, 512);
  assert.equal(word(id, 59), 0x110);
  assert.equal(disk.writeCache, true);
});

test('32-bit data port reads move four bytes at a time', () => {
  const { r, model } = rig();
  r.command(0, 0x20, [0, 1, 9, 0, 0], 0x40);
  const got = new Uint8Array(512);
  const dv = new DataView(got.buffer);
  for (let i = 0; i < 128; i++) dv.setUint32(4 * i, r.inl(0x1f0), true);
  assert.deepEqual(got, model.subarray(9 * 512, 10 * 512));
  assert.equal(r.status(0), 0x50);
});
