import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeTarget } from './fake-target.js';
import { startMonitors, qemuCompatVersion, type RunningMonitors } from './index.js';
import { QmpClient } from './qmp-client.js';
import { SCREEN_TEXT_COMMAND, NO_POWER_BUTTON } from './qmp-commands.js';

async function setup(): Promise<{ dir: string; path: string; target: FakeTarget; monitors: RunningMonitors; done: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-qmp-'));
  const path = join(dir, 'qmp.sock');
  const target = new FakeTarget();
  const monitors = await startMonitors([{ mode: 'control', endpoint: { kind: 'unix', path, wait: false } }], {
    target,
    version: qemuCompatVersion('0.1.0'),
    png: (f) => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, f.width, f.height]),
    clock: () => 1_700_000_000_123_456,
  });
  return { dir, path, target, monitors, done: () => { monitors.close(); rmSync(dir, { recursive: true, force: true }); } };
}

async function negotiated(path: string): Promise<QmpClient> {
  const { client } = await QmpClient.connect(path);
  assert.deepEqual(await client.execute('qmp_capabilities'), { return: {} });
  return client;
}

test('greeting, then only qmp_capabilities until negotiation, which happens once', async () => {
  const s = await setup();
  try {
    const { client, greeting } = await QmpClient.connect(s.path);
    assert.deepEqual(greeting, { QMP: { version: { qemu: { micro: 0, minor: 2, major: 7 }, package: 'tkvm 0.1.0' }, capabilities: [] } });
    assert.deepEqual(await client.execute('query-status'), {
      error: { class: 'CommandNotFound', desc: "Expecting capabilities negotiation with 'qmp_capabilities'" },
    });
    assert.deepEqual(await client.execute('qmp_capabilities', { enable: ['oob'] }), { error: { class: 'GenericError', desc: "Capability 'oob' not available" } });
    assert.deepEqual(await client.execute('qmp_capabilities', undefined, 1), { return: {}, id: 1 });
    assert.deepEqual(await client.execute('qmp_capabilities', undefined, 2), {
      id: 2,
      error: { class: 'CommandNotFound', desc: 'Capabilities negotiation is already complete, command ignored' },
    });
    client.close();
  } finally {
    s.done();
  }
});

test('query commands answer with QEMU shapes and echo any id', async () => {
  const s = await setup();
  try {
    const c = await negotiated(s.path);
    assert.deepEqual(await c.execute('query-status', undefined, 'x'), { return: { status: 'running', singlestep: false, running: true }, id: 'x' });
    assert.deepEqual(await c.execute('query-version', undefined, [1, { a: null }]), {
      return: { qemu: { micro: 0, minor: 2, major: 7 }, package: 'tkvm 0.1.0' },
      id: [1, { a: null }],
    });
    assert.deepEqual(await c.execute('query-name'), { return: {} });
    s.target.name = 'vm1';
    assert.deepEqual(await c.execute('query-name'), { return: { name: 'vm1' } });
    const cmds = (await c.execute('query-commands')).return as Array<{ name: string }>;
    for (const name of ['qmp_capabilities', 'query-status', 'stop', 'cont', 'system_reset', 'system_powerdown', 'quit', 'screendump', 'send-key', 'query-block', 'eject', 'blockdev-change-medium', SCREEN_TEXT_COMMAND]) {
      assert.ok(cmds.some((x) => x.name === name), name);
    }
    assert.deepEqual(await c.execute('nosuch'), { error: { class: 'CommandNotFound', desc: 'The command nosuch has not been found' } });
    assert.deepEqual(await c.execute('query-status', { x: 1 }), { error: { class: 'GenericError', desc: "Parameter 'x' is unexpected" } });
    c.close();
  } finally {
    s.done();
  }
});

test('query-block shows the disk and the CD-ROM as QEMU does', async () => {
  const s = await setup();
  try {
    const c = await negotiated(s.path);
    const blocks = (await c.execute('query-block')).return as Array<Record<string, unknown>>;
    assert.equal(blocks.length, 2);
    const [hd, cd] = blocks as [Record<string, unknown>, Record<string, unknown>];
    assert.deepEqual(Object.keys(hd).sort(), ['device', 'inserted', 'io-status', 'locked', 'qdev', 'removable', 'type']);
    assert.deepEqual(Object.keys(cd).sort(), ['device', 'inserted', 'io-status', 'locked', 'qdev', 'removable', 'tray_open', 'type']);
    assert.equal(cd.device, 'ide1-cd0');
    assert.equal(cd.removable, true);
    assert.equal(cd.tray_open, false);
    const ins = cd.inserted as Record<string, unknown>;
    assert.equal(ins.file, 'cd.iso');
    assert.equal(ins.ro, true);
    assert.equal(ins.drv, 'raw');
    assert.deepEqual(ins.cache, { 'no-flush': false, direct: false, writeback: true });
    assert.deepEqual(ins.image, { 'virtual-size': 204800, filename: 'cd.iso', format: 'raw', 'dirty-flag': false, 'actual-size': 0 });
    c.close();
  } finally {
    s.done();
  }
});

test('stop, cont, system_reset and quit act and emit QEMU events with timestamps', async () => {
  const s = await setup();
  try {
    const c = await negotiated(s.path);
    assert.deepEqual(await c.execute('stop'), { return: {} });
    assert.deepEqual(await c.execute('stop'), { return: {} }); // already paused: no second STOP
    assert.deepEqual(await c.execute('query-status'), { return: { status: 'paused', singlestep: false, running: false } });
    assert.deepEqual(await c.execute('cont'), { return: {} });
    assert.deepEqual(await c.execute('system_reset'), { return: {} });
    assert.deepEqual(await c.execute('quit'), { return: {} });
    const ts = { seconds: 1_700_000_000, microseconds: 123_456 };
    assert.deepEqual(c.events, [
      { timestamp: ts, event: 'STOP' },
      { timestamp: ts, event: 'RESUME' },
      { timestamp: ts, event: 'RESET', data: { guest: false, reason: 'host-qmp-system-reset' } },
      { timestamp: ts, event: 'SHUTDOWN', data: { guest: false, reason: 'host-qmp-quit' } },
    ]);
    assert.deepEqual(s.target.log, ['stop', 'cont', 'reset host-qmp-system-reset', 'quit host-qmp-quit']);
    s.target.state = 'shutdown';
    assert.deepEqual(await c.execute('cont'), { error: { class: 'GenericError', desc: 'Resetting the Virtual Machine is required' } });
    c.close();
  } finally {
    s.done();
  }
});

test('system_powerdown says it is unsupported without a power button, and works with one', async () => {
  const s = await setup();
  try {
    const c = await negotiated(s.path);
    assert.deepEqual(await c.execute('system_powerdown'), { error: { class: 'GenericError', desc: NO_POWER_BUTTON } });
    s.target.powerButton = true;
    assert.deepEqual(await c.execute('system_powerdown'), { return: {} });
    assert.equal((await c.waitEvents(1))[0]?.event, 'POWERDOWN');
    c.close();
  } finally {
    s.done();
  }
});

test('screendump writes PPM by default and PNG on request; errors as QEMU', async () => {
  const s = await setup();
  try {
    const c = await negotiated(s.path);
    const ppm = join(s.dir, 'a.ppm');
    assert.deepEqual(await c.execute('screendump', { filename: ppm }), { return: {} });
    assert.deepEqual([...readFileSync(ppm)], [...Buffer.from('P6\n2 1\n255\n'), 255, 0, 0, 0, 0, 255]); // red, then blue (frames are B, G, R, X)
    const png = join(s.dir, 'a.png');
    assert.deepEqual(await c.execute('screendump', { filename: png, format: 'png' }), { return: {} });
    assert.deepEqual([...readFileSync(png)], [0x89, 0x50, 0x4e, 0x47, 2, 1]);
    assert.deepEqual(await c.execute('screendump', { filename: png, format: 'jpg' }), { error: { class: 'GenericError', desc: "Parameter 'format' does not accept value 'jpg'" } });
    assert.deepEqual(await c.execute('screendump', { filename: '/nonexistent/x.png' }), {
      error: { class: 'GenericError', desc: "failed to open file '/nonexistent/x.png': No such file or directory" },
    });
    assert.deepEqual(await c.execute('screendump', { filename: ppm, device: 'nope' }), { error: { class: 'DeviceNotFound', desc: "Device 'nope' not found" } });
    assert.deepEqual(await c.execute('screendump', { filename: ppm, head: 1 }), { error: { class: 'GenericError', desc: "'head' must be specified together with 'device'" } });
    assert.deepEqual(await c.execute('screendump', {}), { error: { class: 'GenericError', desc: "Parameter 'filename' is missing" } });
    s.target.frame = undefined;
    assert.deepEqual(await c.execute('screendump', { filename: ppm }), { error: { class: 'GenericError', desc: 'There is no console to take a screendump from.' } });
    c.close();
  } finally {
    s.done();
  }
});

test('the screen text extension returns the rows of a text mode', async () => {
  const s = await setup();
  try {
    const c = await negotiated(s.path);
    const reply = await c.execute(SCREEN_TEXT_COMMAND);
    assert.deepEqual(reply, { return: { rows: s.target.text, text: s.target.text!.join('\n') } });
    assert.match(String((reply.return as { text: string }).text), /GNU GRUB/);
    s.target.text = undefined;
    assert.deepEqual(await c.execute(SCREEN_TEXT_COMMAND), { error: { class: 'GenericError', desc: 'The display is in a graphics mode: there is no screen text' } });
    c.close();
  } finally {
    s.done();
  }
});

test('send-key takes qcodes and numbers with a hold time, and checks them as QEMU', async () => {
  const s = await setup();
  try {
    const c = await negotiated(s.path);
    const keys = [{ type: 'qcode', data: 'ctrl' }, { type: 'qcode', data: 'alt' }, { type: 'qcode', data: 'delete' }];
    assert.deepEqual(await c.execute('send-key', { keys }), { return: {} });
    assert.deepEqual(await c.execute('send-key', { keys: [{ type: 'number', data: 30 }], 'hold-time': 50 }), { return: {} });
    assert.deepEqual(await c.execute('send-key', { keys: [] }), { return: {} });
    assert.deepEqual(s.target.keys, [{ keys, holdMs: 100 }, { keys: [{ type: 'number', data: 30 }], holdMs: 50 }]);
    const err = (desc: string) => ({ error: { class: 'GenericError', desc } });
    assert.deepEqual(await c.execute('send-key', { keys: [{ type: 'qcode', data: 'nokey' }] }), err("Parameter 'data' does not accept value 'nokey'"));
    assert.deepEqual(await c.execute('send-key', { keys: [{ type: 'qcode' }] }), err("Parameter 'keys[0].data' is missing"));
    assert.deepEqual(await c.execute('send-key', { keys: [{ type: 'foo', data: 1 }] }), err("Parameter 'type' does not accept value 'foo'"));
    assert.deepEqual(await c.execute('send-key', { keys: [{ type: 'number', data: 'x' }] }), err("Invalid parameter type for 'keys[0].data', expected: integer"));
    assert.deepEqual(await c.execute('send-key', {}), err("Parameter 'keys' is missing"));
    c.close();
  } finally {
    s.done();
  }
});

test('eject and blockdev-change-medium move the tray, report it, and refuse what QEMU refuses', async () => {
  const s = await setup();
  try {
    const c = await negotiated(s.path);
    const err = (cls: string, desc: string) => ({ error: { class: cls, desc } });
    assert.deepEqual(await c.execute('eject', { device: 'ide0-hd0' }), err('GenericError', "Device 'ide0-hd0' is not removable"));
    assert.deepEqual(await c.execute('eject', { device: 'nope' }), err('DeviceNotFound', "Device 'nope' not found"));
    assert.deepEqual(await c.execute('eject', {}), err('GenericError', "Need exactly one of 'device' and 'id'"));
    assert.deepEqual(await c.execute('eject', { device: 'ide1-cd0', force: 'yes' }), err('GenericError', "Invalid parameter type for 'force', expected: boolean"));
    // the guest locked the tray: a plain eject only asks it; force opens anyway
    s.target.drives[1]!.locked = true;
    assert.deepEqual(await c.execute('eject', { device: 'ide1-cd0' }), err('GenericError', "Device 'ide1-cd0' is locked and force was not specified, wait for tray to open and try again"));
    assert.deepEqual(await c.execute('eject', { id: '/machine/unattached/device[24]', force: true }), { return: {} });
    const cd = ((await c.execute('query-block')).return as Array<Record<string, unknown>>)[1]!;
    assert.equal(cd.tray_open, true);
    assert.equal(cd.inserted, undefined);
    assert.equal(cd.locked, false);
    const iso = join(s.dir, 'new.iso');
    writeFileSync(iso, Buffer.alloc(4096));
    assert.deepEqual(await c.execute('blockdev-change-medium', { device: 'ide1-cd0', filename: join(s.dir, 'missing.iso') }), err('GenericError', `Could not open '${join(s.dir, 'missing.iso')}': No such file or directory`));
    assert.deepEqual(await c.execute('blockdev-change-medium', { device: 'ide1-cd0', filename: iso, 'read-only-mode': 'xx' }), err('GenericError', "Parameter 'read-only-mode' does not accept value 'xx'"));
    assert.deepEqual(await c.execute('blockdev-change-medium', { device: 'ide1-cd0' }), err('GenericError', "Parameter 'filename' is missing"));
    assert.deepEqual(await c.execute('blockdev-change-medium', { device: 1, filename: 'x' }), err('GenericError', "Invalid parameter type for 'device', expected: string"));
    assert.deepEqual(await c.execute('blockdev-change-medium', { device: 'ide0-hd0', filename: iso }), err('GenericError', "Device 'ide0-hd0' is not removable"));
    assert.deepEqual(await c.execute('blockdev-change-medium', { device: 'ide1-cd0', filename: iso, format: 'raw' }), { return: {} });
    const after = ((await c.execute('query-block')).return as Array<Record<string, unknown>>)[1]!;
    assert.equal((after.inserted as Record<string, unknown>).file, iso);
    assert.equal(after.tray_open, false);
    const moves = c.events.map((e) => [e.event, (e.data as Record<string, unknown>)['tray-open'], (e.data as Record<string, unknown>).id]);
    assert.deepEqual(moves, [
      ['DEVICE_TRAY_MOVED', true, '/machine/unattached/device[24]'],
      ['DEVICE_TRAY_MOVED', false, '/machine/unattached/device[24]'],
    ]);
    c.close();
  } finally {
    s.done();
  }
});

test('malformed input gets QEMU\'s errors and the session goes on', async () => {
  const s = await setup();
  try {
    const c = await negotiated(s.path);
    const generic = (desc: string) => ({ error: { class: 'GenericError', desc } });
    const cases: Array<[string, unknown]> = [
      ['{"foo":1}\n', generic("QMP input member 'foo' is unexpected")],
      ['[1,2]\n', generic('QMP input must be a JSON object')],
      ['{}\n', generic("QMP input lacks member 'execute'")],
      ['{"execute":1}\n', generic("QMP input member 'execute' must be a string")],
      ['{"execute":"stop","arguments":[]}\n', generic("QMP input member 'arguments' must be an object")],
      ['{"execute":"stop","exec-oob":"x"}\n', generic("QMP input member 'exec-oob' is unexpected")], // no OOB capability
      ['{"exec-oob":"stop"}\n', generic("QMP input member 'exec-oob' is unexpected")],
      ['{"execute":"stop" xx}\n', generic('JSON parse error, expected separator in dict')],
      ['nul\n', generic("JSON parse error, invalid keyword 'nul'")],
      ['@\n', generic("JSON parse error, stray '@'")],
    ];
    for (const [text, expected] of cases) {
      c.sendRaw(text);
      assert.deepEqual(await c.nextLine(), expected, text);
    }
    c.sendRaw("{'execute':'query-name', 'id': 'it\\'s'}");
    assert.deepEqual(await c.nextLine(), { return: {}, id: "it's" });
    c.sendRaw('{"execute":"query-status"}{"execute":"query-name"}');
    assert.deepEqual(await c.nextLine(), { return: { status: 'running', singlestep: false, running: true } });
    assert.deepEqual(await c.nextLine(), { return: {} });
    c.sendRaw(Uint8Array.from([0xff, 0xfe, 0x0a]));
    assert.deepEqual(await c.nextLine(), generic("JSON parse error, stray '\uFFFD'"));
    assert.deepEqual(await c.nextLine(), generic("JSON parse error, stray '\uFFFD'"));
    assert.deepEqual(await c.execute('query-name'), { return: {} });
    c.close();
  } finally {
    s.done();
  }
});

test('two clients are served at once; both get events; one leaving does not disturb the other', async () => {
  const s = await setup();
  try {
    const a = await negotiated(s.path);
    const { client: b } = await QmpClient.connect(s.path);
    // b has not negotiated: it gets no events yet
    assert.deepEqual(await a.execute('stop'), { return: {} });
    assert.deepEqual(await b.execute('qmp_capabilities'), { return: {} });
    assert.deepEqual(await b.execute('cont'), { return: {} });
    assert.deepEqual((await a.waitEvents(2)).map((e) => e.event), ['STOP', 'RESUME']);
    assert.deepEqual(b.events.map((e) => e.event), ['RESUME']);
    a.sendRaw('{"execute":"query-status"'); // half a command, then gone
    a.close();
    assert.deepEqual(await b.execute('query-status'), { return: { status: 'running', singlestep: false, running: true } });
    assert.deepEqual(s.target.log, ['stop', 'cont']);
    b.close();
  } finally {
    s.done();
  }
});

test('replies are QEMU-style JSON lines ending in CR LF', async () => {
  const s = await setup();
  try {
    const { createConnection } = await import('node:net');
    const sock = createConnection(s.path);
    let text = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (text += d));
    sock.write('{"execute":"qmp_capabilities"}\n{"execute":"query-name","id":"\u00e9"}\n');
    while (!text.includes('"id"')) await new Promise((r) => setTimeout(r, 5));
    sock.destroy();
    const lines = text.split('\r\n');
    assert.equal(lines[0], '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "tkvm 0.1.0"}, "capabilities": []}}');
    assert.equal(lines[1], '{"return": {}}');
    assert.equal(lines[2], '{"return": {}, "id": "\\u00E9"}');
  } finally {
    s.done();
  }
});
