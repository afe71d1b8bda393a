import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { CharDevError } from './errors.js';
import { createCharBackend } from './create.js';

const actions = { quit: () => {} };
const dir = mkdtempSync(join(tmpdir(), 'tkvm-sock-'));

/** Collects what a socket receives until `text` has arrived. */
async function readUntil(sock: Socket, text: string): Promise<string> {
  let got = '';
  while (!got.includes(text)) got += String((await once(sock, 'data'))[0]);
  return got;
}

test('server,wait=off: round trip, output without a client is dropped, next client is served', async () => {
  const path = join(dir, 'a.sock');
  const be = createCharBackend({ kind: 'unix', path, server: true, wait: false }, { actions });
  await be.ready();
  const input: string[] = [];
  be.onInput((d) => input.push(Buffer.from(d).toString()));
  be.write(Buffer.from('before any client\n')); // dropped, as QEMU does

  const c1 = createConnection(path);
  await once(c1, 'connect');
  const c2 = createConnection(path); // waits its turn, like QEMU's listen backlog
  await once(c2, 'connect');
  c1.write('root\n');
  while (input.length === 0) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(input, ['root\n']);
  be.write(Buffer.from('login: '));
  assert.equal(await readUntil(c1, 'login: '), 'login: ');

  c1.destroy(); // the first client leaves; the waiting one takes over
  await new Promise((r) => setTimeout(r, 50));
  be.write(Buffer.from('hello c2'));
  assert.equal(await readUntil(c2, 'hello c2'), 'hello c2');
  c2.destroy();
  await new Promise((r) => setTimeout(r, 20));
  be.write(Buffer.from('nobody listens')); // closed peer: no throw
  be.close();
  assert.equal(existsSync(path), false, 'the socket file is removed on close');
});

test('server with wait: ready() settles only when a client connects', async () => {
  const path = join(dir, 'w.sock');
  const notices: string[] = [];
  const be = createCharBackend({ kind: 'unix', path, server: true, wait: true }, { actions, notice: (l) => notices.push(l) });
  let ready = false;
  void be.ready().then(() => { ready = true; });
  while (!existsSync(path)) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(ready, false);
  assert.deepEqual(notices, [`info: tkvm waiting for connection on: disconnected:unix:${path},server=on`]);
  const c = createConnection(path);
  await be.ready();
  be.write(Buffer.from('boot'));
  assert.equal(await readUntil(c, 'boot'), 'boot');
  c.destroy();
  be.close();
});

test('server replaces a socket left at PATH (as QEMU does) but never a regular file', async () => {
  const stale = join(dir, 'stale.sock');
  const keep = createServer();
  keep.listen(stale);
  await once(keep, 'listening');
  const be = createCharBackend({ kind: 'unix', path: stale, server: true, wait: false }, { actions });
  await be.ready();
  be.close();
  keep.close();

  const file = join(dir, 'data.txt');
  writeFileSync(file, 'precious');
  assert.throws(() => createCharBackend({ kind: 'unix', path: file, server: true, wait: false }, { actions }), CharDevError);
  assert.equal(existsSync(file), true);
});

test('client mode connects to a listening peer; a missing one fails like QEMU', async () => {
  const path = join(dir, 'peer.sock');
  const peer = createServer();
  const accepted = once(peer, 'connection');
  peer.listen(path);
  await once(peer, 'listening');
  const be = createCharBackend({ kind: 'unix', path, server: false, wait: false }, { actions });
  await be.ready();
  const [sock] = (await accepted) as [Socket];
  const input: string[] = [];
  be.onInput((d) => input.push(Buffer.from(d).toString()));
  be.write(Buffer.from('to peer'));
  assert.equal(await readUntil(sock, 'to peer'), 'to peer');
  sock.write('from peer');
  while (input.length === 0) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(input, ['from peer']);
  sock.destroy();
  await new Promise((r) => setTimeout(r, 20));
  be.write(Buffer.from('peer gone')); // no throw
  be.close();
  peer.close();

  const missing = join(dir, 'missing.sock');
  const bad = createCharBackend({ kind: 'unix', path: missing, server: false, wait: false }, { actions });
  await assert.rejects(bad.ready(), { message: `Failed to connect to '${missing}': No such file or directory` });
  bad.close();
});

test('server in a missing directory: ready() rejects naming the path', async () => {
  const path = join(dir, 'no-such-dir', 's.sock');
  const be = createCharBackend({ kind: 'unix', path, server: true, wait: false }, { actions });
  await assert.rejects(be.ready(), { message: `Failed to bind socket to '${path}': No such file or directory` });
  be.close();
});
