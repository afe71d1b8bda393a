import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingIrqLine } from '../bus/bus-device.js';
import { CmosRtc, CMOS_CENTURY } from './cmos-rtc.js';
import { fillPcCmos, PcCmos } from './pc-cmos.js';
import { ManualClock, RecordingTimer } from './scheduler.js';
import { inb, outb, prng, randomAccess } from './test-util.js';
import { TkvmError } from '../errors.js';

// Sunday 2026-11-29 18:05:30.250 UTC.
const START_MS = Date.UTC(2026, 10, 29, 18, 5, 30, 250);

function make(extendedBank = false, withTimer = true) {
  const irq = new RecordingIrqLine();
  const clock = new ManualClock();
  clock.now = 5e9;
  const timer = new RecordingTimer();
  const rtc = new CmosRtc({ irq, clock: clock.clock, ...(withTimer ? { timer } : {}), wallClockMs: () => START_MS, extendedBank });
  const reg = (i: number): number => {
    outb(rtc, 0, i);
    return inb(rtc, 1);
  };
  const set = (i: number, v: number): void => {
    outb(rtc, 0, i);
    outb(rtc, 1, v);
  };
  /** Plays the machine: fires the timer whenever the clock has reached its deadline. */
  const advance = (ns: number): void => {
    const end = clock.now + ns;
    while (timer.deadline !== undefined && timer.deadline <= end) {
      clock.now = Math.max(clock.now, timer.deadline);
      timer.deadline = undefined;
      rtc.onTimer(clock.now);
    }
    clock.now = end;
  };
  return { rtc, irq, clock, timer, reg, set, advance };
}

test('power-on time reads in BCD, 24-hour mode, from the wall clock', () => {
  const { reg } = make();
  assert.deepEqual([0, 2, 4, 6, 7, 8, 9, CMOS_CENTURY].map(reg), [0x30, 0x05, 0x18, 1, 0x29, 0x11, 0x26, 0x20]);
  assert.equal(reg(0x0a), 0x26);
  assert.equal(reg(0x0b), 0x02);
  assert.equal(reg(0x0d), 0x80, 'VRT');
});

test('binary mode and 12-hour mode change how fields read', () => {
  const { reg, set } = make();
  set(0x0b, 0x06);
  assert.deepEqual([0, 2, 4, 7, 8, 9].map(reg), [30, 5, 18, 29, 11, 26]);
  set(0x0b, 0x00);
  assert.equal(reg(4), 0x86, '6 PM in BCD with the PM bit');
  set(0x0b, 0x04);
  assert.equal(reg(4), 0x86, '6 PM in binary with the PM bit');
  set(0x0b, 0x80); // SET, 12-hour BCD: midnight is 12 AM, noon is 12 PM
  set(4, 0x12);
  set(0x0b, 0x02);
  assert.equal(reg(4), 0x00);
  set(0x0b, 0x80);
  set(4, 0x92);
  set(0x0b, 0x00);
  assert.equal(reg(4), 0x92);
  set(0x0b, 0x02);
  assert.equal(reg(4), 0x12);
});

test('time advances with the clock; UIP rises 244 us before each update', () => {
  const { reg, clock } = make();
  clock.advance(0.75e9 - 200e3); // 200 us before the :31 update
  assert.equal(reg(0x0a) & 0x80, 0x80);
  assert.equal(reg(0), 0x30);
  clock.advance(200e3);
  assert.equal(reg(0x0a) & 0x80, 0);
  assert.equal(reg(0), 0x31);
  clock.advance(3600e9);
  assert.equal(reg(4), 0x19);
});

test('guest sets the time with SET; the divider phase is kept', () => {
  const { rtc, reg, set, clock } = make();
  set(0x0b, 0x82 | 0x10);
  assert.equal(reg(0x0b), 0x82, 'SET clears UIE');
  assert.equal(reg(0), 0x30, 'fields frozen at SET');
  for (const [i, v] of [[0, 0x59], [2, 0x59], [4, 0x23], [7, 0x31], [8, 0x12], [9, 0x99], [CMOS_CENTURY, 0x19]] as const) set(i, v);
  clock.advance(5e9);
  assert.equal(reg(0), 0x59, 'no updates while SET');
  set(0x0b, 0x02);
  assert.equal(rtc.guestTimeSec(), Date.UTC(1999, 11, 31, 23, 59, 59) / 1000);
  clock.advance(0.75e9);
  assert.deepEqual([0, 2, 4, 7, 8, 9, CMOS_CENTURY].map(reg), [0, 0, 0, 1, 1, 0, 0x20], 'rolled into 2000');
  assert.equal(reg(6), 7, 'Saturday');
  set(2, 0x30); // a single field written while running
  assert.equal(reg(2), 0x30);
  assert.equal(reg(0), 0x00);
});

test('periodic interrupt follows the rate select bits', () => {
  for (const [rs, hz] of [[3, 8192], [6, 1024], [15, 2], [1, 256], [2, 128]] as const) {
    const { irq, set, reg, advance, timer, clock } = make();
    set(0x0a, 0x20 | rs);
    set(0x0b, 0x42);
    let count = 0;
    const start = clock.now;
    while (clock.now - start < 1e9) {
      const d = timer.deadline;
      assert.ok(d !== undefined, 'timer armed while PIE is set and IRQ 8 is low');
      advance(d - clock.now);
      if (irq.level && clock.now - start <= 1e9) {
        count++;
        assert.equal(reg(0x0c) & 0xc0, 0xc0);
        assert.equal(irq.level, false, 'reading C lowers IRQ 8');
      }
    }
    assert.ok(Math.abs(count - hz) <= 1, `RS=${rs}: ${count} interrupts, expected ${hz}`);
  }
});

test('register C read clears flags and lowers IRQ 8; PF is visible to pollers without PIE', () => {
  const { irq, reg, set, clock, timer } = make();
  assert.equal(timer.deadline, undefined, 'nothing enabled: no timer');
  clock.advance(2e6);
  assert.equal(reg(0x0c), 0x40, 'PF without IRQF');
  assert.equal(reg(0x0c), 0x00);
  clock.advance(2e6);
  set(0x0b, 0x42);
  assert.equal(irq.level, true, 'enabling PIE with PF set raises IRQF at once');
  assert.equal(reg(0x0c), 0xc0);
  assert.equal(irq.level, false);
  assert.equal(irq.edges, 1);
});

test('alarm interrupt with don\'t-care hours and minutes', () => {
  const { irq, reg, set, advance } = make();
  set(0x01, 0x33);
  set(0x03, 0xc0);
  set(0x05, 0xff);
  set(0x0b, 0x22);
  advance(2.7e9); // 18:05:32.950
  assert.equal(irq.level, false);
  advance(0.1e9); // past 18:05:33
  assert.equal(irq.level, true);
  assert.equal(reg(0x0c) & 0xa0, 0xa0);
  advance(59e9);
  assert.equal(irq.level, false);
  advance(1e9);
  assert.equal(irq.level, true, 'matches again a minute later');
});

test('alarm in 12-hour mode compares hours with the PM bit', () => {
  const { reg, set, clock } = make();
  set(0x0b, 0x20); // AIE, 12-hour BCD
  set(0x01, 0xc0);
  set(0x03, 0x06);
  set(0x05, 0x86); // 6 PM
  clock.advance(30e9); // 18:06:00.250
  assert.equal(reg(0x0c) & 0x20, 0x20);
  set(0x05, 0x06); // 6 AM: no match tomorrow before the wrap
  clock.advance(60e9);
  assert.equal(reg(0x0c) & 0x20, 0);
});

test('update-ended interrupt once per second', () => {
  const { irq, reg, set, advance } = make();
  set(0x0b, 0x12);
  advance(0.7e9);
  assert.equal(irq.level, false);
  advance(0.1e9);
  assert.equal(irq.level, true);
  assert.equal(reg(0x0c) & 0xb0, 0x90, 'IRQF and UF (PF runs too at the default rate)');
});

test('without a timer, flags found on any register access still raise IRQ 8', () => {
  const irq = new RecordingIrqLine();
  const clock = new ManualClock();
  const rtc = new CmosRtc({ irq, clock: clock.clock, wallClockMs: () => START_MS });
  outb(rtc, 0, 0x0b);
  outb(rtc, 1, 0x12);
  clock.advance(1e9);
  outb(rtc, 0, 0x00);
  assert.equal(inb(rtc, 1), 0x31);
  assert.equal(irq.level, true);
});

test('divider reset stops time; the first update comes 500 ms after release', () => {
  const { reg, set, clock } = make();
  set(0x0a, 0x70);
  clock.advance(10e9);
  assert.equal(reg(0), 0x30);
  set(0x0a, 0x26);
  clock.advance(0.49e9);
  assert.equal(reg(0), 0x30);
  clock.advance(0.02e9);
  assert.equal(reg(0), 0x31);
});

test('NVRAM keeps bytes; index port is write-only; NMI bit is tracked; upper bank', () => {
  const { rtc, reg, set } = make(true);
  set(0x40, 0xa5);
  outb(rtc, 0, 0x80 | 0x10);
  assert.equal(rtc.nmiDisabled, true);
  assert.equal(inb(rtc, 0), 0xff);
  assert.equal(reg(0x40), 0xa5);
  outb(rtc, 2, 0x05);
  outb(rtc, 3, 0x77);
  outb(rtc, 2, 0x05);
  assert.equal(inb(rtc, 3), 0x77);
  assert.equal(reg(0x05), 0x00, 'the lower bank is separate');
  rtc.setNvram(0x3d, 0x03);
  assert.equal(reg(0x3d), 0x03);
  assert.throws(() => rtc.setNvram(0x0b, 0), TkvmError);
  assert.throws(() => rtc.setNvram(CMOS_CENTURY, 0), TkvmError);
  const copy = make(true);
  copy.rtc.loadState(rtc.saveState());
  assert.equal(copy.reg(0x40), 0xa5);
});

test('reset clears interrupt enables and flags but keeps time and RAM', () => {
  const { rtc, irq, reg, set, clock } = make();
  set(0x0b, 0x72);
  set(0x50, 0x12);
  clock.advance(1e9);
  assert.equal(rtc.interruptPending(), true);
  rtc.reset();
  assert.equal(irq.level, false);
  assert.equal(reg(0x0b), 0x02);
  assert.equal(reg(0x50), 0x12);
  assert.equal(reg(0), 0x31);
});

test('fillPcCmos writes the pc machine fields SeaBIOS reads', () => {
  const { rtc, reg } = make();
  fillPcCmos(rtc, { ramBytes: 256 * 2 ** 20, cpus: 2, bootOrder: 'd' });
  assert.deepEqual([0x15, 0x16, 0x17, 0x18, 0x30, 0x31, 0x34, 0x35].map(reg), [0x80, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00, 0x0f]);
  assert.deepEqual([0x5b, 0x5c, 0x5d, 0x5f, 0x3d, 0x38, 0x14].map(reg), [0, 0, 0, 1, 0x03, 0x00, 0x06]);
  fillPcCmos(rtc, { ramBytes: 8 * 2 ** 30, cpus: 1, bootOrder: 'cdn', floppyBootCheck: false,
    disks: [{ cylinders: 1024, heads: 16, sectors: 63, translation: 1 }, undefined] });
  assert.deepEqual([0x34, 0x35, 0x5b, 0x5c, 0x5d].map(reg), [0x00, 0xbf, 0x00, 0x40, 0x01]);
  assert.deepEqual([0x3d, 0x38, PcCmos.DISK_TYPES, 0x19, 0x1b, 0x1c, 0x1d, 0x20, 0x23, 0x39].map(reg),
    [0x32, 0x41, 0xf0, 47, 0x00, 0x04, 16, 0xc8, 63, 0x01]);
  assert.throws(() => fillPcCmos(rtc, { ramBytes: 2 ** 20, cpus: 1, bootOrder: 'x' }), TkvmError);
  assert.throws(() => fillPcCmos(rtc, { ramBytes: 2 ** 20, cpus: 1, bootOrder: 'cdna' }), TkvmError);
});

for (const withTimer of [true, false]) {
  test(`fuzz (${withTimer ? 'with' : 'without'} timer): accesses and time never throw; IRQ 8 equals IRQF`, () => {
    const { rtc, irq, advance } = make(true, withTimer);
    const rand = prng(withTimer ? 146818 : 818641);
    for (let i = 0; i < 20000; i++) {
      const r = rand() % 8;
      if (r === 0) advance(rand() % 3_000_000);
      else if (r === 1) advance((rand() % 2000) * 1e6);
      else if (r === 2) {
        // Aim at the interesting registers more often than chance would.
        outb(rtc, 0, rand() % 0x0e);
        if (rand() & 1) outb(rtc, 1, rand() & 0xff);
        else inb(rtc, 1);
      } else randomAccess(rtc, rand, 4);
      assert.equal(irq.level, (rtc.getNvram(0x0c) & 0x80) !== 0, `step ${i}`);
      assert.equal(Number.isFinite(rtc.guestTimeSec()), true);
    }
  });
}
