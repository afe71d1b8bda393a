import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MmioBus, PioBus } from '../../bus/bus.js';
import { ManualClock } from '../../devices/scheduler.js';
import type { DeviceTimer } from '../../devices/scheduler.js';
import { createPcInterruptSystem } from './interrupt-pin-pc.js';

/** A two-CPU system on real buses with a hand-driven clock and timer loop. */
function machine() {
  const clock = new ManualClock();
  const timers: Array<{ deadline: number | undefined; fire: (now: number) => void }> = [];
  const woken: number[] = [];
  const events: string[] = [];
  const sys = createPcInterruptSystem({
    cpus: 2, clock: clock.clock,
    createTimer: (fire): DeviceTimer => {
      const t = { deadline: undefined as number | undefined, fire };
      timers.push(t);
      return { setTimer: (d) => { t.deadline = d; } };
    },
    onWake: (cpu) => woken.push(cpu),
    onInit: (cpu) => events.push(`init${cpu}`),
    onStartup: (cpu, v) => events.push(`sipi${cpu}:${v.toString(16)}`),
  });
  const pio = new PioBus();
  const mmio = new MmioBus();
  sys.map(pio, mmio);
  /** Runs the machine's timer loop up to `ns`. */
  const runTo = (ns: number): void => {
    for (;;) {
      const due = timers.filter((t) => t.deadline !== undefined && t.deadline <= ns).sort((a, b) => a.deadline! - b.deadline!)[0];
      if (due === undefined) break;
      clock.now = due.deadline!;
      due.deadline = undefined;
      due.fire(clock.now);
    }
    clock.now = ns;
  };
  const out = (port: number, v: number) => pio.write(port, Uint8Array.of(v));
  const in8 = (port: number) => { const d = new Uint8Array(1); pio.read(port, d); return d[0]!; };
  const mw = (gpa: number, v: number) => { const d = new Uint8Array(4); new DataView(d.buffer).setUint32(0, v, true); mmio.write(gpa, d); };
  const mr = (gpa: number) => { const d = new Uint8Array(4); mmio.read(gpa, d); return new DataView(d.buffer).getUint32(0, true); };
  return { sys, clock, woken, events, runTo, out, in8, mw, mr };
}

test('SeaBIOS-style boot on the buses: 18.2 Hz IRQ0 through the 8259A wakes and interrupts CPU 0', () => {
  const m = machine();
  for (const [cmd, data, base, icw3] of [[0x20, 0x21, 0x08, 4], [0xa0, 0xa1, 0x70, 2]] as const) {
    m.out(cmd, 0x11); m.out(data, base); m.out(data, icw3); m.out(data, 0x01);
  }
  m.out(0x21, 0xfa); m.out(0xa1, 0xff);
  m.out(0x43, 0x34); m.out(0x40, 0); m.out(0x40, 0);
  assert.equal(m.in8(0x21), 0xfa);
  let ticks = 0;
  for (let ms = 1; ms <= 1000; ms++) {
    m.runTo(ms * 1e6);
    if (m.sys.pins[0]!.hasInterrupt()) {
      assert.equal(m.sys.pins[0]!.acknowledge(), 0x08);
      m.out(0x20, 0x20);
      ticks++;
    }
    assert.equal(m.sys.pins[1]!.hasInterrupt(), false);
  }
  assert.equal(ticks, 18, '18.2 Hz over one second');
  assert.ok(m.woken.includes(0) && !m.woken.includes(1));
});

test('APIC mode on the buses: IOAPIC pin 2 to CPU 1 by MMIO, APIC timer, INIT/SIPI to CPU 1, reset', () => {
  const m = machine();
  const apic = 0xfee00000;
  m.sys.apicWindow.current = m.sys.lapics[1]!;
  m.mw(apic + 0xf0, 0x1ff);
  m.sys.apicWindow.current = m.sys.lapics[0]!;
  m.mw(apic + 0xf0, 0x1ff);
  m.mw(apic + 0x350, 0x10700); // Linux masks ExtINT on LINT0 once the IOAPIC routes IRQ0
  m.mw(0xfec00000, 0x14);
  m.mw(0xfec00010, 0x31);
  m.mw(0xfec00000, 0x15);
  m.mw(0xfec00010, 0x01000000);
  m.out(0x43, 0x34); m.out(0x40, 0x9c); m.out(0x40, 0x2e); // 11932: 100 Hz
  m.runTo(9_999_000);
  assert.equal(m.sys.pins[1]!.hasInterrupt(), false);
  m.runTo(10_001_000);
  assert.equal(m.sys.pins[1]!.acknowledge(), 0x31);
  assert.equal(m.sys.pins[0]!.hasInterrupt(), false);
  // CPU 0's APIC timer: periodic 1 ms at divide 1.
  m.mw(apic + 0x3e0, 0xb);
  m.mw(apic + 0x320, 0x20040);
  m.mw(apic + 0x380, 1_000_000);
  m.runTo(11_001_000);
  assert.equal(m.sys.pins[0]!.acknowledge(), 0x40);
  assert.ok(m.mr(apic + 0x390) <= 1_000_000);
  m.mw(apic + 0x310, 0x01000000);
  m.mw(apic + 0x300, 0x4500);
  m.mw(apic + 0x300, 0x4610);
  assert.deepEqual(m.events, ['init1', 'sipi1:10']);
  m.mw(0xfec00000, 0x18); // pin 4 (COM1), edge, to CPU 0
  m.mw(0xfec00010, 0x34);
  m.sys.routeIsaIrq(4, true);
  assert.equal(m.sys.pins[0]!.hasInterrupt(), false, 'the timer vector 0x40 in service outranks 0x34');
  m.mw(apic + 0xb0, 0);
  assert.equal(m.sys.pins[0]!.acknowledge(), 0x34);
  m.sys.reset();
  assert.equal(m.mr(apic + 0xf0), 0xff);
  m.mw(0xfec00000, 0x14);
  assert.equal(m.mr(0xfec00010), 0x10000);
  assert.equal(m.sys.pins[0]!.hasInterrupt(), false);
});
