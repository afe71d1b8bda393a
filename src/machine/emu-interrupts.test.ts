import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MmioBus, PioBus } from '../bus/bus.js';
import { ManualClock, RecordingTimer } from '../devices/scheduler.js';
import { EmuGsiLines, createEmuInterrupts } from './emu-interrupts.js';

function setup(): { pio: PioBus; clock: ManualClock; timer: RecordingTimer; fire: (now: number) => void; lines: EmuGsiLines; irqs: ReturnType<typeof createEmuInterrupts> } {
  const pio = new PioBus();
  const clock = new ManualClock();
  const timers: Array<{ timer: RecordingTimer; fire: (now: number) => void }> = [];
  const irqs = createEmuInterrupts({ pio, mmio: new MmioBus(), clock: clock.clock, createTimer: (fire) => {
    const timer = new RecordingTimer();
    timers.push({ timer, fire });
    return timer;
  } });
  const { timer, fire } = timers[timers.length - 1]!; // the PIT's, created after the local APIC's
  const lines = new EmuGsiLines();
  return { pio, clock, timer, fire, lines, irqs };
}

/** SeaBIOS's PIC set-up: vectors 0x08 and 0x70, slave on IR2, everything but the cascade masked. */
function initPics(pio: PioBus, unmaskMaster: number, unmaskSlave = 0xff): void {
  const out = (port: number, v: number): void => pio.write(port, Uint8Array.of(v));
  out(0x20, 0x11); out(0x21, 0x08); out(0x21, 0x04); out(0x21, 0x01);
  out(0xa0, 0x11); out(0xa1, 0x70); out(0xa1, 0x02); out(0xa1, 0x01);
  out(0x21, unmaskMaster);
  out(0xa1, unmaskSlave);
}

test('ISA IRQ lines reach the CPU pin through the 8259A pair, master and slave vectors as programmed', () => {
  const { pio, lines, irqs } = setup();
  initPics(pio, 0xf9, 0xbf); // IRQ 1, the cascade and IRQ 14 unmasked
  const early = lines.line(1);
  early.set(true); // a device raising its line before the controllers are attached is replayed
  lines.attach(irqs);
  assert.equal(irqs.pin.hasInterrupt(), true);
  assert.equal(irqs.pin.acknowledge(), 0x09);
  early.set(false);
  pio.write(0x20, Uint8Array.of(0x20)); // EOI
  assert.equal(irqs.pin.hasInterrupt(), false);
  lines.line(14).pulse();
  assert.equal(irqs.pin.acknowledge(), 0x76);
});

test('PIT counter 0 raises IRQ 0 on the machine timer, through the PIC and LINT0 at power-on; port 0x61 is mapped', () => {
  const { pio, clock, timer, fire, lines, irqs } = setup();
  lines.attach(irqs);
  initPics(pio, 0xfe);
  pio.write(0x43, Uint8Array.of(0x34)); // counter 0, lo/hi, mode 2
  pio.write(0x40, Uint8Array.of(0x9c));
  pio.write(0x40, Uint8Array.of(0x2e)); // 11932: 10 ms
  assert.ok(timer.deadline !== undefined);
  clock.now = timer.deadline;
  fire(clock.now);
  assert.equal(irqs.pin.hasInterrupt(), true);
  assert.equal(irqs.pin.acknowledge(), 0x08);
  const p61 = new Uint8Array(1);
  pio.read(0x61, p61);
  assert.equal(p61[0]! & 0xc0, 0);
});
