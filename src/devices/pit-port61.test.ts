import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingIrqLine } from '../bus/bus-device.js';
import { Pit8254, pitNs } from './pit8254.js';
import { PitPort61, REFRESH_PERIOD_NS } from './pit-port61.js';
import { ManualClock } from './scheduler.js';
import { inb, outb } from './test-util.js';

function setup() {
  const clock = new ManualClock();
  clock.now = 5_000_000_000;
  const pit = new Pit8254({ irq0: new RecordingIrqLine(), clock: clock.clock });
  const speaker: boolean[] = [];
  const port = new PitPort61({ pit, clock: clock.clock, onSpeaker: (on) => speaker.push(on) });
  return { clock, pit, port, speaker };
}

test('bit 4 toggles with each 15.085 µs refresh request, as delay loops count it', () => {
  const { clock, port } = setup();
  clock.now = 1000 * REFRESH_PERIOD_NS;
  const first = inb(port, 0) & 0x10;
  assert.equal(inb(port, 0) & 0x10, first, 'no toggle without time passing');
  clock.advance(REFRESH_PERIOD_NS);
  assert.equal(inb(port, 0) & 0x10, first ^ 0x10);
  clock.advance(REFRESH_PERIOD_NS);
  assert.equal(inb(port, 0) & 0x10, first);
  // A loop waiting for 100 toggles takes about 1.5 ms of clock.
  let toggles = 0;
  let last = inb(port, 0) & 0x10;
  const start = clock.now;
  while (toggles < 100) {
    clock.advance(1000);
    const b = inb(port, 0) & 0x10;
    if (b !== last) toggles++;
    last = b;
  }
  assert.ok(Math.abs(clock.now - start - 100 * REFRESH_PERIOD_NS) <= 2000);
});

test('bits 0-3 read back, bits 6-7 read 0, bit 0 drives gate 2, speaker follows bits 0 and 1', () => {
  const { pit, port, speaker } = setup();
  outb(port, 0, 0xff);
  assert.equal(inb(port, 0) & 0xcf, 0x0f);
  assert.equal(pit.gate(2), true);
  assert.deepEqual(speaker, [true]);
  outb(port, 0, 0x0d);
  assert.equal(pit.gate(2), true);
  assert.deepEqual(speaker, [true, false]);
  outb(port, 0, 0x00);
  assert.equal(pit.gate(2), false);
});

test('SeaBIOS TSC calibration: counter 2 mode 0 count 0x800 gated by 0x61, bit 5 rises at terminal count', () => {
  const { clock, pit, port } = setup();
  const orig = inb(port, 0);
  outb(port, 0, (orig & ~0x02) | 0x01);
  outb(pit, 3, 0xb0);
  outb(pit, 2, 0x00);
  outb(pit, 2, 0x08);
  const start = clock.now;
  let polls = 0;
  while ((inb(port, 0) & 0x20) === 0) {
    clock.advance(100);
    polls++;
  }
  outb(port, 0, orig);
  // 0x800 clocks of 1.193182 MHz are 1716.4 µs.
  assert.ok(Math.abs(clock.now - start - pitNs(0x800)) < 100, `${clock.now - start} ns`);
  assert.ok(polls > 1000);
  assert.equal(pit.gate(2), false, 'port 0x61 restored');
});

test('Linux pit_calibrate_tsc and quick_pit_calibrate: counter 2 one-shot, MSB falls with time, OUT in bit 5', () => {
  const { clock, pit, port } = setup();
  // pit_calibrate_tsc: gate high, speaker off; mode 0 on counter 2; latch = 1193182 / 20 (50 ms).
  outb(port, 0, (inb(port, 0) & ~0x02) | 0x01);
  outb(pit, 3, 0xb0);
  const latch = Math.floor(1193182 / 20);
  outb(pit, 2, latch & 0xff);
  outb(pit, 2, latch >> 8);
  const start = clock.now;
  assert.equal(inb(port, 0) & 0x20, 0);
  clock.now = start + pitNs(latch) - 1;
  assert.equal(inb(port, 0) & 0x20, 0);
  clock.now = start + pitNs(latch);
  assert.equal(inb(port, 0) & 0x20, 0x20, 'terminal count reached after 50 ms');
  assert.ok(Math.abs(clock.now - start - 50_000_000) < 1000);
  // quick_pit_calibrate: count 0xffff, then LSB/MSB pairs whose MSB steps down every 256 clocks.
  outb(pit, 3, 0xb0);
  outb(pit, 2, 0xff);
  outb(pit, 2, 0xff);
  const s2 = clock.now;
  inb(pit, 2);
  assert.equal(inb(pit, 2), 0xff, 'pit_verify_msb(0xff) right after loading');
  for (let i = 1; i < 50; i++) {
    clock.now = s2 + pitNs(256 * i + 10);
    inb(pit, 2);
    assert.equal(inb(pit, 2), 0xff - i);
  }
});
