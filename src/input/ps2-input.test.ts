import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingIrqLine } from '../bus/bus-device.js';
import { POINTER_BUTTON } from '../display/display.js';
import { I8042 } from '../devices/i8042.js';
import { Ps2Mouse } from '../devices/ps2-mouse.js';
import { inb, outb } from '../devices/test-util.js';
import { Ps2InputSink, POINTER_WHEEL } from './ps2-input.js';
import { keysymToQcode } from './keymap.js';

function make() {
  const mouse: Ps2Mouse = new Ps2Mouse({ onData: () => kbc.auxDataReady() });
  const kbc: I8042 = new I8042({ kbdIrq: new RecordingIrqLine(), auxIrq: new RecordingIrqLine(), aux: mouse, onReset: () => {}, onA20: () => {} });
  const logs: string[] = [];
  const sink = new Ps2InputSink(kbc, mouse, (m) => logs.push(m));
  const drain = (): number[] => {
    const out: number[] = [];
    while (inb(kbc, 4) & 1) out.push(inb(kbc, 0));
    return out;
  };
  return { kbc, mouse, sink, drain, logs };
}

test('a shifted character typed through a VNC keysym reaches the guest as set 1 scancodes (translation on)', () => {
  const { kbc, sink, drain } = make();
  outb(kbc, 4, 0x60);
  outb(kbc, 0, 0x45);
  sink.key(keysymToQcode(0xffe1)!, true);
  sink.key(keysymToQcode(0x21)!, true); // "!"
  sink.key(keysymToQcode(0x21)!, false);
  sink.key(keysymToQcode(0xffe1)!, false);
  assert.deepEqual(drain(), [0x2a, 0x02, 0x82, 0xaa]);
});

test('without translation the keyboard sends the set the guest selected', () => {
  const { kbc, sink, drain } = make();
  outb(kbc, 4, 0x60);
  outb(kbc, 0, 0x05); // translation off
  sink.key('ret', true);
  sink.key('ret', false);
  assert.deepEqual(drain(), [0x5a, 0xf0, 0x5a], 'set 2');
  outb(kbc, 0, 0xf0);
  outb(kbc, 0, 0x01); // select set 1
  assert.deepEqual(drain(), [0xfa, 0xfa]);
  sink.key('ret', true);
  sink.key('kp_enter', false);
  assert.deepEqual(drain(), [0x1c, 0xe0, 0x9c], 'set 1');
});

test('unknown keys and a keyboard with scanning off are reported, not thrown', () => {
  const { kbc, sink, drain, logs } = make();
  sink.key('no_such_key', true);
  outb(kbc, 0, 0xf5); // disable scanning
  drain();
  sink.key('a', true);
  assert.deepEqual(drain(), []);
  assert.equal(logs.length, 2, logs.join('\n'));
});

test('pointer buttons map onto PS/2 bits and wheel presses become wheel steps', () => {
  const { kbc, sink, drain } = make();
  const toMouse = (...bytes: number[]): void => {
    for (const b of bytes) { outb(kbc, 4, 0xd4); outb(kbc, 0, b); }
    drain();
  };
  toMouse(0xf3, 200, 0xf3, 100, 0xf3, 80, 0xf4);
  sink.pointer(3, -2, POINTER_BUTTON.LEFT | POINTER_BUTTON.MIDDLE);
  assert.deepEqual(drain(), [0x08 | 0x01 | 0x04, 3, 2, 0]);
  sink.pointer(0, 0, POINTER_BUTTON.RIGHT | POINTER_WHEEL.UP);
  sink.pointer(0, 0, POINTER_BUTTON.RIGHT | POINTER_WHEEL.UP); // still held: no second step
  sink.pointer(0, 0, POINTER_WHEEL.DOWN);
  assert.deepEqual(drain(), [0x0a, 0, 0, 0xff, 0x0a, 0, 0, 0, 0x08, 0, 0, 1]);
});
