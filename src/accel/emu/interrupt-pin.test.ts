import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IoApic } from '../../devices/ioapic.js';
import { ApicBus } from '../../devices/lapic-bus.js';
import { ApicReg as R } from '../../devices/lapic.js';
import { apicHarness } from '../../devices/lapic.test-util.js';
import { Pic8259Pair } from '../../devices/pic8259.js';
import { Pit8254 } from '../../devices/pit8254.js';
import { ManualClock, RecordingTimer } from '../../devices/scheduler.js';
import { outb } from '../../devices/test-util.js';
import { EmuApicInterruptPin, pcGsiLines, routeIsaIrq } from './interrupt-pin.js';

/** A two-CPU pc interrupt system: PIC pair, IOAPIC, APIC bus, PIT on GSI 0. */
function pc() {
  const clock = new ManualClock();
  const pic = new Pic8259Pair();
  const bus = new ApicBus();
  const ioapic = new IoApic({ deliver: bus.deliver.bind(bus) });
  const send = { sendIpi: bus.sendIpi.bind(bus), eoiBroadcast: (v: number) => ioapic.eoi(v) };
  const cpu0 = apicHarness(0, send, clock);
  const cpu1 = apicHarness(1, send, clock);
  bus.add(cpu0.apic);
  bus.add(cpu1.apic);
  const gsi = pcGsiLines(pic, ioapic);
  const pitTimer = new RecordingTimer();
  const pit = new Pit8254({ irq0: gsi[0]!, clock: clock.clock, timer: pitTimer });
  const pin0 = new EmuApicInterruptPin(cpu0.apic, pic);
  const pin1 = new EmuApicInterruptPin(cpu1.apic, pic);
  /** SeaBIOS's 8259A setup with IRQ0 unmasked. */
  const seabiosPic = () => {
    for (const [chip, base, icw3] of [[pic.master, 0x08, 0x04], [pic.slave, 0x70, 0x02]] as const) {
      outb(chip, 0, 0x11); outb(chip, 1, base); outb(chip, 1, icw3); outb(chip, 1, 0x01);
    }
    outb(pic.master, 1, 0xfa);
    outb(pic.slave, 1, 0xff);
  };
  return { clock, pic, ioapic, cpu0, cpu1, pit, pitTimer, pin0, pin1, seabiosPic };
}

test('power-on: the PIT tick reaches the BSP through the 8259A (LINT0 ExtINT), not the AP', () => {
  const s = pc();
  s.seabiosPic();
  outb(s.pit, 3, 0x34); outb(s.pit, 0, 0); outb(s.pit, 0, 0);
  assert.equal(s.pin0.hasInterrupt(), false);
  s.clock.now = s.pitTimer.deadline!;
  s.pit.onTimer(s.clock.now);
  assert.equal(s.pin0.hasInterrupt(), true);
  assert.equal(s.pin1.hasInterrupt(), false);
  assert.equal(s.pin0.acknowledge(), 0x08);
  assert.equal(s.pin0.hasInterrupt(), false);
  assert.equal(s.pin0.acknowledge(), -1, 'nothing pending');
});

test('APIC globally disabled (IA32_APIC_BASE.EN = 0): INTR goes straight to the CPU', () => {
  const s = pc();
  s.seabiosPic();
  s.cpu0.wr(R.LVT_LINT0, 0x10700);
  s.cpu0.wr(R.SVR, 0x1ff);
  s.cpu0.wr(R.LVT_LINT0, 0x10700);
  routeIsaIrq(s.pic, s.ioapic, 1, true);
  outb(s.pic.master, 1, 0xf8);
  assert.equal(s.pin0.hasInterrupt(), false, 'LINT0 masked');
  s.cpu0.apic.writeBaseMsr(0xfee00100, 0);
  assert.equal(s.pin0.hasInterrupt(), true);
  assert.equal(s.pin0.acknowledge(), 0x09);
});

test('APIC mode as Linux sets it: IRQ0 via IOAPIC pin 2, LINT0 masked, PIC masked; LAPIC wins over PIC', () => {
  const s = pc();
  s.seabiosPic();
  outb(s.pic.master, 1, 0xff);
  s.cpu0.wr(R.SVR, 0x1ff);
  s.cpu0.wr(R.LVT_LINT0, 0x10700);
  s.ioapic.write(0, Uint8Array.of(0x10 + 4));
  s.ioapic.write(0x10, Uint8Array.of(0x30, 0, 0, 0));
  s.ioapic.write(0, Uint8Array.of(0x10 + 5));
  s.ioapic.write(0x10, Uint8Array.of(0, 0, 0, 0));
  outb(s.pit, 3, 0x34); outb(s.pit, 0, 0xa5); outb(s.pit, 0, 0x12);
  s.clock.now = s.pitTimer.deadline!;
  s.pit.onTimer(s.clock.now);
  assert.equal(s.pin0.acknowledge(), 0x30);
  assert.equal(s.pin1.hasInterrupt(), false);
  s.cpu0.wr(R.EOI, 0);
  // With LINT0 in ExtINT again and both sources pending, the APIC's vector is taken first.
  s.cpu0.wr(R.LVT_LINT0, 0x700);
  outb(s.pic.master, 1, 0xfd);
  routeIsaIrq(s.pic, s.ioapic, 1, true);
  s.cpu0.apic.receive(0, 0x90, false);
  assert.equal(s.pin0.acknowledge(), 0x90);
  assert.equal(s.pin0.acknowledge(), 0x09);
});

test('ExtINT through IOAPIC pin 0 (Linux check_timer fallback) fetches the vector from the 8259A', () => {
  const s = pc();
  s.seabiosPic();
  s.cpu0.wr(R.SVR, 0x1ff);
  s.cpu0.wr(R.LVT_LINT0, 0x10700);
  s.ioapic.write(0, Uint8Array.of(0x10));
  s.ioapic.write(0x10, Uint8Array.of(0, 0x07, 0, 0));
  outb(s.pic.master, 1, 0xf8);
  routeIsaIrq(s.pic, s.ioapic, 1, true);
  assert.equal(s.pin0.hasInterrupt(), false, 'LINT0 masked');
  s.ioapic.setIrq(0, true); // the 8259A INTR on IOAPIC pin 0 (virtual wire through the IOAPIC)
  assert.equal(s.pin0.hasInterrupt(), true);
  assert.equal(s.pin0.acknowledge(), 0x09);
  assert.equal(s.cpu0.apic.extIntPending, false);
});

test('IA32_APIC_BASE through the pin: the core reads 0xFEE00900 on the BSP and gets #GP for reserved bits', () => {
  const s = pc();
  assert.equal(s.pin0.readApicBaseMsr(), 0xfee00900);
  assert.equal(s.pin1.readApicBaseMsr(), 0xfee00800);
  assert.equal(s.pin0.writeApicBaseMsr(0xfee00901, 0), false);
  assert.equal(s.pin0.writeApicBaseMsr(0xfee00100, 0), true);
  assert.equal(s.cpu0.apic.hardwareEnabled, false);
});

test('IPI NMI reaches the other CPU through takeNmi; GSI routing sends IRQ8 to PIC 8 and IOAPIC 8', () => {
  const s = pc();
  s.cpu0.wr(R.SVR, 0x1ff);
  s.cpu1.wr(R.SVR, 0x1ff);
  s.cpu0.wr(R.ICR_HIGH, 0x01000000);
  s.cpu0.wr(R.ICR_LOW, 0x400);
  assert.equal(s.pin1.takeNmi(), true);
  assert.equal(s.pin0.takeNmi(), false);
  s.ioapic.write(0, Uint8Array.of(0x10 + 16));
  s.ioapic.write(0x10, Uint8Array.of(0x58, 0, 0, 0));
  routeIsaIrq(s.pic, s.ioapic, 8, true);
  assert.equal(s.pin0.acknowledge(), 0x58);
  assert.equal(s.pic.slave.irr & 1, 1);
});
