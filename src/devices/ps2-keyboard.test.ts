import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ps2Keyboard, PS2_KEY_BUFFER } from './ps2-keyboard.js';
import { prng } from './test-util.js';

function readAll(kbd: Ps2Keyboard): number[] {
  const out: number[] = [];
  for (let b = kbd.readByte(); b !== undefined; b = kbd.readByte()) out.push(b);
  return out;
}

test('command answers go ahead of queued scancodes', () => {
  const kbd = new Ps2Keyboard();
  kbd.pressKey([0x1c]);
  kbd.write(0xee);
  assert.deepEqual(readAll(kbd), [0xee, 0x1c]);
});

test('reset drops queued keys and answers ACK, BAT; resend repeats the last byte', () => {
  const kbd = new Ps2Keyboard();
  kbd.pressKey([0x1c, 0x32]);
  kbd.write(0xf0);
  kbd.write(0x03);
  kbd.write(0xff);
  assert.deepEqual(readAll(kbd), [0xfa, 0xaa]);
  assert.equal(kbd.scancodeSet, 2);
  kbd.write(0xfe);
  assert.deepEqual(readAll(kbd), [0xaa]);
});

test('typematic and LED parameters are consumed as data, not commands', () => {
  const kbd = new Ps2Keyboard();
  kbd.write(0xf3);
  kbd.write(0xff); // a rate byte that looks like RESET
  kbd.write(0xed);
  kbd.write(0xf4); // an LED byte that looks like ENABLE
  assert.deepEqual(readAll(kbd), [0xfa, 0xfa, 0xfa, 0xfa]);
  assert.equal(kbd.leds, 4);
});

test('fuzz: random host bytes never throw and queues stay bounded', () => {
  const kbd = new Ps2Keyboard();
  const rand = prng(2);
  for (let i = 0; i < 20000; i++) {
    if (rand() % 3 === 0) kbd.pressKey([rand() & 0xff]);
    else if (rand() % 2) kbd.write(rand() & 0xff);
    else kbd.readByte();
    const st = kbd.saveState();
    assert.ok(st.keys.length <= PS2_KEY_BUFFER && st.replies.length <= 8);
  }
});
