import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostFile } from './host-file.js';
import { BlockError } from './driver.js';
import { openImage } from './open.js';
import { qcowFormat } from './formats/qcow/index.js';

const noQemu = spawnSync('qemu-img', ['--version']).status === 0 ? false : 'qemu-img not installed';

function scratch(): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-lock-'));
  const path = join(dir, 'disk.img');
  writeFileSync(path, Buffer.alloc(4096));
  return { path, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('a second writer of a qcow image fails with qemu\'s message; readers share', async () => {
  const s = scratch();
  await qcowFormat.create(s.path, { size: 1 << 20 });
  const w = await openImage(s.path, { readOnly: false });
  await assert.rejects(openImage(s.path, { readOnly: false }), (e: unknown) =>
    e instanceof BlockError && e.kind === 'locked' && e.message.startsWith('Failed to get "write" lock\n'));
  await assert.rejects(openImage(s.path, { readOnly: true }), /Failed to get shared "write" lock/);
  await w.driver.close();
  const r1 = await openImage(s.path, { readOnly: true });
  const r2 = await openImage(s.path, { readOnly: true });
  await assert.rejects(openImage(s.path, { readOnly: false }), /Failed to get "write" lock/);
  await r1.driver.close();
  await r2.driver.close();
  const again = await openImage(s.path, { readOnly: false, lock: true });
  await again.driver.close();
  s.done();
});

test('raw files may be shared by writers, as with qemu-img', async () => {
  const s = scratch();
  const a = await HostFile.open(s.path, false, true, false);
  const b = await HostFile.open(s.path, false, true, false);
  await a.close();
  await b.close();
  s.done();
});

test('qemu-img sees our qcow write lock (same OFD lock bytes)', { skip: noQemu }, async () => {
  const s = scratch();
  await qcowFormat.create(s.path, { size: 1 << 20 });
  const w = await openImage(s.path, { readOnly: false });
  const r = spawnSync('qemu-img', ['info', s.path], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Failed to get shared "write" lock/);
  assert.equal(spawnSync('qemu-img', ['info', '-U', s.path]).status, 0);
  await w.driver.close();
  assert.equal(spawnSync('qemu-img', ['info', s.path]).status, 0);
  s.done();
});

test('we see qemu-io\'s write lock', { skip: noQemu }, async () => {
  const s = scratch();
  await qcowFormat.create(s.path, { size: 1 << 20 });
  // qemu-io reads commands from stdin and holds the image open until stdin closes; once it has
  // answered a command, the image is open.
  const child = spawn('qemu-io', ['-f', 'qcow', s.path], { stdio: ['pipe', 'pipe', 'ignore'] });
  const answered = new Promise((res) => child.stdout.once('data', res));
  child.stdin.write('help\n');
  await answered;
  const err = await openImage(s.path, { readOnly: false }).then((img) => img.driver.close(), (e: unknown) => e);
  child.stdin.end('quit\n');
  await new Promise((res) => child.on('exit', res));
  assert.ok(err instanceof BlockError && err.kind === 'locked', String(err));
  s.done();
});

test('creating over an image that is in use fails and leaves it intact', async () => {
  const s = scratch();
  await qcowFormat.create(s.path, { size: 1 << 20 });
  const w = await openImage(s.path, { readOnly: false });
  await w.driver.write(0, Buffer.alloc(4096, 1));
  await assert.rejects(qcowFormat.create(s.path, { size: 2 << 20 }), /Failed to get "write" lock/);
  const back = Buffer.alloc(4096);
  await w.driver.read(0, back);
  assert.ok(back.every((b) => b === 1));
  assert.equal((await w.driver.getInfo()).virtualSize, 1 << 20);
  await w.driver.close();
  s.done();
});
