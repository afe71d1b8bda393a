import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingIrqLine } from '../bus/bus-device.js';
import { I8042 } from '../devices/i8042.js';
import { inb, outb } from '../devices/test-util.js';
import { QKEYCODES, isQKeyCode, keysymToQcode, numberToQcode, parseHmpKeys, qcodeToNumber, scancodes } from './keymap.js';

test('scancodes in sets 1 and 2 for plain, extended and special keys', () => {
  assert.deepEqual(scancodes('a', true, 1), [0x1e]);
  assert.deepEqual(scancodes('a', false, 1), [0x9e]);
  assert.deepEqual(scancodes('a', true, 2), [0x1c]);
  assert.deepEqual(scancodes('a', false, 2), [0xf0, 0x1c]);
  assert.deepEqual(scancodes('up', true, 1), [0xe0, 0x48]);
  assert.deepEqual(scancodes('up', false, 1), [0xe0, 0xc8]);
  assert.deepEqual(scancodes('up', false, 2), [0xe0, 0xf0, 0x75]);
  assert.deepEqual(scancodes('ctrl_r', true, 2), [0xe0, 0x14]);
  assert.deepEqual(scancodes('f7', true, 2), [0x83]);
  assert.deepEqual(scancodes('print', true, 1), [0xe0, 0x2a, 0xe0, 0x37]);
  assert.deepEqual(scancodes('pause', true, 2), [0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77]);
  assert.deepEqual(scancodes('pause', false, 1), [], 'Pause has no break code');
  assert.equal(scancodes('nosuchkey', true, 1), undefined);
});

test('every key\'s set 2 codes, through the 8042 with translation on, arrive as its set 1 codes', () => {
  const kbc = new I8042({ kbdIrq: new RecordingIrqLine(), onReset: () => {}, onA20: () => {} });
  outb(kbc, 4, 0x60);
  outb(kbc, 0, 0x45); // interrupts on, translation on (as BIOSes leave it)
  const drain = (): number[] => {
    const out: number[] = [];
    while (inb(kbc, 4) & 1) out.push(inb(kbc, 0));
    return out;
  };
  for (const q of QKEYCODES) {
    for (const down of [true, false]) {
      assert.ok(kbc.pressKey(scancodes(q, down, 2)!));
      assert.deepEqual(drain(), scancodes(q, down, 1), `${q} ${down ? 'make' : 'break'}`);
    }
  }
});

test('X11 keysyms map to the US key that types them; shifted symbols to the unshifted key', () => {
  const cases: Array<[number, string]> = [
    [0x61, 'a'], [0x41, 'a'], [0x31, '1'], [0x21, '1'], [0x40, '2'], [0x5f, 'minus'], [0x2b, 'equal'],
    [0x7b, 'bracket_left'], [0x7c, 'backslash'], [0x3a, 'semicolon'], [0x22, 'apostrophe'], [0x7e, 'grave_accent'],
    [0x3c, 'comma'], [0x3f, 'slash'], [0x20, 'spc'], [0xff0d, 'ret'], [0xff1b, 'esc'], [0xff08, 'backspace'],
    [0xff09, 'tab'], [0xffe1, 'shift'], [0xffe4, 'ctrl_r'], [0xffe9, 'alt'], [0xff52, 'up'], [0xffff, 'delete'],
    [0xffbe, 'f1'], [0xffc9, 'f12'], [0xffb7, 'kp_7'], [0xff8d, 'kp_enter'], [0xffeb, 'meta_l'],
  ];
  for (const [sym, q] of cases) assert.equal(keysymToQcode(sym), q, `keysym 0x${sym.toString(16)}`);
  assert.equal(keysymToQcode(0x20ac), undefined, 'the euro sign has no key of its own');
  // Every mapped keysym names a key the keyboard can send.
  for (let sym = 0; sym < 0x10000; sym++) {
    const q = keysymToQcode(sym);
    if (q !== undefined) assert.ok(isQKeyCode(q), q);
  }
});

test('HMP sendkey syntax becomes qcodes; QEMU key numbers round-trip', () => {
  assert.deepEqual(parseHmpKeys('ctrl-alt-delete'), ['ctrl', 'alt', 'delete']);
  assert.deepEqual(parseHmpKeys('shift-a'), ['shift', 'a']);
  assert.deepEqual(parseHmpKeys('0x1d-0x38-0xd3'), ['ctrl', 'alt', 'delete']);
  assert.deepEqual(parseHmpKeys('Ctrl-F1'), ['ctrl', 'f1']);
  assert.throws(() => parseHmpKeys('ctrl-foo'), /unknown key 'foo'/);
  assert.throws(() => parseHmpKeys(''), /no key/);
  assert.equal(qcodeToNumber('ret'), 0x1c);
  assert.equal(qcodeToNumber('delete'), 0xd3);
  assert.equal(numberToQcode(0xc8), 'up');
  for (const q of QKEYCODES) {
    const n = qcodeToNumber(q)!;
    const back = numberToQcode(n)!;
    assert.equal(qcodeToNumber(back), n, q); // menu and compose share a code
  }
});
