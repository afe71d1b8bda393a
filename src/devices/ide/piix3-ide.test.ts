import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDiskBackend } from '../../block/disk-backend.js';
import { AtaDisk } from './ata-disk.js';
import { IDE_LEGACY } from './piix3-ide.js';
import { BMDMA_BASE, IdeRig } from './test-rig.js';

function rig() {
  return new IdeRig([new AtaDisk({ backend: new MemoryDiskBackend(new Uint8Array(1 << 20)) })]);
}

test('config space: 8086:7010, class 01 01 80, BAR4 a 16-byte I/O BAR, no interrupt pin', () => {
  const r = rig();
  assert.equal(r.pciRead(0x00, 4), 0x7010_8086);
  assert.equal(r.pciRead(0x08, 4) >>> 8, 0x010180);
  assert.equal(r.pciRead(0x0e, 1), 0x00);
  assert.equal(r.pciRead(0x3d, 1), 0);
  r.pciWrite(0x20, 4, 0xffff_ffff);
  assert.equal(r.pciRead(0x20, 4), 0xffff_fff1, 'BAR4 sizes as 16 bytes of I/O');
  for (const bar of [0x10, 0x14, 0x18, 0x1c, 0x24]) {
    r.pciWrite(bar, 4, 0xffff_ffff);
    assert.equal(r.pciRead(bar, 4), 0, `BAR at ${bar.toString(16)} is not implemented (legacy mode)`);
  }
});

test('IDE decode enable (IDETIM 0x40/0x42) is writable as SeaBIOS uses it', () => {
  const r = rig();
  r.pciWrite(0x40, 2, 0x8000);
  r.pciWrite(0x42, 2, 0x8000);
  assert.equal(r.pciRead(0x40, 4), 0x8000_8000);
});

test('IDETIM powers on with decode disabled; enableDecodeAsBios sets bit 15 of both, the bit ata_piix checks (0x41/0x43 bit 7)', () => {
  const r = rig();
  assert.equal(r.pciRead(0x40, 4), 0, 'power-on: both channels off until the BIOS (or the direct boot) enables them');
  r.ide.enableDecodeAsBios();
  assert.equal(r.pciRead(0x40, 4), 0x8000_8000);
  // ata_piix's prereset reads one byte per channel and tests bit 7 before it probes the drives.
  assert.equal(r.pciRead(0x41, 1) & 0x80, 0x80, 'primary channel enabled');
  assert.equal(r.pciRead(0x43, 1) & 0x80, 0x80, 'secondary channel enabled');
});

test('the bus-master registers appear at BAR4 once I/O decode is on', () => {
  const r = rig();
  r.outl(BMDMA_BASE + 4, 0x1234);
  assert.equal(r.inl(BMDMA_BASE + 4), 0xffff_ffff, 'not decoded before the BAR is programmed');
  r.enableBusMaster();
  r.outl(BMDMA_BASE + 4, 0x0012_3457);
  assert.equal(r.inl(BMDMA_BASE + 4), 0x0012_3454, 'PRD pointer is dword aligned');
  r.outl(BMDMA_BASE + 12, 0x0000_8000);
  assert.equal(r.inl(BMDMA_BASE + 12), 0x8000, 'secondary channel at +8');
  r.outb(BMDMA_BASE + 2, 0x60);
  assert.equal(r.inb(BMDMA_BASE + 2), 0x60, 'drive DMA-capable bits are plain read/write');
  r.pciWrite(0x04, 2, 0);
  assert.equal(r.inb(BMDMA_BASE + 2), 0xff, 'gone again when I/O decode is off');
});

test('legacy port ranges and IRQs are the compatibility ones', () => {
  const r = rig();
  assert.deepEqual(r.ide.portRanges().map((p) => [p.base, p.size]), [[0x1f0, 8], [0x3f6, 1], [0x170, 8], [0x376, 1]]);
  assert.deepEqual(IDE_LEGACY.map((l) => l.irq), [14, 15]);
  assert.equal(r.ide.drive(0)?.kind, 'disk');
  assert.equal(r.ide.drive(2), undefined);
});
