import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createStdioBackend } from './stdio.js';

/** A fake terminal: a PassThrough with isTTY and a recorded setRawMode. */
function fakeTty(): PassThrough & { isTTY: boolean; modes: boolean[]; setRawMode(m: boolean): void } {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; modes: boolean[]; setRawMode(m: boolean): void };
  s.isTTY = true;
  s.modes = [];
  s.setRawMode = (m: boolean) => { s.modes.push(m); };
  return s;
}

async function tick(): Promise<void> {
  await new Promise((r) => setImmediate(r));
}

test('-nographic stdio: raw terminal, Ctrl-A keys, restored on close', async () => {
  const stdin = fakeTty();
  const stdout = new PassThrough();
  let quits = 0;
  const be = createStdioBackend({ mux: true, actions: { quit: () => { quits++; } }, stdin, stdout });
  assert.deepEqual(stdin.modes, [true]);
  const got: string[] = [];
  be.onInput((d) => got.push(Buffer.from(d).toString('latin1')));
  stdin.write('ab\x03\x01\x01\x01x');
  await tick();
  assert.deepEqual(got, ['ab\x03\x01']);
  assert.equal(quits, 1);
  be.write(Buffer.from('guest says hi\r\n'));
  assert.equal(String(stdout.read()), 'tkvm: Terminated\n\rguest says hi\r\n');
  const sigintListeners = process.listenerCount('SIGINT');
  be.close();
  assert.deepEqual(stdin.modes, [true, false]);
  assert.equal(process.listenerCount('SIGINT'), sigintListeners - 1);
});

test('plain -serial stdio on a terminal: Ctrl-C and Ctrl-\\ still signal tkvm', async () => {
  const stdin = fakeTty();
  const raised: string[] = [];
  const be = createStdioBackend({ mux: false, actions: { quit: () => {} }, stdin, stdout: new PassThrough(), raise: (s) => raised.push(s) });
  const got: string[] = [];
  be.onInput((d) => got.push(Buffer.from(d).toString('latin1')));
  stdin.write('x\x03y\x1c\x01');
  await tick();
  assert.deepEqual(raised, ['SIGINT', 'SIGQUIT']);
  assert.deepEqual(got, ['xy\x01']); // no mux: Ctrl-A is just a byte
  be.close();
});

test('stdio from a pipe: no raw mode, control bytes are data, closed stdout drops output', async () => {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const be = createStdioBackend({ mux: false, actions: { quit: () => {} }, stdin, stdout, raise: () => assert.fail('no signal from a pipe') });
  const got: string[] = [];
  be.onInput((d) => got.push(Buffer.from(d).toString('latin1')));
  stdin.write('\x03\x1c');
  await tick();
  assert.deepEqual(got, ['\x03\x1c']);
  stdout.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
  await tick();
  be.write(Buffer.from('into the void')); // no throw
  be.close();
});
