import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeTarget } from './fake-target.js';
import { qemuCompatVersion, startMonitors, type MonitorStream } from './index.js';

const version = qemuCompatVersion('0.1.0');

/** Reads from a socket until `pattern` has appeared in what arrived. */
function reader(path: string | { port: number; host: string }): { text: () => string; until: (p: RegExp) => Promise<string>; send: (s: string) => void; close: () => void } {
  const sock = typeof path === 'string' ? createConnection(path) : createConnection(path.port, path.host);
  let buf = '';
  let wake: (() => void) | undefined;
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => {
    buf += d;
    wake?.();
  });
  sock.on('error', () => wake?.());
  return {
    text: () => buf,
    until: async (p) => {
      while (!p.test(buf)) await new Promise<void>((r) => (wake = r));
      return buf;
    },
    send: (s) => sock.write(s),
    close: () => sock.destroy(),
  };
}

test('-monitor stdio: the human monitor on a stream', async () => {
  const written: string[] = [];
  let feed: ((d: Uint8Array) => void) | undefined;
  const stdio: MonitorStream = { write: (d) => written.push(Buffer.from(d).toString()), onInput: (h) => (feed = h) };
  const target = new FakeTarget();
  const m = await startMonitors([{ mode: 'readline', endpoint: { kind: 'stdio' } }], { target, version, stdio });
  try {
    assert.equal(written.join(''), "tkvm 0.1.0 monitor - type 'help' for more information\r\n(qemu) ");
    feed!(Buffer.from('info status\n'));
    while (!written.join('').endsWith('running\r\n(qemu) ')) await new Promise((r) => setImmediate(r));
  } finally {
    m.close();
  }
});

test('-monitor unix:...: human monitor sessions on a socket', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-mon-'));
  const path = join(dir, 'm.sock');
  const target = new FakeTarget();
  const m = await startMonitors([{ mode: 'readline', endpoint: { kind: 'unix', path, wait: false } }], { target, version });
  try {
    const a = reader(path);
    await a.until(/\(qemu\) $/);
    a.send('stop\r');
    await a.until(/stop\r\n\(qemu\) $/);
    a.send('info status\r');
    assert.match(await a.until(/VM status: paused\r\n\(qemu\) $/), /VM status: paused/);
    a.close();
    const b = reader(path); // a new client gets its own banner; the VM is as a left it
    await b.until(/\(qemu\) $/);
    b.send('info status\r');
    await b.until(/VM status: paused\r\n\(qemu\) $/);
    b.close();
    assert.deepEqual(target.log, ['stop']);
  } finally {
    m.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('-qmp tcp:...: QMP on a TCP port', async () => {
  const target = new FakeTarget();
  const m = await startMonitors([{ mode: 'control', endpoint: { kind: 'tcp', host: '127.0.0.1', port: 0, wait: false } }], { target, version });
  try {
    const c = reader({ host: '127.0.0.1', port: m.servers[0]!.port! });
    await c.until(/"QMP"/);
    c.send('{"execute":"qmp_capabilities"}{"execute":"query-status","id":7}');
    assert.match(await c.until(/"id": 7/), /\{"return": \{"status": "running", "singlestep": false, "running": true\}, "id": 7\}\r\n$/);
    c.close();
  } finally {
    m.close();
  }
});

test('a server with wait starts only once a client is there, and a bad path is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-mon-'));
  const path = join(dir, 'q.sock');
  const notices: string[] = [];
  try {
    let started = false;
    const starting = startMonitors([{ mode: 'control', endpoint: { kind: 'unix', path, wait: true } }], {
      target: new FakeTarget(),
      version,
      notice: (l) => notices.push(l),
    }).then((m) => {
      started = true;
      return m;
    });
    while (notices.length === 0) await new Promise((r) => setImmediate(r));
    assert.equal(notices[0], `info: tkvm waiting for connection on: disconnected:unix:${path},server=on`);
    assert.equal(started, false);
    const c = reader(path);
    const m = await starting;
    await c.until(/"QMP"/);
    c.close();
    m.close();
    const file = join(dir, 'file');
    writeFileSync(file, 'data');
    await assert.rejects(
      startMonitors([{ mode: 'control', endpoint: { kind: 'unix', path: file, wait: false } }], { target: new FakeTarget(), version }),
      /the path exists and is not a socket/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
