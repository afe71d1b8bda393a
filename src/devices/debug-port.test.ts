import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DebugPort, DEBUGCON_SEABIOS_PORT } from './debug-port.js';
import { inb, outb, prng, randomAccess } from './test-util.js';

test('bytes go to the sink; reads return 0xe9 so SeaBIOS keeps its debug output on', () => {
  const out: number[] = [];
  const port = new DebugPort({ write: (d) => out.push(...d) });
  assert.equal(DEBUGCON_SEABIOS_PORT, 0x402);
  for (const c of 'ok\n') outb(port, 0, c.charCodeAt(0));
  assert.equal(Buffer.from(out).toString(), 'ok\n');
  assert.equal(inb(port, 0), 0xe9);
  const wide = new Uint8Array(2);
  port.read(0, wide);
  assert.deepEqual([...wide], [0xe9, 0xff]);
  port.write(0, Uint8Array.of(0x41, 0x42));
  assert.equal(out.at(-1), 0x41, 'only the first byte of a wide write is ours');
});

test('a configured readback value is honoured', () => {
  const port = new DebugPort({ write: () => {} }, 0x42);
  assert.equal(inb(port, 0), 0x42);
});

test('fuzz: random accesses never throw; one byte out per write', () => {
  let bytes = 0;
  const port = new DebugPort({ write: (d) => { bytes += d.length; } });
  const rand = prng(0xe9);
  for (let i = 0; i < 5000; i++) {
    randomAccess(port, rand, 1);
    assert.equal(inb(port, 0), 0xe9);
  }
  assert.ok(bytes > 0 && bytes < 5000);
});
