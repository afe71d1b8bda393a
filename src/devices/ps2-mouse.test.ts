import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingIrqLine } from '../bus/bus-device.js';
import { I8042 } from './i8042.js';
import { Ps2Mouse, PS2_MOUSE_BUTTON, PS2_MOUSE_QUEUE } from './ps2-mouse.js';
import { inb, outb, prng } from './test-util.js';

const DATA = 0, CMD = 4;

/** A controller with a mouse on its aux port, and the port I/O Linux's i8042 + psmouse drivers do. */
function make() {
  const kbdIrq = new RecordingIrqLine();
  const auxIrq = new RecordingIrqLine();
  const mouse: Ps2Mouse = new Ps2Mouse({ onData: () => kbc.auxDataReady() });
  const kbc: I8042 = new I8042({ kbdIrq, auxIrq, aux: mouse, onReset: () => {}, onA20: () => {} });
  /** Reads every waiting byte, checking each comes from the aux port (status bit 5). */
  const drain = (): number[] => {
    const out: number[] = [];
    for (let st = inb(kbc, CMD); st & 1; st = inb(kbc, CMD)) {
      assert.equal(st & 0x20, 0x20, 'byte is marked as aux data');
      out.push(inb(kbc, DATA));
    }
    return out;
  };
  /** Sends bytes to the mouse through controller command 0xD4, collecting the answers. */
  const toMouse = (...bytes: number[]): number[] => {
    const out: number[] = [];
    for (const b of bytes) {
      outb(kbc, CMD, 0xd4);
      outb(kbc, DATA, b);
      out.push(...drain());
    }
    return out;
  };
  outb(kbc, CMD, 0xa8); // enable the aux port
  outb(kbc, CMD, 0x60);
  outb(kbc, DATA, 0x47); // both interrupts, translation
  return { kbc, mouse, auxIrq, kbdIrq, drain, toMouse };
}

test('reset answers ACK, BAT OK and ID 0 on IRQ 12; get ID and status report defaults', () => {
  const { kbc, auxIrq, kbdIrq, toMouse } = make();
  outb(kbc, CMD, 0xd4);
  outb(kbc, DATA, 0xff);
  assert.equal(auxIrq.level, true);
  assert.equal(kbdIrq.level, false);
  assert.deepEqual([inb(kbc, DATA), inb(kbc, DATA), inb(kbc, DATA)], [0xfa, 0xaa, 0x00]);
  assert.equal(auxIrq.level, false);
  assert.deepEqual(toMouse(0xf2), [0xfa, 0x00]);
  assert.deepEqual(toMouse(0xe9), [0xfa, 0x00, 0x02, 100], 'stream mode, disabled, 1:1, 4 counts/mm, 100/s');
  assert.deepEqual(toMouse(0xe8, 3, 0xf3, 40, 0xe7, 0xf4, 0xe9), [0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x30, 3, 40]);
  assert.deepEqual(toMouse(0xf6, 0xe9), [0xfa, 0xfa, 0x00, 0x02, 100], 'set defaults');
});

test('IntelliMouse and Explorer knocks raise the ID to 3 and 4, as psmouse probes them', () => {
  const { toMouse, mouse } = make();
  assert.deepEqual(toMouse(0xf3, 200, 0xf3, 200, 0xf3, 80, 0xf2).slice(-1), [0x00], 'Explorer knock first does nothing');
  assert.deepEqual(toMouse(0xf3, 200, 0xf3, 100, 0xf3, 80, 0xf2), [0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x03]);
  assert.deepEqual(toMouse(0xf3, 200, 0xf3, 200, 0xf3, 80, 0xf2).slice(-1), [0x04]);
  assert.equal(mouse.deviceId, 4);
  assert.deepEqual(toMouse(0xff), [0xfa, 0xaa, 0x00], 'reset returns to a plain mouse');
  assert.equal(mouse.deviceId, 0);
});

test('stream mode packets: buttons, sign bits, Y up, large moves split, nothing while disabled', () => {
  const { mouse, drain, toMouse, auxIrq } = make();
  mouse.move(5, 5, 0, 0);
  assert.deepEqual(drain(), [], 'reporting disabled');
  toMouse(0xf4);
  mouse.move(5, 3, 0, PS2_MOUSE_BUTTON.LEFT);
  assert.equal(auxIrq.level, true);
  assert.deepEqual(drain(), [0x08 | 0x01 | 0x20, 5, 0xfd], 'dy down on screen is negative Y');
  mouse.move(-2, -1, 0, PS2_MOUSE_BUTTON.RIGHT | PS2_MOUSE_BUTTON.MIDDLE);
  assert.deepEqual(drain(), [0x08 | 0x06 | 0x10, 0xfe, 1]);
  mouse.move(300, 0, 0, 0);
  assert.deepEqual(drain(), [0x08, 255, 0, 0x08, 45, 0], 'split into two packets, no motion lost');
  toMouse(0xf5);
  mouse.move(1, 1, 0, 0);
  assert.deepEqual(drain(), []);
});

test('wheel packets: 4th byte for ID 3, nibble plus buttons 4/5 for ID 4', () => {
  const { mouse, drain, toMouse } = make();
  toMouse(0xf3, 200, 0xf3, 100, 0xf3, 80, 0xf4);
  mouse.move(0, 0, -1, 0);
  assert.deepEqual(drain(), [0x08, 0, 0, 0xff]);
  toMouse(0xf3, 200, 0xf3, 200, 0xf3, 80, 0xf4);
  mouse.move(1, 0, 1, PS2_MOUSE_BUTTON.SIDE);
  assert.deepEqual(drain(), [0x08, 1, 0, 0x11]);
});

test('remote mode answers Read Data; wrap mode echoes; 2:1 scaling; unknown commands get RESEND', () => {
  const { mouse, drain, toMouse } = make();
  toMouse(0xf0);
  mouse.move(4, 0, 0, PS2_MOUSE_BUTTON.LEFT);
  assert.deepEqual(drain(), [], 'remote mode sends nothing unasked');
  assert.deepEqual(toMouse(0xeb), [0xfa, 0x09, 4, 0]);
  assert.deepEqual(toMouse(0xea, 0xe7, 0xf4), [0xfa, 0xfa, 0xfa]);
  mouse.move(4, 0, 0, 0);
  assert.deepEqual(drain(), [0x08, 6, 0], '2:1 scaling maps 4 to 6');
  assert.deepEqual(toMouse(0xee, 0x12, 0x34, 0xec), [0xfa, 0x12, 0x34, 0xfa]);
  assert.deepEqual(toMouse(0x42), [0xfe]);
});

test('a guest that never reads: the queue stays bounded and the motion is not lost', () => {
  const { mouse, toMouse, kbc } = make();
  toMouse(0xf4);
  for (let i = 0; i < 1000; i++) mouse.move(1, 0, 0, 0);
  assert.ok(mouse.saveState().queue.length <= PS2_MOUSE_QUEUE);
  let total = 0;
  const bytes: number[] = [];
  while (inb(kbc, CMD) & 1) bytes.push(inb(kbc, DATA));
  for (let i = 0; i + 2 < bytes.length; i += 3) total += bytes[i + 1]!;
  assert.equal(total, 1000);
});

test('random commands and motion never throw; state round-trips', () => {
  const { mouse, kbc } = make();
  const rand = prng(12);
  for (let i = 0; i < 20000; i++) {
    const r = rand() % 4;
    if (r === 0) { outb(kbc, CMD, 0xd4); outb(kbc, DATA, rand() & 0xff); }
    else if (r === 1) mouse.move((rand() % 2001) - 1000, (rand() % 2001) - 1000, (rand() % 5) - 2, rand() & 0x1f);
    else inb(kbc, DATA);
  }
  const copy = new Ps2Mouse();
  copy.loadState(mouse.saveState());
  assert.deepEqual(copy.saveState(), mouse.saveState());
});

test('the controller\'s reset also resets the mouse on its aux port', () => {
  const { kbc, mouse, toMouse } = make();
  toMouse(0xf3, 200, 0xf3, 100, 0xf3, 80, 0xf4);
  assert.equal(mouse.deviceId, 3);
  kbc.reset();
  assert.equal(mouse.deviceId, 0);
  assert.equal(mouse.reporting, false);
});
