import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingIrqLine } from '../bus/bus-device.js';
import { Pit8254, PIT_HZ, pitNs, pitTicks } from './pit8254.js';
import { ManualClock, RecordingTimer } from './scheduler.js';
import { inb, outb, prng, randomAccess } from './test-util.js';

function setup() {
  const clock = new ManualClock();
  clock.now = 1_000_000_000;
  const irq = new RecordingIrqLine();
  const timer = new RecordingTimer();
  const pit = new Pit8254({ irq0: irq, clock: clock.clock, timer });
  /** Runs the timer callback as a machine would, possibly late. */
  const fire = () => {
    if (timer.deadline !== undefined && clock.now >= timer.deadline) pit.onTimer(clock.now);
  };
  return { clock, irq, timer, pit, fire };
}

/** Advances the clock to `ticks` input clocks after `start` (ns). */
function toTicks(clock: ManualClock, start: number, ticks: number): void {
  clock.now = start + pitNs(ticks);
}

function readWord(pit: Pit8254, port: number): number {
  const lo = inb(pit, port);
  return lo | (inb(pit, port) << 8);
}

test('tick arithmetic is exact across long uptimes', () => {
  assert.equal(pitTicks(1e9), PIT_HZ);
  assert.equal(pitTicks(3600e9 * 24 * 30), PIT_HZ * 3600 * 24 * 30);
  for (const t of [1, 2, 65535, 65536, 1193181, 1193183, 123456789012]) {
    assert.ok(pitTicks(pitNs(t)) >= t && pitTicks(pitNs(t) - 1) < t, `tick ${t}`);
  }
});

test('power-on state as in QEMU: counter 0 runs mode 3 with count 0, so IRQ0 ticks at 18.2 Hz', () => {
  const { clock, irq, timer, pit, fire } = setup();
  assert.equal(irq.level, true);
  assert.equal(timer.deadline, clock.now + pitNs(65536));
  clock.now = timer.deadline!;
  fire();
  assert.equal(irq.edges, 2);
  outb(pit, 3, 0xe2);
  assert.equal(inb(pit, 0), 0xb6, 'OUT high, word access, mode 3, binary');
});

test('SeaBIOS pit_setup: counter 0 mode 2 with count 0 raises IRQ0 every 65536 clocks (18.2 Hz)', () => {
  const { clock, irq, timer, pit, fire } = setup();
  const start = clock.now;
  outb(pit, 3, 0x34);
  outb(pit, 0, 0x00);
  outb(pit, 0, 0x00);
  assert.equal(irq.level, true, 'mode 2 starts with OUT high');
  const e0 = irq.edges;
  assert.equal(timer.deadline, start + pitNs(65536));
  toTicks(clock, start, 65535);
  assert.equal(pit.out(0), false, 'low for the one clock at count 1');
  toTicks(clock, start, 65536);
  fire();
  assert.equal(irq.edges, e0 + 1);
  assert.equal(timer.deadline, start + pitNs(131072));
  toTicks(clock, start, 131072);
  fire();
  assert.equal(irq.edges, e0 + 2);
  // SeaBIOS's timer_read without a TSC: read-back of counter 0's count only (0xD2).
  toTicks(clock, start, 131072 + 1000);
  outb(pit, 3, 0xd2);
  assert.equal(readWord(pit, 0), 65536 - 1000);
});

test('mode 3 square wave (0x36): IRQ0 rises every period, OUT low for the second half, count steps by two', () => {
  const { clock, irq, timer, pit, fire } = setup();
  const start = clock.now;
  outb(pit, 3, 0x36);
  outb(pit, 0, 0x00);
  outb(pit, 0, 0x00);
  const e0 = irq.edges;
  assert.equal(timer.deadline, start + pitNs(65536));
  toTicks(clock, start, 40000);
  fire();
  assert.equal(irq.edges, e0);
  assert.equal(pit.out(0), false, 'the second half of the square wave is low');
  toTicks(clock, start, 65536);
  fire();
  assert.equal(irq.edges, e0 + 1);
  outb(pit, 3, 0x00);
  assert.equal(readWord(pit, 0) % 2, 0);
});

test('Linux PIT one-shot clockevent: mode 4 (0x38) strobes IRQ0 once, one clock after the count', () => {
  const { clock, irq, timer, pit, fire } = setup();
  outb(pit, 3, 0x38);
  const start = clock.now;
  outb(pit, 0, 1193 & 0xff);
  outb(pit, 0, 1193 >> 8);
  const e0 = irq.edges;
  assert.equal(timer.deadline, start + pitNs(1194));
  toTicks(clock, start, 1193);
  assert.equal(pit.out(0), false);
  toTicks(clock, start, 1194);
  fire();
  assert.equal(irq.edges, e0 + 1);
  assert.equal(timer.deadline, undefined);
  // The next event: a new count restarts the strobe.
  const again = clock.now;
  outb(pit, 0, 100);
  outb(pit, 0, 0);
  assert.equal(timer.deadline, again + pitNs(101));
});

test('Linux periodic tick: mode 2 with LATCH 4773 (HZ=250), one edge per period, late timers coalesce', () => {
  const { clock, irq, timer, pit, fire } = setup();
  const start = clock.now;
  outb(pit, 3, 0x34);
  outb(pit, 0, 4773 & 0xff);
  outb(pit, 0, 4773 >> 8);
  const e0 = irq.edges;
  for (let k = 1; k <= 5; k++) {
    toTicks(clock, start, k * 4773);
    fire();
    assert.equal(irq.edges, e0 + k);
  }
  toTicks(clock, start, 50 * 4773 + 10);
  fire();
  assert.equal(irq.edges, e0 + 6, 'missed periods give one edge');
  assert.equal(timer.deadline, start + pitNs(51 * 4773));
  outb(pit, 3, 0x00);
  assert.equal(readWord(pit, 0), 4773 - 10);
});

test('mode 0 one-shot: OUT low until terminal count, one IRQ0 edge, count wraps and keeps counting', () => {
  const { clock, irq, timer, pit, fire } = setup();
  const start = clock.now;
  outb(pit, 3, 0x30);
  assert.equal(irq.level, false);
  const e0 = irq.edges;
  outb(pit, 0, 1000 & 0xff);
  outb(pit, 0, 1000 >> 8);
  toTicks(clock, start, 500);
  outb(pit, 3, 0x00); // latch counter 0
  toTicks(clock, start, 700);
  assert.equal(readWord(pit, 0), 500, 'the latched count, not the live one');
  assert.equal(readWord(pit, 0), 300, 'live again after the latch was read');
  toTicks(clock, start, 1000);
  fire();
  assert.equal(irq.edges, e0 + 1);
  assert.equal(irq.level, true);
  assert.equal(timer.deadline, undefined, 'no more edges in mode 0');
  toTicks(clock, start, 1010);
  assert.equal(readWord(pit, 0), 0x10000 - 10);
});

test('read-back: status then count for counter 0; the first latch holds until read', () => {
  const { clock, pit } = setup();
  const start = clock.now;
  outb(pit, 3, 0x34);
  outb(pit, 0, 0x00);
  outb(pit, 0, 0x10); // 4096
  outb(pit, 3, 0xc2); // read-back counter 0, count and status
  toTicks(clock, start, 100);
  outb(pit, 3, 0xc2); // ignored: both latches are still full
  assert.equal(inb(pit, 0), 0x80 | 0x40 | 0x34, 'OUT high, NULL COUNT until the next clock, word, mode 2, binary');
  assert.equal(readWord(pit, 0), 4096);
  outb(pit, 3, 0xe2); // status only
  assert.equal(inb(pit, 0), 0xb4, 'the count reached the counting element');
  outb(pit, 3, 0x30);
  outb(pit, 3, 0xe2);
  assert.equal(inb(pit, 0), 0x70, 'after a control word: OUT low (mode 0) and NULL COUNT');
});

test('LSB-only and MSB-only access, and BCD counting', () => {
  const { clock, pit } = setup();
  const start = clock.now;
  outb(pit, 3, 0x50); // counter 1, LSB only, mode 0
  outb(pit, 1, 200);
  toTicks(clock, start, 50);
  assert.equal(inb(pit, 1), 150);
  outb(pit, 3, 0x60); // counter 1, MSB only, mode 0
  outb(pit, 1, 0x02); // 512
  const s2 = clock.now;
  toTicks(clock, s2, 256);
  assert.equal(inb(pit, 1), 0x01);
  outb(pit, 3, 0x71); // counter 1, word, mode 0, BCD
  outb(pit, 1, 0x00);
  outb(pit, 1, 0x10); // 1000 decimal
  const s3 = clock.now;
  toTicks(clock, s3, 1);
  assert.equal(readWord(pit, 1), 0x0999);
  toTicks(clock, s3, 1001);
  assert.equal(readWord(pit, 1), 0x9999, 'BCD wraps at 10000');
});

test('counter 2 gate: mode 0 holds the count while the gate is low', () => {
  const { clock, pit } = setup();
  outb(pit, 3, 0xb0);
  outb(pit, 2, 0xff);
  outb(pit, 2, 0xff);
  clock.advance(1_000_000);
  assert.equal(readWord(pit, 2), 0xffff, 'gate 2 is low at power-on');
  pit.setGate(2, true);
  const start = clock.now;
  toTicks(clock, start, 300);
  assert.equal(readWord(pit, 2), 0xffff - 300);
  pit.setGate(2, false);
  clock.advance(5_000_000);
  assert.equal(readWord(pit, 2), 0xffff - 300);
  assert.equal(pit.out(2), false);
});

test('mode 2 gate low forces OUT high and the rising gate reloads; mode 1 waits for a trigger', () => {
  const { clock, pit } = setup();
  outb(pit, 3, 0xb4); // counter 2, mode 2
  outb(pit, 2, 10);
  outb(pit, 2, 0);
  pit.setGate(2, true);
  let start = clock.now;
  toTicks(clock, start, 9);
  assert.equal(pit.out(2), false, 'low for the clock at count 1');
  pit.setGate(2, false);
  assert.equal(pit.out(2), true);
  pit.setGate(2, true);
  start = clock.now;
  toTicks(clock, start, 3);
  assert.equal(readWord(pit, 2), 7);
  outb(pit, 3, 0xb2); // counter 2, mode 1
  outb(pit, 2, 5);
  outb(pit, 2, 0);
  clock.advance(10_000);
  assert.equal(pit.out(2), true, 'no trigger yet');
  pit.setGate(2, false);
  pit.setGate(2, true);
  start = clock.now;
  assert.equal(pit.out(2), false);
  toTicks(clock, start, 5);
  assert.equal(pit.out(2), true);
});

test('random port traffic never throws and the state round-trips', () => {
  const { pit, clock } = setup();
  const rand = prng(8254);
  for (let i = 0; i < 20000; i++) {
    randomAccess(pit, rand, 4);
    clock.advance(rand() % 5000);
    if (rand() % 16 === 0) pit.setGate(2, (rand() & 1) === 1);
    if (rand() % 16 === 0) pit.onTimer(clock.now);
  }
  const copy = setup();
  copy.clock.now = clock.now;
  copy.pit.loadState(JSON.parse(JSON.stringify(pit.saveState())));
  outb(pit, 3, 0xc2 | 0x0c);
  outb(copy.pit, 3, 0xc2 | 0x0c);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) assert.equal(inb(copy.pit, i), inb(pit, i));
  }
});
