import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDiskBackend } from '../../block/disk-backend.js';
import { AtaDisk } from './ata-disk.js';
import { AtapiCdrom } from './atapi-cdrom.js';
import { CMD_BASE, CTL_PORT, IdeRig } from './test-rig.js';

function rig() {
  const disk = new AtaDisk({ backend: new MemoryDiskBackend(new Uint8Array(64 << 20)) });
  const cd = new AtapiCdrom({ medium: new MemoryDiskBackend(new Uint8Array(2048 * 100), { readOnly: true }) });
  return { r: new IdeRig([disk, undefined, cd, undefined]), disk, cd };
}

/** SeaBIOS ata_detect for one device: returns what it would conclude ("ata", "atapi" or "none"). */
function seabiosProbe(r: IdeRig, ch: 0 | 1, slave: boolean): { kind: string; identify?: Uint8Array } {
  const b = CMD_BASE[ch];
  const newdh = slave ? 0x10 : 0x00;
  r.outb(b + 6, newdh);
  const dh = r.inb(b + 6);
  r.outb(b + 2, 0x55);
  r.outb(b + 3, 0xaa);
  if (r.inb(b + 2) !== 0x55 || r.inb(b + 3) !== 0xaa || dh !== newdh) return { kind: 'none' };
  // ata_reset: SRST pulse with nIEN, wait not busy, reselect.
  r.outb(CTL_PORT[ch], 0x08 | 0x02 | 0x04);
  r.outb(CTL_PORT[ch], 0x08 | 0x02);
  if ((r.status(ch) & 0x80) !== 0) return { kind: 'none' };
  r.outb(b + 6, newdh);
  if (slave && r.inb(b + 6) !== 0x10) return { kind: 'none' };
  // IDENTIFY PACKET DEVICE first.
  r.command(ch, 0xa1);
  let st = r.status(ch);
  if ((st & 0x08) !== 0) return { kind: 'atapi', identify: r.readData(ch, 512) };
  st = r.status(ch);
  if (st === 0) return { kind: 'none' };
  if ((st & 0x40) === 0) return { kind: 'none' }; // await_rdy
  r.command(ch, 0xec);
  st = r.status(ch);
  if ((st & 0x08) === 0) return { kind: 'none' };
  return { kind: 'ata', identify: r.readData(ch, 512) };
}

function word(id: Uint8Array, i: number): number {
  return id[2 * i]! | (id[2 * i + 1]! << 8);
}

function idString(id: Uint8Array, first: number, words: number): string {
  let s = '';
  for (let i = 0; i < words; i++) s += String.fromCharCode(id[2 * (first + i) + 1]!, id[2 * (first + i)]!);
  return s.trimEnd();
}

test("SeaBIOS's probe finds the disk, no primary slave, the CD-ROM and no secondary slave", () => {
  const { r } = rig();
  const pm = seabiosProbe(r, 0, false);
  assert.equal(pm.kind, 'ata');
  assert.equal(idString(pm.identify!, 27, 20), 'QEMU HARDDISK');
  assert.equal(word(pm.identify!, 60) | (word(pm.identify!, 61) << 16), (64 << 20) / 512);
  assert.equal(seabiosProbe(r, 0, true).kind, 'none');
  const sm = seabiosProbe(r, 1, false);
  assert.equal(sm.kind, 'atapi');
  assert.equal((word(sm.identify!, 0) >> 8) & 0x1f, 5, 'CD-ROM device type');
  assert.ok((word(sm.identify!, 0) & 0x80) !== 0, 'removable');
  assert.equal(idString(sm.identify!, 27, 20), 'QEMU DVD-ROM');
  assert.equal(seabiosProbe(r, 1, true).kind, 'none');
});

test('signatures after SRST: ATA 0/0 with DRDY, ATAPI 14h/EBh with status 0; error 01h', () => {
  const { r } = rig();
  for (const ch of [0, 1] as const) {
    r.outb(CTL_PORT[ch], 0x04);
    assert.equal(r.altStatus(ch) & 0x80, 0x80, 'BSY while SRST is held');
    r.outb(CTL_PORT[ch], 0x00);
  }
  assert.deepEqual([r.inb(0x1f2), r.inb(0x1f3), r.inb(0x1f4), r.inb(0x1f5), r.inb(0x1f6)], [1, 1, 0, 0, 0]);
  assert.equal(r.status(0), 0x50);
  assert.equal(r.error(0), 0x01);
  assert.deepEqual([r.inb(0x172), r.inb(0x173), r.inb(0x174), r.inb(0x175)], [1, 1, 0x14, 0xeb]);
  assert.equal(r.status(1), 0x00);
  assert.equal(r.error(1), 0x01);
});

test('an absent slave reads status and error 0 but keeps the written registers', () => {
  const { r } = rig();
  r.select(0, 1);
  assert.equal(r.status(0), 0);
  assert.equal(r.altStatus(0), 0);
  assert.equal(r.error(0), 0);
  r.outb(0x1f4, 0x12);
  assert.equal(r.inb(0x1f4), 0x12);
  r.command(0, 0xec); // ignored
  assert.equal(r.status(0), 0);
  assert.equal(r.irq[0].edges, 0);
  r.select(0, 0);
  assert.equal(r.status(0), 0x50);
  assert.equal(r.inb(0x1f4), 0x12, 'the master saw the same register write');
});

test('a channel with no devices reads 0 everywhere (no device)', () => {
  const r = new IdeRig([new AtaDisk({ backend: new MemoryDiskBackend(new Uint8Array(1 << 20)) })]);
  for (let reg = 1; reg < 8; reg++) assert.equal(r.inb(0x170 + reg), 0);
  assert.equal(r.inb(0x376), 0);
});

test('INTRQ: raised at command completion, masked by nIEN, cleared by a status read but not by alt status', () => {
  const { r } = rig();
  r.command(0, 0xe7); // FLUSH CACHE
  assert.equal(r.irq[0].level, true);
  assert.equal(r.altStatus(0), 0x50);
  assert.equal(r.irq[0].level, true, 'alternate status does not acknowledge');
  assert.equal(r.status(0), 0x50);
  assert.equal(r.irq[0].level, false);
  r.outb(0x3f6, 0x02); // nIEN
  r.command(0, 0xe7);
  assert.equal(r.irq[0].level, false, 'nIEN keeps INTRQ off');
  r.outb(0x3f6, 0x00);
  assert.equal(r.irq[0].level, true, 'the pending interrupt shows once nIEN is cleared');
  r.status(0);
  assert.equal(r.irq[1].edges, 0, 'the other channel stayed quiet');
});

test('HOB in device control reads back the previous register contents; any register write clears it', () => {
  const { r } = rig();
  r.outb(0x1f2, 0x12);
  r.outb(0x1f2, 0x34);
  r.outb(0x1f3, 0x56);
  r.outb(0x1f3, 0x78);
  r.outb(0x3f6, 0x80);
  assert.equal(r.inb(0x1f2), 0x12);
  assert.equal(r.inb(0x1f3), 0x56);
  r.outb(0x1f4, 0);
  assert.equal(r.inb(0x1f2), 0x34, 'HOB cleared by a command block write');
});

test('commands to a busy device are ignored; the device register selects per write', () => {
  const { r } = rig();
  r.command(0, 0xec); // IDENTIFY: DRQ now
  assert.equal(r.status(0) & 0x08, 0x08);
  r.command(0, 0xe7); // ignored while DRQ
  assert.equal(r.status(0) & 0x08, 0x08);
  const id = r.readData(0, 512);
  assert.equal(idString(id, 27, 20), 'QEMU HARDDISK');
  assert.equal(r.status(0), 0x50);
});

test('machine reset returns both channels to the power-on signature state', () => {
  const { r } = rig();
  r.command(0, 0xec);
  r.ide.reset();
  assert.equal(r.status(0), 0x50);
  assert.equal(r.inb(0x1f2), 1);
  assert.equal(r.inb(0x175), 0xeb);
});
