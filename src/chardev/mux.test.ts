import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MUX_HELP, MuxState, NO_MONITOR } from './mux.js';

function harness(extra: Partial<ConstructorParameters<typeof MuxState>[0]> = {}) {
  const printed: string[] = [];
  const calls: string[] = [];
  const mux = new MuxState({ quit: () => calls.push('quit'), ...extra }, (t) => printed.push(t));
  const feed = (s: string): string => Buffer.from(mux.input(Buffer.from(s, 'latin1'))).toString('latin1');
  return { mux, printed, calls, feed };
}

test('plain bytes pass through; Ctrl-A Ctrl-A sends one Ctrl-A', () => {
  const h = harness();
  assert.equal(h.feed('ls -l\r'), 'ls -l\r');
  assert.equal(h.feed('a\x01\x01b'), 'a\x01b');
  assert.equal(h.feed('\x03'), '\x03'); // Ctrl-C reaches the guest under -nographic, as in QEMU
});

test('the escape may be split across reads', () => {
  const h = harness();
  assert.equal(h.feed('x\x01'), 'x');
  assert.equal(h.feed('x'), '');
  assert.deepEqual(h.calls, ['quit']);
  assert.deepEqual(h.printed, ['tkvm: Terminated\n\r']);
});

test('Ctrl-A h and ? print QEMU\'s key help; unknown keys are dropped', () => {
  const h = harness();
  assert.equal(h.feed('\x01h\x01?\x01zq'), 'q');
  assert.deepEqual(h.printed, [MUX_HELP, MUX_HELP]);
  assert.match(MUX_HELP, /C-a x {4}exit emulator\n\r/);
  assert.match(MUX_HELP, /C-a C-a {2}sends C-a\n\r$/);
});

test('Ctrl-A c without a monitor says so and keeps the console', () => {
  const h = harness();
  assert.equal(h.feed('\x01cabc'), 'abc');
  assert.deepEqual(h.printed, [NO_MONITOR]);
  assert.equal(h.mux.focused, 'serial');
});

test('Ctrl-A c with a monitor moves typed bytes there and back', () => {
  const monitor: string[] = [];
  const h = harness({ monitorInput: (d) => monitor.push(Buffer.from(d).toString()) });
  assert.equal(h.feed('a\x01cinfo\r\x01cb'), 'ab');
  assert.deepEqual(monitor, ['info\r']);
});

test('Ctrl-A c tells the monitor when it gains and loses the terminal, in order with its input', () => {
  const seen: string[] = [];
  const h = harness({ monitorInput: (d) => seen.push(Buffer.from(d).toString()), monitorFocus: (f) => seen.push(f ? 'in' : 'out') });
  assert.equal(h.feed('a\x01cinfo\r\x01cb'), 'ab');
  assert.deepEqual(seen, ['in', 'info\r', 'out']);
});

test('Ctrl-A b and s call their actions, or explain they are missing', () => {
  const h = harness({ sendBreak: () => h.calls.push('break'), commitDisks: () => h.calls.push('commit') });
  h.feed('\x01b\x01s');
  assert.deepEqual(h.calls, ['break', 'commit']);
  const bare = harness();
  bare.feed('\x01b\x01s');
  assert.equal(bare.printed.length, 2);
  assert.match(bare.printed[0] ?? '', /sending a break is not supported yet/);
});

test('Ctrl-A t stamps output lines from the first stamped line on', () => {
  const h = harness();
  const out = (s: string, ms: number): string => Buffer.from(h.mux.output(Buffer.from(s), ms)).toString();
  assert.equal(out('a\n', 0), 'a\n');
  h.feed('\x01t');
  assert.equal(out('b\nc', 1000), 'b\n[00:00:00.000] c');
  assert.equal(out('\nd\n', 3_724_004), '\n[01:02:03.004] d\n');
  h.feed('\x01t');
  assert.equal(out('e\n', 5000), 'e\n');
});
