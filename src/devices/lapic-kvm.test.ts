/**
 * tkvm's local APIC and IOAPIC registers against KVM's in-kernel ones, which the same guest sees
 * under `-accel kvm`: a multiboot guest under qemu-system-i386 -accel kvm (after SeaBIOS, which
 * enables the BSP's APIC, sets LINT0/LINT1 and sends INIT and a SIPI to all others) writes random
 * values to the registers and reads them back; every value must match the model given the same
 * writes. Left out are the places where KVM departs from the SDM and 82093AA datasheet on purpose
 * or by accident, which tkvm does not copy: LVT delivery-status (bit 12) and Remote IRR (bit 14)
 * read back as written on KVM; reserved bits of a redirection entry's high dword are kept; reads
 * of reserved APIC registers (and EOI, RRD) return no value; plus the time-dependent current count.
 * TPR[3:0] and PPR[3:0] are not compared: in the SDM (and KVM's own code) the TPR's sub-class bits
 * read back and the PPR copies them when the TPR wins, as tkvm does; this nested host's APIC
 * virtualization reads them as 0.
 * Skipped (with the reason) without a usable /dev/kvm, QEMU or binutils.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoApic, IOAPIC_BASE } from './ioapic.js';
import { APIC_DEFAULT_BASE, ApicReg as R } from './lapic.js';
import { apicHarness } from './lapic.test-util.js';
import { MmioGuestOp as Op, kvmGuestUnavailable, runMmioScript } from './lapic-kvm.test-util.js';
import { prng } from './test-util.js';

/** Registers whose reads are compared (not EOI, RRD, the current count or reserved ones). */
const READABLE = [
  R.ID, R.VERSION, R.TPR, R.APR, R.PPR, R.LDR, R.DFR, R.SVR, R.ESR, R.ICR_LOW, R.ICR_HIGH,
  R.LVT_TIMER, R.LVT_THERMAL, R.LVT_PERF, R.LVT_LINT0, R.LVT_LINT1, R.LVT_ERROR, R.TIMER_INITIAL, R.TIMER_DIVIDE,
  ...Array.from({ length: 24 }, (_, i) => R.ISR + i * 0x10),
];
const WRITABLE = [R.ID, R.TPR, R.LDR, R.DFR, R.SVR, R.ESR, R.EOI, R.ICR_HIGH, R.TIMER_INITIAL, R.TIMER_DIVIDE,
  R.LVT_TIMER, R.LVT_THERMAL, R.LVT_PERF, R.LVT_LINT0, R.LVT_LINT1, R.LVT_ERROR];
const IOAPIC_INDEXES = [0, 1, 2, ...Array.from({ length: 48 }, (_, i) => 0x10 + i)];

/** The script, with the model's expected reads. */
function generate(seed: number, steps: number): { bytes: Uint8Array; expected: number[]; masks: number[]; log: string[] } {
  const rand = prng(seed);
  const cpu = apicHarness(0);
  const io = new IoApic({ deliver: () => undefined });
  // What SeaBIOS's smp_setup did before the guest runs.
  cpu.wr(R.SVR, cpu.rd(R.SVR) | 0x100);
  cpu.wr(R.LVT_LINT0, 0x8700);
  cpu.wr(R.LVT_LINT1, 0x8400);
  cpu.wr(R.ICR_LOW, 0x000c4500);
  cpu.wr(R.ICR_LOW, 0x000c4610);
  const bytes: number[] = [];
  const expected: number[] = [];
  const masks: number[] = [];
  const log: string[] = [];
  const u32 = (v: number) => bytes.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  const ioSelect = { index: 0 };
  const ioRead = (offset: number): number => {
    const d = new Uint8Array(4);
    io.read(offset, d);
    return new DataView(d.buffer).getUint32(0, true);
  };
  const ioWrite = (offset: number, v: number): void => {
    const d = new Uint8Array(4);
    new DataView(d.buffer).setUint32(0, v >>> 0, true);
    io.write(offset, d);
  };
  const write = (gpa: number, v: number): void => {
    v >>>= 0;
    bytes.push(Op.WRITE32);
    u32(gpa);
    u32(v);
    if (gpa >= APIC_DEFAULT_BASE) cpu.wr(gpa - APIC_DEFAULT_BASE, v);
    else {
      ioWrite(gpa - IOAPIC_BASE, v);
      if (gpa === IOAPIC_BASE) ioSelect.index = v & 0xff;
    }
    log.push(`write ${gpa.toString(16)} ${v.toString(16)}`);
  };
  const read = (gpa: number): void => {
    bytes.push(Op.READ32);
    u32(gpa);
    const v = gpa >= APIC_DEFAULT_BASE ? cpu.rd(gpa - APIC_DEFAULT_BASE) : ioRead(gpa - IOAPIC_BASE);
    expected.push(v >>> 0);
    // TPR[3:0] and PPR[3:0]: see the file comment.
    masks.push(gpa === APIC_DEFAULT_BASE + R.PPR || gpa === APIC_DEFAULT_BASE + R.TPR ? 0xf0 : 0xffffffff);
    log.push(`read ${gpa.toString(16)} -> ${(v >>> 0).toString(16)} (#${expected.length - 1})`);
  };
  for (const reg of READABLE) read(APIC_DEFAULT_BASE + reg);
  for (const index of IOAPIC_INDEXES) {
    write(IOAPIC_BASE, index);
    read(IOAPIC_BASE + 0x10);
  }
  for (let i = 0; i < steps; i++) {
    const r = rand() % 100;
    if (r < 40) {
      const reg = WRITABLE[rand() % WRITABLE.length]!;
      let v = rand();
      if (reg >= R.LVT_TIMER && reg <= R.LVT_ERROR) {
        v &= ~0x5000; // delivery status and Remote IRR: read-only in the SDM, writable on KVM
        if (reg === R.LVT_TIMER || reg === R.LVT_ERROR) v |= 0x10000; // no timer or error interrupts
      }
      write(APIC_DEFAULT_BASE + reg, v);
    } else if (r < 65) {
      read(APIC_DEFAULT_BASE + READABLE[rand() % READABLE.length]!);
    } else if (r < 75) {
      write(IOAPIC_BASE, rand() % 8 === 0 ? rand() & 0xff : IOAPIC_INDEXES[rand() % IOAPIC_INDEXES.length]!);
    } else if (r < 85) {
      const index = ioSelect.index;
      let v = rand();
      if (index >= 0x10 && index < 0x40) v = index & 1 ? v & 0xff000000 : v | 0x10000; // masked entries only
      write(IOAPIC_BASE + 0x10, v);
    } else if (r < 95) {
      read(IOAPIC_BASE + 0x10);
    } else {
      read(IOAPIC_BASE);
    }
  }
  bytes.push(Op.END);
  return { bytes: Uint8Array.from(bytes), expected, masks, log };
}

const unavailable = kvmGuestUnavailable();

test('local APIC and IOAPIC registers read back as KVM\'s in-kernel ones do', { skip: unavailable }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-apic-kvm-'));
  try {
    const s = generate(Number(process.env.APIC_KVM_SEED) || 1, 1500);
    const raw = runMmioScript(dir, s.bytes);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    assert.equal(raw.length, s.expected.length * 4, 'one dword per read');
    for (let i = 0; i < s.expected.length; i++) {
      const mask = s.masks[i]!;
      const got = view.getUint32(i * 4, true);
      if (((got ^ s.expected[i]!) & mask) !== 0) {
        const at = s.log.findIndex((line) => line.endsWith(`(#${i})`));
        assert.fail(`read #${i} is ${got.toString(16)} on KVM, ${s.expected[i]!.toString(16)} here; script:\n${s.log.slice(Math.max(0, at - 20), at + 1).join('\n')}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
