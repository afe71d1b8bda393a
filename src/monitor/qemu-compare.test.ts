/**
 * The same QMP script against real QEMU 7.2 (qemu-system-x86_64 -M pc -no-acpi with an IDE
 * disk and CD-ROM, TCG, stopped with -S) and against tkvm's server with a fake machine in the
 * same state: replies must have the same shapes (member names, recursively) and, where the
 * script says so, the same values; errors the same class and text; events the same names and
 * data members. Commands where tkvm differs on purpose (system_powerdown without ACPI) are
 * not in the script. Skipped when qemu-system-x86_64 is not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeTarget } from './fake-target.js';
import { qemuCompatVersion, startMonitors } from './index.js';
import { QmpClient, type QmpLine } from './qmp-client.js';

const QEMU = 'qemu-system-x86_64';
const haveQemu = spawnSync(QEMU, ['--version']).status === 0;

type Step =
  | { readonly send: string; readonly args?: Record<string, unknown>; readonly compare: 'shape' | 'exact' }
  | { readonly raw: string; readonly compare: 'exact' };

function script(dir: string): Step[] {
  const cd2 = join(dir, 'cd2.iso');
  const hmp = (line: string): Step => ({ send: 'human-monitor-command', args: { 'command-line': line }, compare: 'exact' });
  return [
    { send: 'query-status', compare: 'exact' },
    { send: 'query-version', compare: 'shape' },
    { send: 'query-name', compare: 'exact' },
    { send: 'query-block', compare: 'shape' },
    { send: 'nosuch', compare: 'exact' },
    { send: 'qmp_capabilities', compare: 'exact' },
    { send: 'query-status', args: { x: 1 }, compare: 'exact' },
    { raw: '{"foo":1}\n', compare: 'exact' },
    { raw: '[1,2]\n', compare: 'exact' },
    { raw: '{}\n', compare: 'exact' },
    { raw: '{"execute":1}\n', compare: 'exact' },
    { raw: '{"execute":"stop","arguments":[]}\n', compare: 'exact' },
    { raw: '{"execute":"stop","exec-oob":"x"}\n', compare: 'exact' },
    { raw: '{"execute":"stop" xx}\n', compare: 'exact' },
    { raw: 'nul\n', compare: 'exact' },
    { raw: '@\n', compare: 'exact' },
    { raw: '{"execute":"query-name","id":true,"id":false}\n', compare: 'exact' },
    { raw: "{'execute':'query-name','id':'it\\'s'}\n", compare: 'exact' },
    { raw: '{"execute":"query-name","id":"\\u12"}\n', compare: 'exact' },
    { raw: '{"execute":"query-name","id":"\\ud83d\\ude00\\u00e9\\u0001"}\n', compare: 'exact' },
    { raw: '{"execute":"query-name","id":"\\udc00x"}\n', compare: 'exact' },
    { raw: '{"execute":"query-name","id":[1.5e3,-12,1a]}\n', compare: 'exact' },
    { raw: '{"execute":"query-name","id":{"a":[]}} ', compare: 'exact' },
    { send: 'cont', compare: 'exact' },
    { send: 'query-status', compare: 'exact' },
    { send: 'stop', compare: 'exact' },
    { send: 'system_reset', compare: 'exact' },
    { send: 'eject', args: { device: 'nope' }, compare: 'exact' },
    { send: 'eject', args: { device: 'ide0-hd0' }, compare: 'exact' },
    { send: 'eject', args: {}, compare: 'exact' },
    { send: 'eject', args: { device: 'ide1-cd0', force: 'yes' }, compare: 'exact' },
    { send: 'eject', args: { device: 'ide1-cd0' }, compare: 'exact' },
    { send: 'query-block', compare: 'shape' },
    { send: 'blockdev-change-medium', args: { device: 'ide1-cd0', filename: join(dir, 'missing.iso') }, compare: 'exact' },
    { send: 'blockdev-change-medium', args: { device: 'ide1-cd0', filename: cd2, 'read-only-mode': 'xx' }, compare: 'exact' },
    { send: 'blockdev-change-medium', args: { device: 'ide1-cd0' }, compare: 'exact' },
    { send: 'blockdev-change-medium', args: { device: 'ide0-hd0', filename: cd2 }, compare: 'exact' },
    { send: 'blockdev-change-medium', args: { device: 'ide1-cd0', filename: cd2, format: 'raw' }, compare: 'exact' },
    { send: 'query-block', compare: 'shape' },
    { send: 'send-key', args: { keys: [{ type: 'qcode', data: 'ctrl' }, { type: 'number', data: 30 }], 'hold-time': 10 }, compare: 'exact' },
    { send: 'send-key', args: { keys: [{ type: 'qcode', data: 'nokey' }] }, compare: 'exact' },
    { send: 'send-key', args: { keys: [{ type: 'qcode' }] }, compare: 'exact' },
    { send: 'send-key', args: { keys: [{ type: 'number', data: 'x' }] }, compare: 'exact' },
    { send: 'send-key', args: {}, compare: 'exact' },
    { send: 'screendump', args: { filename: join(dir, 's.ppm') }, compare: 'exact' },
    { send: 'screendump', args: { filename: join(dir, 's.png'), format: 'jpg' }, compare: 'exact' },
    { send: 'screendump', args: { filename: '/nonexistent/s.png', format: 'png' }, compare: 'exact' },
    { send: 'screendump', args: { filename: join(dir, 's.ppm'), device: 'nope' }, compare: 'exact' },
    { send: 'screendump', args: { filename: join(dir, 's.ppm'), head: 1 }, compare: 'exact' },
    hmp('info status'),
    hmp('c'),
    hmp('info status'),
    hmp('eject nope'),
    hmp('eject'),
    hmp('sendkey nokey'),
    hmp('stop extra'),
    hmp('nosuch'),
    hmp('help eject'),
    { send: 'quit', compare: 'exact' },
  ];
}

/** Member names, recursively; scalars become their type. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, shape((v as Record<string, unknown>)[k])]));
  }
  return v === null ? 'null' : typeof v;
}

/** QEMU's query-block also lists its floppy0 and sd0 slots, which tkvm's PC does not have. */
function onlyIde(v: unknown): unknown {
  return Array.isArray(v) ? v.filter((d) => /^ide/.test(String((d as Record<string, unknown>).device))) : v;
}

async function runScript(path: string, steps: Step[]): Promise<{ replies: QmpLine[]; events: QmpLine[] }> {
  const { client } = await QmpClient.connect(path);
  await client.execute('qmp_capabilities');
  const replies: QmpLine[] = [];
  for (const step of steps) {
    if ('raw' in step) {
      client.sendRaw(step.raw);
      replies.push(await client.nextLine());
    } else {
      const r = await client.execute(step.send, step.args);
      replies.push(step.send === 'query-block' ? { ...r, return: onlyIde(r.return) as never } : r);
    }
  }
  await client.waitEvents(Infinity); // quit: QEMU hangs up; tkvm's fake does not, so close below
  client.close();
  return { replies, events: client.events };
}

async function connectable(path: string): Promise<void> {
  for (;;) {
    try {
      const { client } = await QmpClient.connect(path);
      client.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

test('tkvm answers a QMP script like QEMU 7.2', { skip: haveQemu ? false : `${QEMU} is not installed` }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-qmpcmp-'));
  const hd = join(dir, 'hd.img');
  const cd = join(dir, 'cd.iso');
  writeFileSync(hd, Buffer.alloc(1 << 20));
  writeFileSync(cd, Buffer.alloc(204800));
  writeFileSync(join(dir, 'cd2.iso'), Buffer.alloc(204800));
  const steps = script(dir);
  const qemuSock = join(dir, 'qemu.sock');
  const qemu = spawn(QEMU, ['-M', 'pc', '-no-acpi', '-display', 'none', '-accel', 'tcg', '-S', '-nodefaults', '-vga', 'std',
    '-drive', `file=${hd},format=raw,if=ide,index=0`, '-drive', `file=${cd},format=raw,if=ide,index=2,media=cdrom`,
    '-qmp', `unix:${qemuSock},server,nowait`], { stdio: 'ignore' });
  const tkvmSock = join(dir, 'tkvm.sock');
  const target = new FakeTarget();
  target.state = 'prelaunch';
  target.drives[0]!.medium!.file = hd;
  target.drives[1]!.medium!.file = cd;
  target.frame = { width: 4, height: 2, pixels: new Uint8Array(32) };
  const monitors = await startMonitors([{ mode: 'control', endpoint: { kind: 'unix', path: tkvmSock, wait: false } }], {
    target,
    version: qemuCompatVersion('0.1.0'),
    png: () => new Uint8Array(8),
  });
  target.quit = (reason) => {
    target.log.push(`quit ${reason}`);
    (target as unknown as { listener?: (e: unknown) => void }).listener?.({ kind: 'shutdown', guest: false, reason });
    setImmediate(() => monitors.close()); // a real tkvm exits after SHUTDOWN, as QEMU does
  };
  try {
    await connectable(qemuSock);
    const want = await runScript(qemuSock, steps);
    const got = await runScript(tkvmSock, steps);
    steps.forEach((step, i) => {
      const label = 'raw' in step ? step.raw.trim() : `${step.send} ${JSON.stringify(step.args ?? {})}`;
      const w = want.replies[i];
      const g = got.replies[i];
      if (step.compare === 'exact') assert.deepEqual(g, w, label);
      else assert.deepEqual(shape(g), shape(w), label);
    });
    const events = (e: QmpLine[]): unknown[] => e.map((x) => [x.event, shape(x.timestamp), shape(x.data)]);
    assert.deepEqual(events(got.events), events(want.events));
  } finally {
    monitors.close();
    qemu.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
