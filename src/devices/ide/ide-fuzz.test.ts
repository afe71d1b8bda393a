import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDiskBackend } from '../../block/disk-backend.js';
import { prng } from '../test-util.js';
import { AtaDisk } from './ata-disk.js';
import { AtapiCdrom } from './atapi-cdrom.js';
import { BMDMA_BASE, IdeRig } from './test-rig.js';

const PORTS = [
  ...Array.from({ length: 8 }, (_, i) => 0x1f0 + i),
  0x3f6,
  ...Array.from({ length: 8 }, (_, i) => 0x170 + i),
  0x376,
  ...Array.from({ length: 16 }, (_, i) => BMDMA_BASE + i),
];

/** Commands worth hitting often: the implemented ones, so the fuzzer gets past the decoder. */
const COMMANDS = [0x08, 0x20, 0x24, 0x25, 0x29, 0x30, 0x34, 0x35, 0x39, 0x40, 0x90, 0x91, 0xa0, 0xa1, 0xc4, 0xc5, 0xc6, 0xc8, 0xca, 0xe5, 0xe7, 0xec, 0xef, 0xf8];
/** SCSI opcodes for PACKET payloads. */
const OPCODES = [0x00, 0x03, 0x12, 0x1a, 0x1b, 0x1e, 0x25, 0x28, 0x2b, 0x43, 0x46, 0x4a, 0x51, 0x5a, 0xa8, 0xbb, 0xbd];

for (const deferred of [false, true]) {
  test(`fuzz: random register, data port, bus-master and PRD traffic never throws (${deferred ? 'deferred' : 'synchronous'} I/O)`, () => {
    const rand = prng(deferred ? 0x1de2 : 0x1de1);
    const disk = new MemoryDiskBackend(new Uint8Array(256 * 1024), { deferred });
    const slave = new MemoryDiskBackend(new Uint8Array(64 * 1024), { deferred, readOnly: true });
    const disc = new MemoryDiskBackend(new Uint8Array(64 * 2048), { deferred, readOnly: true });
    const cd = new AtapiCdrom({ medium: disc });
    const r = new IdeRig([new AtaDisk({ backend: disk }), new AtaDisk({ backend: slave }), cd]);
    r.enableBusMaster();
    for (let i = 0; i < 40000; i++) {
      const what = rand() % 16;
      if (what < 7) {
        const port = PORTS[rand() % PORTS.length]!;
        const width = [1, 1, 2, 4][rand() % 4]!;
        const data = Uint8Array.from({ length: width }, () => rand() & 0xff);
        if (rand() & 1) r.pio.read(port, data);
        else r.pio.write(port, data);
      } else if (what < 9) {
        const ch = (rand() & 1) as 0 | 1;
        if ((rand() & 3) === 0) {
          r.outb(ch ? 0x376 : 0x3f6, 0x04);
          r.outb(ch ? 0x376 : 0x3f6, rand() & 0x02);
        }
        r.command(ch, COMMANDS[rand() % COMMANDS.length]!, [rand() & 0xff, 1 + (rand() % 16), rand() & 0xff, rand() & 1, 0], (rand() & 0x50) | (rand() & 0x01));
      } else if (what < 11) {
        const ch = (rand() & 3) === 0 ? 0 : 1;
        r.select(ch, 0);
        r.command(ch, 0xa0, [rand() & 1, 0, 0, rand() & 0xff, rand() & 0x0f]);
        const packet = Uint8Array.from({ length: 12 }, () => rand() & 0xff);
        packet[0] = OPCODES[rand() % OPCODES.length]!;
        if (rand() & 1) {
          // A plausible read: small LBA and count (READ(10) count in byte 8, READ(12) in byte 9).
          packet.fill(0, 1, 12);
          packet[0] = rand() & 1 ? 0x28 : 0xa8;
          packet[5] = rand() % 64;
          packet[8] = rand() % 4;
          packet[9] = rand() % 4;
        }
        for (let k = 0; k < 6; k++) r.outw(ch ? 0x170 : 0x1f0, packet[2 * k]! | (packet[2 * k + 1]! << 8));
      } else if (what < 13) {
        // Drain data ports a while.
        const ch = rand() & 1 ? 0x170 : 0x1f0;
        for (let k = rand() % 1200; k > 0; k--) r.inw(ch);
      } else if (what === 13) {
        // A PRD table of random entries, some outside RAM, then start.
        const table = (rand() % (4 << 20)) & ~7;
        const n = 1 + (rand() % 4);
        for (let k = 0; k < n && table + 8 * k + 8 <= r.memory.size; k++) {
          r.memory.writeU32(table + 8 * k, rand() & 1 ? rand() % (4 << 20) : rand());
          r.memory.writeU32(table + 8 * k + 4, rand());
        }
        r.startDma((rand() & 1) as 0 | 1, rand() & 1 ? table : rand(), (rand() & 1) === 1);
      } else if (what === 14) {
        disk.completePending();
        slave.completePending();
        disc.completePending();
      } else {
        const op = rand() % 6;
        try {
          if (op === 0) cd.eject((rand() & 1) === 1);
          else if (op === 1) cd.changeMedium(disc, (rand() & 1) === 1);
          else if (op === 2) r.ide.reset();
        } catch (e) {
          assert.equal((e as { kind?: string }).kind, 'locked');
        }
      }
    }
    disk.completePending();
    disc.completePending();
    assert.ok(r.irq[0].edges > 100 && r.irq[1].edges > 100, `the fuzzer got commands through (${r.irq[0].edges}, ${r.irq[1].edges} interrupts)`);
    assert.ok(disk.counts.read > 40 && disc.counts.read > 40, `disk requests issued (${disk.counts.read}, ${disc.counts.read})`);
    // Still a working controller afterwards.
    r.ide.reset();
    r.command(0, 0xec, [], 0);
    assert.equal(r.status(0) & 0x08, 0x08);
  });
}
