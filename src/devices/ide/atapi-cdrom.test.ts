import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryDiskBackend } from '../../block/disk-backend.js';
import { AtapiCdrom, IdeMediaError } from './atapi-cdrom.js';
import { IdeRig, pattern } from './test-rig.js';

/** Builds a small El Torito ISO with xorriso; undefined when xorriso is not installed. */
function buildIso(): { iso: Uint8Array; boot: Uint8Array } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-iso-'));
  try {
    const boot = pattern(2048, 0xb007);
    boot[510] = 0x55;
    boot[511] = 0xaa;
    writeFileSync(join(dir, 'boot.img'), boot);
    writeFileSync(join(dir, 'hello.txt'), 'hello from the CD\n');
    execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'TKVMTEST', '-b', 'boot.img', '-no-emul-boot', '-boot-load-size', '4', '-o', join(dir, 'out.iso'), dir], { stdio: 'ignore' });
    return { iso: new Uint8Array(readFileSync(join(dir, 'out.iso'))), boot };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const built = buildIso();
/** A generated stand-in when xorriso is missing: 64 sectors of pattern. */
const iso = built?.iso ?? pattern(64 * 2048, 3);

function rig(medium: Uint8Array | null = iso, deferred = false) {
  const backend = medium === null ? undefined : new MemoryDiskBackend(medium, { readOnly: true, deferred });
  const cd = new AtapiCdrom({ medium: backend });
  const r = new IdeRig([undefined, undefined, cd]);
  const pump = () => backend?.completePending();
  return { r, cd, backend, pump };
}

const read10 = (lba: number, n: number) => [0x28, 0, lba >>> 24, (lba >> 16) & 0xff, (lba >> 8) & 0xff, lba & 0xff, 0, n >> 8, n & 0xff, 0];
const sense = (r: IdeRig) => {
  const s = r.atapi(1, [0x03, 0, 0, 0, 18, 0]).data;
  return [s[2]! & 0x0f, s[12]!, s[13]!];
};
const le32 = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

test('El Torito boot as SeaBIOS does it: boot record at LBA 17, catalog, boot image via READ(10)', { skip: built === undefined ? 'xorriso is not installed' : false }, () => {
  const { r } = rig();
  const rec = r.atapi(1, read10(0x11, 1), { limit: 2048 });
  assert.equal(rec.status, 0x50);
  assert.equal(rec.reason, 3, 'interrupt reason: command complete (I/O + C/D)');
  assert.equal(new TextDecoder().decode(rec.data.subarray(0, 30)), '\0CD001\x01EL TORITO SPECIFICATION');
  const catalog = r.atapi(1, read10(le32(rec.data, 0x47), 1), { limit: 2048 }).data;
  assert.equal(catalog[0], 0x01);
  assert.equal(catalog[1], 0x00, 'platform x86');
  assert.deepEqual([catalog[0x1e], catalog[0x1f]], [0x55, 0xaa]);
  assert.equal(catalog[0x20], 0x88, 'bootable');
  assert.equal(catalog[0x21], 0, 'no emulation');
  assert.equal(catalog[0x26], 4, 'four 512-byte sectors');
  const image = r.atapi(1, read10(le32(catalog, 0x28), 1), { limit: 2048 }).data;
  assert.deepEqual(image, built!.boot);
});

test('READ(10)/READ(12) of many sectors in DRQ blocks within the byte count limit', () => {
  const { r } = rig();
  const blocks: number[] = [];
  const got = r.atapi(1, read10(16, 3), { limit: 5000, blocks });
  assert.deepEqual(blocks, [5000, 1144], 'odd limits are rounded down to even');
  assert.deepEqual(got.data, iso.subarray(16 * 2048, 19 * 2048));
  const big = r.atapi(1, [0xa8, 0, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0]);
  assert.deepEqual(big.data, iso.subarray(0, 40 * 2048));
  assert.equal(big.status, 0x50);
});

test('deferred disc reads complete through the callback', () => {
  const { r, pump } = rig(iso, true);
  const got = r.atapi(1, read10(2, 2), { pump });
  assert.deepEqual(got.data, iso.subarray(2 * 2048, 4 * 2048));
  assert.equal(got.status, 0x50);
});

test('IDENTIFY DEVICE aborts with the ATAPI signature; IDENTIFY PACKET DEVICE answers', () => {
  const { r } = rig();
  r.command(1, 0xec);
  assert.equal(r.status(1) & 0x01, 0x01);
  assert.equal(r.error(1), 0x04);
  assert.deepEqual([r.inb(0x174), r.inb(0x175)], [0x14, 0xeb]);
  r.command(1, 0xa1);
  assert.equal(r.status(1) & 0x08, 0x08);
  const id = r.readData(1, 512);
  assert.equal(r.irq[1].level, false, 'no interrupt at the end of a PIO data-in command');
  assert.equal(r.status(1) & 0x89, 0);
  assert.equal(id[1]! >> 6, 2, 'ATAPI device');
  assert.equal(id[1]! & 0x1f, 5, 'CD-ROM');
});

test('INQUIRY, READ CAPACITY, TEST UNIT READY', () => {
  const { r } = rig();
  const inq = r.atapi(1, [0x12, 0, 0, 0, 96, 0]).data;
  assert.equal(inq.length, 36);
  assert.equal(inq[0], 0x05);
  assert.equal(inq[1], 0x80);
  assert.equal(new TextDecoder().decode(inq.subarray(8, 32)), 'QEMU    QEMU DVD-ROM    ');
  assert.equal(r.atapi(1, [0x12, 0, 0, 0, 5, 0]).data.length, 5, 'allocation length truncates');
  const cap = r.atapi(1, [0x25]).data;
  assert.deepEqual([...cap], [0, 0, ((iso.length / 2048 - 1) >> 8) & 0xff, (iso.length / 2048 - 1) & 0xff, 0, 0, 8, 0]);
  assert.equal(r.atapi(1, [0x00]).status, 0x50);
});

test('READ TOC formats 0 (LBA and MSF), 1, and the multisession query with cmd[9]=0x40', () => {
  const { r } = rig();
  const sectors = iso.length / 2048;
  const toc = r.atapi(1, [0x43, 0, 0, 0, 0, 0, 0, 0, 0xff, 0]).data;
  assert.deepEqual([...toc.subarray(0, 4)], [0, 18, 1, 1]);
  assert.deepEqual([toc[5], toc[6]], [0x14, 1]);
  assert.equal(toc[14], 0xaa);
  assert.equal(toc[16]! * 2 ** 24 + ((toc[17]! << 16) | (toc[18]! << 8) | toc[19]!), sectors);
  const msf = r.atapi(1, [0x43, 0x02, 0, 0, 0, 0, 0, 0, 0xff, 0]).data;
  assert.deepEqual([...msf.subarray(8, 12)], [0, 0, 2, 0], 'track 1 at 00:02:00');
  const f = sectors + 150;
  assert.deepEqual([...msf.subarray(16, 20)], [0, Math.floor(f / 4500), Math.floor(f / 75) % 60, f % 75]);
  const ms = r.atapi(1, [0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40]).data;
  assert.deepEqual([...ms], [0, 10, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0]);
  const bad = r.atapi(1, [0x43, 0, 0, 0, 0, 0, 5, 0, 12, 0]);
  assert.equal(bad.status & 0x01, 1, 'start track 5 does not exist');
  assert.deepEqual(sense(r), [5, 0x24, 0]);
});

test('MODE SENSE(10) and (6): page 2Ah, 01h, 3Fh; saved values refused', () => {
  const { r } = rig();
  const caps = r.atapi(1, [0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 128, 0]).data;
  assert.equal(caps.length, 28);
  assert.equal((caps[0]! << 8) | caps[1]!, 26);
  assert.deepEqual([caps[8], caps[9]], [0x2a, 0x12]);
  assert.equal(caps[14]! & 0x29, 0x29, 'lock, eject, tray');
  const six = r.atapi(1, [0x1a, 0, 0x2a, 0, 128, 0]).data;
  assert.equal(six.length, 24);
  assert.equal(six[4], 0x2a);
  const all = r.atapi(1, [0x5a, 0, 0x3f, 0, 0, 0, 0, 0, 128, 0]).data;
  assert.deepEqual([all[8], all[16]], [0x01, 0x2a]);
  assert.equal(r.atapi(1, [0x5a, 0, 0xea, 0, 0, 0, 0, 0, 128, 0]).status & 1, 1);
  assert.deepEqual(sense(r), [5, 0x39, 0]);
  assert.equal(r.atapi(1, [0x5a, 0, 0x05, 0, 0, 0, 0, 0, 128, 0]).status & 1, 1);
  assert.deepEqual(sense(r), [5, 0x24, 0]);
});

test('GET CONFIGURATION reports the CD-ROM profile and features; none without a disc', () => {
  const { r, cd } = rig();
  const cfg = r.atapi(1, [0x46, 0, 0, 0, 0, 0, 0, 0x01, 0, 0]).data;
  assert.equal((cfg[6]! << 8) | cfg[7]!, 0x0008);
  assert.equal(((cfg[0]! << 24) | (cfg[1]! << 16) | (cfg[2]! << 8) | cfg[3]!) + 4, cfg.length);
  assert.deepEqual([cfg[8], cfg[9]], [0, 0], 'profile list first');
  const one = r.atapi(1, [0x46, 2, 0, 3, 0, 0, 0, 0x01, 0, 0]).data;
  assert.deepEqual([one[8], one[9]], [0, 3], 'RT=2 returns just that feature');
  assert.equal(one.length, 16);
  cd.eject();
  const none = r.atapi(1, [0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0]).data;
  assert.equal((none[6]! << 8) | none[7]!, 0);
});

test('unknown commands: CHECK CONDITION, ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE via REQUEST SENSE', () => {
  const { r } = rig();
  const res = r.atapi(1, [0xff]);
  assert.equal(res.status, 0x51);
  assert.equal(res.error >> 4, 5);
  assert.equal(res.reason, 3);
  assert.deepEqual(sense(r), [5, 0x20, 0]);
  assert.deepEqual(sense(r), [0, 0, 0], 'sense is cleared once read');
  r.atapi(1, read10(iso.length / 2048, 1));
  assert.deepEqual(sense(r), [5, 0x21, 0], 'LBA out of range');
});

test('empty drive: NOT READY / MEDIUM NOT PRESENT; GESN reports the tray', () => {
  const { r } = rig(null);
  const tur = r.atapi(1, [0x00]);
  assert.equal(tur.status & 1, 1);
  assert.equal(tur.error >> 4, 2);
  assert.deepEqual(sense(r), [2, 0x3a, 0]);
  const ev = r.atapi(1, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0]).data;
  assert.deepEqual([...ev], [0, 4, 0x04, 0x10, 0, 0, 0, 0]);
  assert.equal(r.atapi(1, [0x4a, 0, 0, 0, 0x10, 0, 0, 0, 8, 0]).status & 1, 1, 'asynchronous GESN is refused');
});

test('media change: NOT READY once, then UNIT ATTENTION (28h) once, then ready; GESN says new media', () => {
  const { r, cd } = rig(null);
  cd.changeMedium(new MemoryDiskBackend(iso, { readOnly: true }));
  assert.equal(r.atapi(1, [0x12, 0, 0, 0, 36, 0]).status, 0x50, 'INQUIRY is allowed during unit attention');
  const ev = r.atapi(1, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0]).data;
  assert.deepEqual([ev[4], ev[5]], [2, 2], 'new media, present');
  assert.equal(r.atapi(1, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0]).data[4], 0, 'the event is reported once');
  assert.equal(r.atapi(1, [0x00]).error >> 4, 2);
  const ua = r.atapi(1, [0x00]);
  assert.equal(ua.error >> 4, 6);
  assert.deepEqual(sense(r), [6, 0x28, 0]);
  assert.equal(r.atapi(1, [0x00]).status, 0x50);
  assert.deepEqual(r.atapi(1, read10(16, 1)).data, iso.subarray(16 * 2048, 17 * 2048));
});

test('guest lock: START STOP UNIT eject refused while locked; host eject fails unless forced', () => {
  const { r, cd } = rig();
  assert.equal(r.atapi(1, [0x1e, 0, 0, 0, 1, 0]).status, 0x50);
  assert.equal(cd.locked, true);
  const caps = r.atapi(1, [0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 128, 0]).data;
  assert.equal(caps[14]! & 0x02, 0x02, 'lock state in page 2Ah');
  assert.equal(r.atapi(1, [0x1b, 0, 0, 0, 0x02, 0]).status & 1, 1);
  assert.deepEqual(sense(r), [5, 0x53, 0x02]);
  assert.throws(() => cd.eject(), (e: unknown) => e instanceof IdeMediaError && e.kind === 'locked' && /is locked/.test(e.message));
  assert.throws(() => cd.changeMedium(new MemoryDiskBackend(iso)), IdeMediaError);
  assert.equal(r.atapi(1, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0]).data[4], 1, 'the guest is asked to eject');
  assert.equal(r.atapi(1, [0x00]).status, 0x50, 'still readable');
  cd.eject(true);
  assert.equal(cd.locked, false);
  assert.equal(cd.trayOpen, true);
  assert.equal(cd.medium, undefined);
  assert.deepEqual((r.atapi(1, [0x00]), sense(r)), [2, 0x3a, 0]);
});

test('guest eject and load through START STOP UNIT', () => {
  const { r, cd } = rig();
  assert.equal(r.atapi(1, [0x1b, 0, 0, 0, 0x02, 0]).status, 0x50);
  assert.equal(cd.trayOpen, true);
  assert.equal(r.atapi(1, [0x00]).error >> 4, 2);
  const ev = r.atapi(1, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0]).data;
  assert.deepEqual([ev[4], ev[5]], [3, 1], 'media removal, tray open');
  assert.equal(r.atapi(1, [0x1b, 0, 0, 0, 0x03, 0]).status, 0x50);
  assert.equal(cd.trayOpen, false);
  r.atapi(1, [0x00]);
  r.atapi(1, [0x00]);
  assert.equal(r.atapi(1, [0x00]).status, 0x50, 'ready after the change sequence');
});

test('READ DISC INFORMATION, MECHANISM STATUS, SET CD SPEED, SEEK', () => {
  const { r } = rig();
  const di = r.atapi(1, [0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0]).data;
  assert.equal(di.length, 34);
  assert.deepEqual([...di.subarray(0, 8)], [0, 32, 0x0e, 1, 1, 1, 1, 0x20]);
  assert.equal(r.atapi(1, [0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0]).data.length, 8);
  assert.equal(r.atapi(1, [0xbb, 0, 0xff, 0xff, 0xff, 0xff]).status, 0x50);
  assert.equal(r.atapi(1, [0x2b, 0, 0, 0, 0, 5]).status, 0x50);
});

test('DMA data phase for READ(10) and for a command reply', () => {
  const { r } = rig();
  r.enableBusMaster();
  r.writePrd(0x1000, [[0x20000, 0x0800], [0x30000, 0x0800]]);
  r.select(1, 0);
  r.command(1, 0xa0, [0x01, 0, 0, 0, 0]); // feature bit 0: DMA
  r.writeData(1, Uint8Array.from([...read10(20, 2), 0, 0]));
  assert.equal(r.altStatus(1) & 0x08, 0x08);
  r.startDma(1, 0x1000, true);
  assert.equal(r.bmStatus(1) & 0x07, 0x04);
  assert.equal(r.status(1), 0x50);
  assert.equal(r.inb(0x172), 3);
  r.stopDma(1);
  assert.deepEqual(r.memory.read(0x20000, 0x800), iso.subarray(20 * 2048, 21 * 2048));
  assert.deepEqual(r.memory.read(0x30000, 0x800), iso.subarray(21 * 2048, 22 * 2048));
  r.writePrd(0x1000, [[0x40000, 0x100]]);
  r.command(1, 0xa0, [0x01, 0, 0, 0, 0]);
  r.writeData(1, Uint8Array.of(0x12, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0));
  r.startDma(1, 0x1000, true);
  assert.equal(r.status(1), 0x50);
  assert.equal(r.memory.readU8(0x40000), 0x05, 'INQUIRY data in guest memory');
});

test('ATAPI DEVICE RESET is accepted while busy and reloads the signature', () => {
  const { r } = rig();
  r.select(1, 0);
  r.command(1, 0xa0, [0, 0, 0, 0, 8]);
  assert.equal(r.altStatus(1) & 0x08, 0x08);
  r.command(1, 0x08);
  assert.equal(r.status(1), 0);
  assert.deepEqual([r.inb(0x174), r.inb(0x175)], [0x14, 0xeb]);
});

test('a machine reset releases the guest lock; REQUEST SENSE honours the DMA bit', () => {
  const { r, cd } = rig();
  r.atapi(1, [0x1e, 0, 0, 0, 1, 0]);
  r.ide.reset();
  assert.equal(cd.locked, false);
  r.atapi(1, [0xff]);
  r.enableBusMaster();
  r.writePrd(0x1000, [[0x40000, 18]]);
  r.select(1, 0);
  r.command(1, 0xa0, [0x01, 0, 0, 0, 0]);
  r.writeData(1, Uint8Array.of(0x03, 0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0));
  r.startDma(1, 0x1000, true);
  assert.equal(r.status(1), 0x50);
  assert.deepEqual([r.memory.readU8(0x40002), r.memory.readU8(0x4000c)], [5, 0x20]);
});
