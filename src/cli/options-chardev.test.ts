import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { config, fails } from './options-test-util.js';

const dir = mkdtempSync(join(tmpdir(), 'tkvm-chardev-'));
const log = join(dir, 'seabios.log');

test('-debugcon file: gets QEMU\'s port 0xe9 and SeaBIOS\'s log port 0x402', () => {
  assert.deepEqual(config('-debugcon', `file:${log}`).debugcons, [{ iobases: [0xe9, 0x402], chardev: { kind: 'file', path: log } }]);
  assert.deepEqual(config('-debugcon', 'stdio').debugcons, [{ iobases: [0xe9, 0x402], chardev: { kind: 'stdio' } }]);
  assert.equal(config('-debugcon', 'none').debugcons, undefined);
  fails(['-debugcon', 'vc'], /^-debugcon vc: not supported yet/);
  fails(['-debugcon', 'file:/nonexistent-dir/x'], "-debugcon file:/nonexistent-dir/x: Could not open '/nonexistent-dir/x': No such file or directory");
});

test('-chardev with -device isa-debugcon: the chardev at the given port (default 0xe9)', () => {
  const c = config('-chardev', `file,id=sb,path=${log}`, '-device', 'isa-debugcon,iobase=0x402,chardev=sb');
  assert.deepEqual(c.debugcons, [{ iobases: [0x402], chardev: { kind: 'file', path: log } }]);
  assert.deepEqual(config('-chardev', 'null,id=n', '-device', 'isa-debugcon,chardev=n').debugcons, [{ iobases: [0xe9], chardev: { kind: 'null' } }]);
  assert.deepEqual(config('-chardev', `socket,id=s,path=${join(dir, 's.sock')},server=on,wait=off`, '-device', 'isa-debugcon,chardev=s').debugcons?.[0]?.chardev,
    { kind: 'unix', path: join(dir, 's.sock'), server: true, wait: false });
  fails(['-device', 'isa-debugcon,chardev=nope'], "-device isa-debugcon,chardev=nope: Property 'isa-debugcon.chardev' can't find value 'nope'");
  fails(['-device', 'isa-debugcon'], "-device isa-debugcon: Property 'chardev' is required");
  fails(['-device', 'isa-debugcon,chardev=x,foo=1'], /Property 'isa-debugcon.foo' not found/);
  fails(['-chardev', 'file,path=x'], "-chardev file,path=x: Parameter 'id' is missing");
  fails(['-chardev', 'null,id=a', '-chardev', 'null,id=a'], "-chardev null,id=a: Duplicate chardev ID 'a'");
  fails(['-chardev', 'pty,id=a'], "-chardev pty,id=a: chardev backend 'pty' is not supported yet (tkvm has null, stdio, file, socket)");
  fails(['-chardev', 'bogus,id=a'], "-chardev bogus,id=a: 'bogus' is not a valid char driver name");
  fails(['-chardev', 'null,id=a', '-device', 'isa-debugcon,chardev=a', '-debugcon', 'null'], /port 0xe9 is used twice/);
  fails(['-nographic', '-debugcon', 'stdio'], /cannot use stdio by multiple character devices/);
});

test('-vga std|none, -machine pc, -M pc, -no-acpi, -display none', () => {
  assert.equal(config().vga, 'std');
  assert.equal(config('-vga', 'none').vga, 'none');
  fails(['-vga', 'cirrus'], "-vga cirrus: VGA type 'cirrus' is not supported yet (tkvm has std and none)");
  fails(['-vga', 'foo'], '-vga foo: unknown vga type: foo');
  const c = config('-M', 'pc', '-machine', 'pc,accel=kvm', '-no-acpi', '-display', 'none', '-m', '256');
  assert.equal(c.noAcpi, true);
  assert.equal(c.display, 'none');
  assert.equal(c.accel, 'kvm');
});
