/**
 * tkvm's 8259A pair against QEMU's (qemu-system-i386, TCG, after SeaBIOS): random but well-formed
 * programming (ICW1-4 with auto-EOI and special fully nested mode, OCW1 masks, every OCW2 command,
 * OCW3 register select, poll and special mask mode, ELCR) interleaved with IRQ0 edges and IRQ1 /
 * IRQ12 levels; every byte the guest reads must match what the model returns for the same script.
 * Skipped (with the reason) when QEMU, binutils or SeaBIOS are missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BusDevice } from '../bus/bus-device.js';
import { Pic8259Pair } from './pic8259.js';
import { PicGuestOp as Op, buildPicGuest, picGuestUnavailable, runPicScript } from './pic8259-qemu.test-util.js';
import { inb, outb, prng } from './test-util.js';

/** A script both sides run: the guest's bytes and the model's replay of the same steps. */
class Script {
  readonly bytes: number[] = [];
  readonly expected: number[] = [];
  readonly log: string[] = [];
  /** i8042 output buffer full (IRQ1 or IRQ12 asserted). */
  obf = false;

  constructor(readonly pic: Pic8259Pair) {
    // The guest starts with IRQ0 high (its prologue left PIT counter 0 at terminal count).
    pic.setIrq(0, true);
  }

  private dev(port: number): [BusDevice, number] {
    if (port === 0x20 || port === 0x21) return [this.pic.master, port - 0x20];
    if (port === 0xa0 || port === 0xa1) return [this.pic.slave, port - 0xa0];
    return [this.pic.elcr, port - 0x4d0];
  }

  out(port: number, v: number): void {
    this.bytes.push(Op.OUT, port & 0xff, port >> 8, v & 0xff);
    const [d, off] = this.dev(port);
    outb(d, off, v);
    this.log.push(`out ${port.toString(16)} ${(v & 0xff).toString(16)}`);
  }

  in(port: number): void {
    this.bytes.push(Op.IN, port & 0xff, port >> 8);
    const [d, off] = this.dev(port);
    const v = inb(d, off);
    this.expected.push(v);
    this.log.push(`in ${port.toString(16)} -> ${v.toString(16)} (#${this.expected.length - 1})`);
  }

  irq0(): void {
    this.bytes.push(Op.IRQ0_EDGE);
    this.pic.setIrq(0, false);
    this.pic.setIrq(0, true);
    this.log.push('irq0 edge');
  }

  i8042(aux: boolean): void {
    this.bytes.push(aux ? Op.AUX_DATA : Op.KBD_DATA, 0x5a);
    this.pic.setIrq(aux ? 12 : 1, true);
    this.obf = true;
    this.log.push(aux ? 'irq12 up' : 'irq1 up');
  }

  read60(): void {
    this.bytes.push(Op.READ_60);
    this.pic.setIrq(1, false);
    this.pic.setIrq(12, false);
    this.obf = false;
    this.log.push('irq1/12 down');
  }

  init(master: boolean, rand: () => number): void {
    const [cmd, data] = master ? [0x20, 0x21] : [0xa0, 0xa1];
    const icw4 = 0x01 | (rand() % 4 === 0 ? 0x02 : 0) | (master && rand() % 3 === 0 ? 0x10 : 0);
    this.out(cmd, 0x11);
    this.out(data, (rand() & 0xf8) || 0x08);
    this.out(data, master ? 0x04 : 0x02);
    this.out(data, icw4);
  }
}

const OCW2 = [0x20, 0x60, 0xa0, 0xe0, 0xc0, 0x80, 0x00, 0x40] as const;

/** `steps` random operations from `seed`. */
function generate(seed: number, steps: number): Script {
  const rand = prng(seed);
  const s = new Script(new Pic8259Pair());
  s.init(true, rand);
  s.init(false, rand);
  s.out(0x4d0, 0);
  s.out(0x4d1, 0);
  for (let i = 0; i < steps; i++) {
    const master = (rand() & 1) === 0;
    const [cmd, data] = master ? [0x20, 0x21] : [0xa0, 0xa1];
    const r = rand() % 100;
    if (r < 12) s.out(data, rand() % 3 === 0 ? 0 : rand() & 0xff);
    else if (r < 27) s.out(cmd, OCW2[rand() % OCW2.length]! | (rand() & 7));
    else if (r < 37) s.out(cmd, 0x08 | [0x02, 0x03, 0x02, 0x03, 0x04, 0x40, 0x60][rand() % 7]!);
    else if (r < 55) s.in(rand() & 1 ? cmd : data);
    else if (r < 65) s.irq0();
    else if (r < 75) {
      if (s.obf) s.read60();
      else s.i8042((rand() & 1) === 1);
    } else if (r < 79) {
      // ELCR: the writable bits read back; then only IRQ12 (a line this script drives) may be level.
      // QEMU leaves IRR alone on an ELCR write (a latched edge survives the switch to level with
      // the line low); here a level input's request follows its line at once, as the 8259A's
      // level sensing does. Switch only while IRQ12's request and line agree.
      if ((s.pic.slave.irr & 0x10) !== (s.pic.slave.pins & 0x10)) continue;
      s.out(0x4d0 + (rand() & 1), rand() & 0xff);
      s.in(0x4d0);
      s.in(0x4d1);
      s.out(0x4d0, 0);
      s.out(0x4d1, rand() & 1 ? 0x10 : 0);
    } else if (r < 82) {
      // QEMU re-latches IR2 after a master ICW1 whenever the slave's INT is re-driven; a real
      // 8259A needs a new edge. Re-initialise the master only while the slave's INT is low.
      if (master && s.pic.slave.output) continue;
      s.init(master, rand);
    } else {
      s.in(cmd);
      s.in(data);
    }
  }
  s.in(0x21);
  s.in(0xa1);
  s.bytes.push(Op.END);
  return s;
}

const unavailable = picGuestUnavailable();

test('8259A pair matches QEMU on random programming with IRQ0 edges and i8042 levels', { skip: unavailable }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-pic-qemu-'));
  try {
    const boot = buildPicGuest(dir);
    const seeds = process.env.PIC_QEMU_SEEDS?.split(",").map(Number) ?? [1, 2, 3];
    for (const seed of seeds) {
      const s = generate(seed, 2000);
      const got = runPicScript(dir, boot, Uint8Array.from(s.bytes));
      assert.equal(got.length, s.expected.length, `seed ${seed}: QEMU returned ${got.length} reads, the model ${s.expected.length}`);
      const first = s.expected.findIndex((v, i) => v !== got[i]);
      if (first >= 0) {
        const at = s.log.findIndex((line) => line.endsWith(`(#${first})`));
        assert.fail(`seed ${seed}: read #${first} is ${got[first]!.toString(16)} on QEMU, ${s.expected[first]!.toString(16)} here; script:\n${s.log.slice(Math.max(0, at - (Number(process.env.PIC_QEMU_CONTEXT) || 25)), at + 1).join('\n')}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
