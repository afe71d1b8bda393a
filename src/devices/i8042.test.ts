import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingIrqLine } from '../bus/bus-device.js';
import { I8042 } from './i8042.js';
import { inb, outb, prng, randomAccess } from './test-util.js';

const DATA = 0, CMD = 4;

function make() {
  const kbdIrq = new RecordingIrqLine();
  const auxIrq = new RecordingIrqLine();
  const events: string[] = [];
  const kbc = new I8042({
    kbdIrq, auxIrq,
    onReset: () => events.push('reset'),
    onA20: (on) => events.push(on ? 'a20-on' : 'a20-off'),
  });
  /** Sends a controller command (and its data byte) and collects every byte it answers. */
  const command = (cmd: number, arg?: number): number[] => {
    outb(kbc, CMD, cmd);
    if (arg !== undefined) outb(kbc, DATA, arg);
    return drain();
  };
  const drain = (): number[] => {
    const out: number[] = [];
    while (inb(kbc, CMD) & 1) out.push(inb(kbc, DATA));
    return out;
  };
  const toKeyboard = (...bytes: number[]): number[] => {
    const out: number[] = [];
    for (const b of bytes) {
      outb(kbc, DATA, b);
      out.push(...drain());
    }
    return out;
  };
  return { kbc, kbdIrq, auxIrq, events, command, drain, toKeyboard };
}

test('self-test, interface tests and the system flag', () => {
  const { kbc, command } = make();
  assert.equal(inb(kbc, CMD) & 0x04, 0, 'SYS clear at power-on');
  assert.deepEqual(command(0xaa), [0x55]);
  assert.equal(inb(kbc, CMD) & 0x04, 0x04, 'SYS set after self-test');
  assert.deepEqual(command(0xab), [0x00]);
  assert.deepEqual(command(0xa9), [0x00]);
});

test('command byte read/write; status CMD bit tracks the last port written', () => {
  const { kbc, command } = make();
  assert.deepEqual(command(0x20), [0x03]);
  assert.equal(inb(kbc, CMD) & 0x08, 0x08);
  command(0x60, 0x65);
  assert.equal(inb(kbc, CMD) & 0x08, 0x00);
  assert.deepEqual(command(0x20), [0x65]);
  command(0x75, 0x12);
  assert.deepEqual(command(0x35), [0x12], 'internal RAM');
  command(0xad);
  assert.equal(kbc.commandByte & 0x10, 0x10);
  command(0xae);
  assert.equal(kbc.commandByte & 0x10, 0);
  command(0xa7);
  assert.equal(kbc.commandByte & 0x20, 0x20);
  command(0xa8);
  assert.equal(kbc.commandByte & 0x20, 0);
});

test('keyboard reset answers ACK then BAT with IRQ 1 edges', () => {
  const { kbc, kbdIrq, drain } = make();
  outb(kbc, DATA, 0xff);
  assert.equal(kbdIrq.level, true);
  assert.equal(inb(kbc, DATA), 0xfa);
  assert.equal(kbdIrq.level, true, 'next byte loaded at once');
  assert.equal(inb(kbc, DATA), 0xaa);
  assert.equal(kbdIrq.level, false);
  assert.equal(kbdIrq.edges, 2);
  assert.deepEqual(drain(), []);
});

test('keyboard identify, LEDs, scancode set, with and without translation', () => {
  const { kbc, command, toKeyboard } = make();
  assert.deepEqual(toKeyboard(0xf2), [0xfa, 0xab, 0x83]);
  assert.deepEqual(toKeyboard(0xf0, 0x00), [0xfa, 0xfa, 0x02]);
  command(0x60, 0x41);
  assert.deepEqual(toKeyboard(0xf2), [0xfa, 0xab, 0x41], 'translated ID as Linux atkbd expects');
  assert.deepEqual(toKeyboard(0xf0, 0x00), [0xfa, 0xfa, 0x41]);
  assert.deepEqual(toKeyboard(0xed, 0x07), [0xfa, 0xfa]);
  assert.equal(kbc.keyboard.leds, 7);
  assert.deepEqual(toKeyboard(0xf0, 0x01), [0xfa, 0xfa]);
  assert.equal(kbc.keyboard.scancodeSet, 1);
  assert.deepEqual(toKeyboard(0xf0, 0x09), [0xfa, 0xfe], 'invalid set refused');
  assert.deepEqual(toKeyboard(0xf6), [0xfa]);
  assert.equal(kbc.keyboard.scancodeSet, 2, 'defaults restore set 2');
  assert.deepEqual(toKeyboard(0xee), [0xee]);
  assert.deepEqual(toKeyboard(0x01), [0xfe], 'unknown command: resend');
});

test('key presses reach the guest, translated to set 1 when XLATE is on', () => {
  const { kbc, command, drain, kbdIrq } = make();
  assert.equal(kbc.pressKey([0x1c]), true); // 'A' make, set 2
  assert.equal(kbc.pressKey([0xf0, 0x1c]), true); // 'A' break
  assert.equal(kbdIrq.level, true);
  assert.deepEqual(drain(), [0x1c, 0xf0, 0x1c]);
  command(0x60, 0x44); // XLATE | SYS, keyboard interrupt off
  kbc.pressKey([0x1c]);
  kbc.pressKey([0xf0, 0x1c]);
  kbc.pressKey([0xe0, 0x75]); // cursor up
  assert.equal(kbdIrq.level, false, 'KBD_INT off: no IRQ');
  assert.deepEqual(drain(), [0x1e, 0x9e, 0xe0, 0x48]);
});

test('disabled keyboard port holds keys until re-enabled; F5 stops scanning', () => {
  const { kbc, command, drain, toKeyboard } = make();
  command(0xad);
  kbc.pressKey([0x29]);
  assert.deepEqual(drain(), []);
  assert.deepEqual(command(0xae), [0x29]);
  assert.deepEqual(toKeyboard(0xf5), [0xfa]);
  assert.equal(kbc.pressKey([0x29]), false);
  assert.deepEqual(toKeyboard(0xf4), [0xfa]);
  assert.equal(kbc.pressKey([0x29]), true);
  command(0xad); // hold keys in the keyboard so its buffer fills
  let accepted = 0;
  while (kbc.pressKey([0x15])) accepted++;
  assert.equal(accepted, 16, 'sixteen-byte buffer (the earlier key sits in the output buffer)');
});

test('0xD2 injects a byte as if from the keyboard (untranslated, IRQ 1)', () => {
  const { kbc, kbdIrq, command } = make();
  command(0x60, 0x41);
  outb(kbc, CMD, 0xd2);
  outb(kbc, DATA, 0x1c);
  assert.equal(kbdIrq.level, true);
  assert.equal(inb(kbc, CMD) & 0x20, 0);
  assert.equal(inb(kbc, DATA), 0x1c);
});

test('A20 through the output port and the 0xDD/0xDF commands', () => {
  const { kbc, command, events } = make();
  assert.equal(kbc.a20Enabled, true);
  assert.deepEqual(command(0xd0), [0xcf]);
  command(0xd1, 0xcd);
  assert.equal(kbc.a20Enabled, false);
  command(0xdf);
  command(0xdd);
  command(0xdd);
  assert.deepEqual(events, ['a20-off', 'a20-on', 'a20-off'], 'only changes are reported');
  assert.deepEqual(command(0xd0), [0xcd]);
});

test('reset paths: output port bit 0, 0xFE and the 0xF0-0xFF pulses', () => {
  const { command, events } = make();
  command(0xfe);
  command(0xff); // pulses nothing
  command(0xf0);
  command(0xfd); // bit 0 not pulsed
  command(0xd1, 0xce);
  assert.deepEqual(events, ['reset', 'reset', 'reset']);
});

test('Linux i8042 probe: flush, self-test, CTR, MUX and AUX checks finish without stalls', () => {
  const { kbc, auxIrq, command, drain } = make();
  kbc.pressKey([0x1c]);
  drain(); // i8042_flush
  assert.deepEqual(command(0xaa), [0x55]);
  const [ctr] = command(0x20);
  const newCtr = (ctr! & ~0x01) | 0x10;
  command(0x60, newCtr);
  assert.deepEqual(command(0x20), [newCtr]);
  // MUX probe: the echoes come back unchanged, so this is not an active multiplexer.
  for (const v of [0xf0, 0x56, 0xa4]) {
    outb(kbc, CMD, 0xd3);
    outb(kbc, DATA, v);
    assert.equal(inb(kbc, CMD) & 0x21, 0x21, 'AUX data in the output buffer');
    assert.equal(inb(kbc, DATA), v);
  }
  // AUX check: loop, then toggle the port through CTR, then the IRQ 12 test.
  assert.deepEqual(command(0xd3, 0x5a), [0x5a]);
  command(0x60, newCtr | 0x20);
  assert.deepEqual(command(0x20), [newCtr | 0x20]);
  command(0x60, (newCtr & ~0x20) | 0x02);
  outb(kbc, CMD, 0xd3);
  outb(kbc, DATA, 0xa5);
  assert.equal(auxIrq.level, true, 'IRQ 12 fires for the looped byte');
  assert.equal(inb(kbc, DATA), 0xa5);
  assert.equal(auxIrq.level, false);
  // psmouse with nothing on the port: commands are answered at once.
  assert.deepEqual(command(0xd4, 0xff), [0xfe]);
});

test('saveState/loadState round-trips controller and keyboard', () => {
  const a = make();
  a.command(0x60, 0x47);
  a.toKeyboard(0xed, 0x02);
  a.kbc.pressKey([0x1c]);
  const b = make();
  b.kbc.loadState(structuredClone(a.kbc.saveState()));
  assert.equal(b.kbc.commandByte, 0x47);
  assert.equal(b.kbc.keyboard.leds, 2);
  assert.equal(b.kbdIrq.level, true);
  assert.deepEqual(b.drain(), [0x1e]);
});

test('separate port views reach the same controller', () => {
  const { kbc } = make();
  outb(kbc.commandPort, 0, 0xaa);
  assert.equal(inb(kbc.commandPort, 0) & 1, 1);
  assert.equal(inb(kbc.dataPort, 0), 0x55);
});

test('fuzz: random accesses never throw; IRQ lines follow the output buffer', () => {
  const { kbc, kbdIrq, auxIrq, events } = make();
  const rand = prng(8042);
  for (let i = 0; i < 20000; i++) {
    const r = rand() % 10;
    if (r === 0) kbc.pressKey(Array.from({ length: 1 + (rand() % 3) }, () => rand() & 0xff));
    else if (r === 1) outb(kbc, CMD, 0xa0 + (rand() % 0x60));
    else randomAccess(kbc, rand, 5);
    const st = kbc.saveState();
    assert.equal(kbdIrq.level, st.outFull && !st.outFromAux && (st.ram[0]! & 1) !== 0, `step ${i}`);
    assert.equal(auxIrq.level, st.outFull && st.outFromAux && (st.ram[0]! & 2) !== 0, `step ${i}`);
    assert.equal((inb(kbc, CMD) & 1) === 1, st.outFull);
  }
  assert.ok(events.length > 0, 'the fuzzer reached the reset/A20 paths');
});
