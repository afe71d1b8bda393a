import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeTarget } from './fake-target.js';
import { MonitorHub } from './events.js';
import { runHmpCommand } from './hmp.js';
import { HmpSession } from './hmp-session.js';
import { attachMuxMonitor, qemuCompatVersion } from './index.js';

function hub(target = new FakeTarget()): MonitorHub {
  return new MonitorHub({ target, version: qemuCompatVersion('0.1.0') });
}

async function out(h: MonitorHub, line: string): Promise<string> {
  return (await runHmpCommand(line, h)).output;
}

test('info status prints QEMU\'s VM status lines', async () => {
  const t = new FakeTarget();
  const h = hub(t);
  assert.equal(await out(h, 'info status'), 'VM status: running\n');
  assert.equal(await out(h, '  info   status  '), 'VM status: running\n');
  t.state = 'paused';
  assert.equal(await out(h, 'info status'), 'VM status: paused\n');
  t.state = 'prelaunch';
  assert.equal(await out(h, 'info status'), 'VM status: paused (prelaunch)\n');
  assert.equal(await out(h, 'info status extra'), 'status: extraneous characters at the end of line\nTry "help info status" for more information\n');
});

test('info block lists drives as QEMU does', async () => {
  const t = new FakeTarget();
  const h = hub(t);
  assert.equal(
    await out(h, 'info block'),
    'ide0-hd0 (#block-ide0-hd0): hd.img (raw)\n' +
      '    Attached to:      /machine/unattached/device[23]\n' +
      '    Cache mode:       writeback\n' +
      '\n' +
      'ide1-cd0 (#block-ide1-cd0): cd.iso (raw, read-only)\n' +
      '    Attached to:      /machine/unattached/device[24]\n' +
      '    Removable device: not locked, tray closed\n' +
      '    Cache mode:       writeback\n',
  );
  assert.equal(await out(h, 'info block nope'), '');
  assert.equal(await out(h, 'eject ide1-cd0'), '');
  assert.equal(
    await out(h, 'info block ide1-cd0'),
    '\nide1-cd0: [not inserted]\n    Attached to:      /machine/unattached/device[24]\n    Removable device: not locked, tray open\n',
  );
});

test('stop, cont/c, system_reset, quit/q drive the target and print nothing', async () => {
  const t = new FakeTarget();
  const h = hub(t);
  assert.equal(await out(h, 'stop'), '');
  assert.equal(await out(h, 'c'), '');
  assert.equal(await out(h, 's'), '');
  assert.equal(await out(h, 'cont'), '');
  assert.equal(await out(h, 'system_reset'), '');
  assert.deepEqual(await runHmpCommand('q', h), { output: '', quit: true });
  assert.deepEqual(t.log, ['stop', 'cont', 'stop', 'cont', 'reset host-qmp-system-reset', 'quit host-qmp-quit']);
  assert.equal(await out(h, 'stop extra'), 'stop|s: extraneous characters at the end of line\nTry "help stop" for more information\n');
  assert.equal(await out(h, 'quit now'), 'quit|q: extraneous characters at the end of line\nTry "help quit" for more information\n');
});

test('system_powerdown explains that there is no power button yet', async () => {
  const t = new FakeTarget();
  assert.match(await out(hub(t), 'system_powerdown'), /^Error: system_powerdown is not supported: .*ACPI/);
  t.powerButton = true;
  assert.equal(await out(hub(t), 'system_powerdown'), '');
});

test('unknown commands and help use QEMU\'s texts', async () => {
  const h = hub();
  assert.equal(await out(h, 'nosuch'), "unknown command: 'nosuch'\n");
  assert.equal(await out(h, 'info nosuch'), "unknown command: 'info nosuch'\n");
  assert.equal(await out(h, 'help stop'), 'stop|s  -- stop emulation\n');
  assert.equal(await out(h, 'help eject'), 'eject [-f] device -- eject a removable medium (use -f to force it)\n');
  assert.equal(await out(h, 'help sendkey'), "sendkey keys [hold_ms] -- send keys to the VM (e.g. 'sendkey ctrl-alt-f1', default hold time=100 ms)\n");
  assert.equal(await out(h, 'help help'), 'help|? [cmd] -- show the help\n');
  assert.equal(await out(h, 'help nosuch'), "unknown command: 'nosuch'\n");
  assert.match(await out(h, 'help'), /^change device \[-f\] filename .*\ncont\|c  -- resume emulation\n/);
  assert.match(await out(h, 'info'), /info status {2}-- show the current VM status \(running\|paused\)\n/);
  assert.equal(await out(h, ''), '');
});

test('sendkey parses key combinations, numbers and the hold time', async () => {
  const t = new FakeTarget();
  const h = hub(t);
  assert.equal(await out(h, 'sendkey ctrl-alt-delete'), '');
  assert.equal(await out(h, 'sendkey 0x1e 10'), '');
  assert.equal(await out(h, 'sendkey a 0x10'), '');
  assert.deepEqual(t.keys, [
    { keys: [{ type: 'qcode', data: 'ctrl' }, { type: 'qcode', data: 'alt' }, { type: 'qcode', data: 'delete' }], holdMs: 100 },
    { keys: [{ type: 'number', data: 0x1e }], holdMs: 10 },
    { keys: [{ type: 'qcode', data: 'a' }], holdMs: 16 },
  ]);
  assert.equal(await out(h, 'sendkey nokey'), 'invalid parameter: nokey\n');
  assert.equal(await out(h, 'sendkey ctrl-'), 'invalid parameter: \n');
  assert.equal(await out(h, 'sendkey 0x1e-0xzz'), 'invalid parameter: 0xzz\n');
  assert.equal(await out(h, 'sendkey'), 'sendkey: string expected\nTry "help sendkey" for more information\n');
  assert.equal(await out(h, 'sendkey a x'), 'invalid char \'x\' in expression\nTry "help sendkey" for more information\n');
  assert.equal(t.keys.length, 3);
});

test('eject and change: QEMU\'s argument and device errors', async () => {
  const t = new FakeTarget();
  const h = hub(t);
  assert.equal(await out(h, 'eject'), 'eject: block device name expected\nTry "help eject" for more information\n');
  assert.equal(await out(h, 'eject -f'), 'eject: block device name expected\nTry "help eject" for more information\n');
  assert.equal(await out(h, 'eject -x ide1-cd0'), 'eject: unsupported option -x\nTry "help eject" for more information\n');
  assert.equal(await out(h, 'eject x y'), 'eject: extraneous characters at the end of line\nTry "help eject" for more information\n');
  assert.equal(await out(h, 'eject ide0-hd0'), "Error: Device 'ide0-hd0' is not removable\n");
  assert.equal(await out(h, 'eject nope'), "Error: Device 'nope' not found\n");
  t.drives[1]!.locked = true;
  assert.equal(await out(h, 'eject ide1-cd0'), "Error: Device 'ide1-cd0' is locked and force was not specified, wait for tray to open and try again\n");
  assert.equal(await out(h, 'eject -f ide1-cd0'), '');
  assert.equal(await out(h, 'change'), 'change: block device name expected\nTry "help change" for more information\n');
  assert.equal(await out(h, 'change ide1-cd0'), 'change: filename expected\nTry "help change" for more information\n');
  assert.equal(await out(h, 'change ide1-cd0 /nonexistent/x.iso'), "Error: Could not open '/nonexistent/x.iso': No such file or directory\n");
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-hmp-'));
  try {
    const iso = join(dir, 'x.iso');
    assert.equal(await out(h, `screendump ${iso}`), ''); // any existing file will do as a medium
    assert.equal(await out(h, `change ide1-cd0 ${iso} raw bogus`), 'Error: invalid parameter value: bogus\n');
    assert.equal(await out(h, `change ide1-cd0 ${iso} bogus`), "Error: Unknown driver 'bogus'\n");
    assert.equal(await out(h, `change ide1-cd0 -f ${iso} raw read-only`), '');
    assert.match(await out(h, 'info block ide1-cd0'), new RegExp(`ide1-cd0 \\(#block-ide1-cd0\\): ${iso} \\(raw, read-only\\)`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('screendump writes the file; errors as QEMU', async () => {
  const h = hub();
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-hmp-'));
  try {
    const ppm = join(dir, 's.ppm');
    assert.equal(await out(h, `screendump ${ppm}`), '');
    assert.equal(readFileSync(ppm).subarray(0, 11).toString('latin1'), 'P6\n2 1\n255\n');
    assert.equal(await out(h, 'screendump'), 'screendump: filename expected\nTry "help screendump" for more information\n');
    assert.equal(await out(h, `screendump ${ppm} -f jpg`), 'Error: invalid parameter value: jpg\n');
    assert.equal(await out(h, 'screendump /nonexistent/h.ppm'), "Error: failed to open file '/nonexistent/h.ppm': No such file or directory\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a session prints the banner and prompt, echoes, edits and answers line by line in CR LF', async () => {
  const sent: string[] = [];
  const t = new FakeTarget();
  const s = new HmpSession(hub(t), (text) => sent.push(text));
  assert.deepEqual(sent, ["tkvm 0.1.0 monitor - type 'help' for more information\r\n(qemu) "]);
  sent.length = 0;
  s.input(Buffer.from('info stx\x7fatus\r\n'));
  await s.idle();
  assert.equal(sent.join(''), 'info stx\b \batus\r\nVM status: running\r\n(qemu) ');
  sent.length = 0;
  s.input(Buffer.from('\x1b[Astop\rinfo status\r'));
  await s.idle();
  assert.equal(sent.join(''), 'stop\r\ninfo status\r\n(qemu) VM status: paused\r\n(qemu) ');
  sent.length = 0;
  s.input(Buffer.from('q\n'));
  await s.idle();
  assert.equal(sent.join(''), 'q\r\n');
  assert.deepEqual(t.log, ['stop', 'quit host-qmp-quit']);
});

test('on the multiplexer the monitor greets on the first Ctrl-A c and re-prompts later', async () => {
  const sent: string[] = [];
  const m = attachMuxMonitor(hub(), (d) => sent.push(Buffer.from(d).toString()));
  assert.deepEqual(sent, []);
  m.focus(true);
  assert.equal(sent.join(''), "tkvm 0.1.0 monitor - type 'help' for more information\r\n(qemu) ");
  sent.length = 0;
  m.input(Buffer.from('info'));
  m.focus(false);
  m.focus(true);
  assert.equal(sent.join(''), 'info\r\n(qemu) info');
});
