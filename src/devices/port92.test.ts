import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Port92 } from './port92.js';
import { inb, outb, prng } from './test-util.js';

function make() {
  const events: string[] = [];
  const port = new Port92({ onReset: () => events.push('reset'), onA20: (on) => events.push(on ? 'a20-on' : 'a20-off') });
  return { port, events };
}

test('bit 1 drives A20 and reads back', () => {
  const { port, events } = make();
  outb(port, 0, 0x02);
  assert.equal(inb(port, 0), 0x02);
  outb(port, 0, 0x00);
  assert.deepEqual(events, ['a20-on', 'a20-off']);
});

test('a rising edge of bit 0 resets; holding it high does not repeat until reset()', () => {
  const { port, events } = make();
  outb(port, 0, 0x03);
  outb(port, 0, 0x03);
  assert.deepEqual(events.filter((e) => e === 'reset').length, 1);
  port.reset();
  assert.equal(inb(port, 0), 0x02);
  outb(port, 0, 0x01);
  assert.deepEqual(events.filter((e) => e === 'reset').length, 2);
});

test('fuzz: random accesses never throw; reads return the first byte last written', () => {
  const { port, events } = make();
  const rand = prng(92);
  let expected = 0;
  for (let i = 0; i < 5000; i++) {
    const data = Uint8Array.from({ length: [1, 2, 4][rand() % 3]! }, () => rand() & 0xff);
    if (rand() & 1) {
      port.write(0, data);
      expected = data[0]!;
    } else port.read(0, data);
    assert.equal(inb(port, 0), expected);
  }
  assert.ok(events.includes('reset'));
});
