import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunArgs } from './options.js';
import { config, fails } from './options-test-util.js';

const dir = mkdtempSync(join(tmpdir(), 'tkvm-opts-'));
const kernel = join(dir, 'bzImage');
const initrd = join(dir, 'initrd');
const disk = join(dir, 'disk.img');
const iso = join(dir, 'cd.iso');
for (const f of [kernel, initrd, disk, iso]) writeFileSync(f, 'x');

test('defaults match QEMU: 128M, one CPU, COM1 present but unconnected', () => {
  assert.deepEqual(config(), {
    memoryBytes: 128 * 2 ** 20, cpus: 1, accel: 'auto', append: '', serial: [{ kind: 'null' }],
    nographic: false, display: 'default', noReboot: false, drives: [], noAcpi: false, vga: 'std',
  });
});

test('a typical direct kernel boot', () => {
  const c = config('-m', '256', '-kernel', kernel, '-initrd', initrd, '-append', 'console=ttyS0 quiet', '-nographic', '-no-reboot');
  assert.equal(c.memoryBytes, 256 * 2 ** 20);
  assert.equal(c.kernel, kernel);
  assert.equal(c.initrd, initrd);
  assert.equal(c.append, 'console=ttyS0 quiet');
  assert.deepEqual(c.serial, [{ kind: 'stdio', mux: true }]);
  assert.equal(c.display, 'none');
  assert.equal(c.noReboot, true);
});

test('double-dash spellings and -M are QEMU aliases', () => {
  const c = config('--m', '2G', '--smp', '2', '-M', 'pc', '--nographic');
  assert.equal(c.memoryBytes, 2 * 2 ** 30);
  assert.equal(c.cpus, 2);
  assert.equal(c.nographic, true);
});

test('-m forms and errors', () => {
  assert.equal(config('-m', 'size=1T').memoryBytes, 2 ** 40);
  assert.equal(config('-m', '1k').memoryBytes, 8192); // QEMU rounds up to 8 KiB
  assert.equal(config('-m', '').memoryBytes, 128 * 2 ** 20);
  assert.equal(config('-m', '256', '-m', '512').memoryBytes, 512 * 2 ** 20); // last wins
  fails(['-m', '0x'], "-m 0x: Parameter 'size' expects a non-negative number below 2^64, e.g. 512 (MiB), 512M or 2G (suffixes k, M, G, T)");
  fails(['-m', '0'], '-m 0: guest RAM size must be above zero, e.g. -m 128M');
  fails(['-m', '2T'], '-m 2T: guest RAM size 2T is too large (tkvm supports at most 1T)');
  fails(['-m', 'foo=1'], "-m foo=1: Invalid parameter 'foo'");
  fails(['-m', '1G,maxmem=4G'], '-m 1G,maxmem=4G: memory hotplug (slots=, maxmem=) is not supported yet');
});

test('-smp feeds cpus and topology', () => {
  const c = config('-smp', 'cpus=4,sockets=2');
  assert.equal(c.cpus, 4);
  assert.deepEqual(c.cpuTopology, { maxCpus: 4, sockets: 2, dies: 1, cores: 2, threads: 1 });
  fails(['-smp', '256'], "-smp 256: Invalid SMP CPUs 256. The max CPUs supported by machine 'pc' is 255");
});

test('unknown, unsupported and argument-less options', () => {
  fails(['-foo'], '-foo: invalid option');
  fails(['--foo'], '--foo: invalid option');
  fails(['-m'], '-m: requires an argument');
  fails(['-kernel'], '-kernel: requires an argument');
  fails(['-m', '256', '-serial'], '-serial: requires an argument');
  // The first pass reports a bad option before a bad value earlier on the line, as QEMU does.
  fails(['-m', '0x', '-foo'], '-foo: invalid option');
  assert.equal(config('-vnc', ':1').vnc?.kind, 'tcp');
  assert.equal(config('-vnc', 'none').vnc, undefined);
  fails(['-usb'], '-usb: not supported yet');
  assert.deepEqual(config('-qmp', 'unix:/tmp/q,server,nowait').monitors, [{ mode: 'control', endpoint: { kind: 'unix', path: '/tmp/q', wait: false } }]);
  fails(['-nographic', '-monitor', 'stdio'], 'cannot use stdio by multiple character devices');
});

test('help and version stop parsing where they appear', () => {
  const h = parseRunArgs(['-h']);
  assert.equal(h.action, 'help');
  assert.match((h as { text: string }).text, /^usage: tkvm \[options\] \[disk_image\]/);
  assert.match((h as { text: string }).text, /-serial dev/);
  assert.deepEqual(parseRunArgs(['-version']), { action: 'version' });
  assert.deepEqual(parseRunArgs(['--version', '-m', '0x']), { action: 'version' });
  fails(['-m', '0x', '-help'], /^-m 0x:/);
  assert.match((parseRunArgs(['-machine', 'help']) as { text: string }).text, /^Supported machines are:\npc /);
  assert.match((parseRunArgs(['-cpu', 'help']) as { text: string }).text, /qemu64/);
  assert.match((parseRunArgs(['-accel', 'help']) as { text: string }).text, /kvm/);
  assert.match((parseRunArgs(['-device', 'help']) as { text: string }).text, /isa-debug-exit/);
});

test('kernel, initrd and append checks name the option and file', () => {
  fails(['-kernel', join(dir, 'nope')], `-kernel ${join(dir, 'nope')}: could not open kernel file '${join(dir, 'nope')}': No such file or directory`);
  fails(['-kernel', dir], `-kernel ${dir}: could not open kernel file '${dir}': Is a directory`);
  fails(['-kernel', kernel, '-initrd', '/nonexistent/i'], "-initrd /nonexistent/i: could not load initial ram disk '/nonexistent/i': No such file or directory");
  fails(['-append', 'x'], '-append only allowed with -kernel option');
  fails(['-initrd', initrd], '-initrd only allowed with -kernel option');
});

test('-serial: order is COM1.., QEMU defaults and conflicts', () => {
  const sock = join(dir, 's.sock');
  const out = join(dir, 'out,1.txt');
  assert.deepEqual(config('-serial', `file:${out}`, '-serial', `unix:${sock},server,nowait`, '-serial', 'null', '-serial', 'stdio').serial, [
    { kind: 'file', path: out },
    { kind: 'unix', path: sock, server: true, wait: false },
    { kind: 'null' },
    { kind: 'stdio' },
  ]);
  assert.deepEqual(config('-serial', `unix:${sock},server`).serial, [{ kind: 'unix', path: sock, server: true, wait: true }]);
  assert.deepEqual(config('-serial', `unix:${sock},server=on,wait=off`).serial, [{ kind: 'unix', path: sock, server: true, wait: false }]);
  assert.deepEqual(config('-serial', `unix:${sock}`).serial, [{ kind: 'unix', path: sock, server: false, wait: false }]);
  assert.deepEqual(config('-nographic', '-serial', 'null').serial, [{ kind: 'null' }]); // explicit -serial wins
  assert.deepEqual(config('-nographic', '-serial', 'mon:stdio').serial, [{ kind: 'stdio', mux: true }]);
  assert.deepEqual(config('-nographic', '-monitor', 'none').serial, [{ kind: 'stdio' }]);
  assert.deepEqual(config('-nographic', '-nodefaults').serial, []);
  assert.deepEqual(config('-display', 'none').serial, [{ kind: 'null' }]); // QEMU's "vc" shows nowhere
  assert.deepEqual(config('-serial', 'null', '-serial', 'none').serial, [{ kind: 'null' }]);
  assert.deepEqual(config('-serial', 'none').serial, []);
  fails(['-nographic', '-serial', 'stdio'], /^-serial stdio: cannot use stdio by multiple character devices \(with -nographic/);
  fails(['-serial', 'stdio', '-serial', 'stdio'], '-serial stdio: cannot use stdio by multiple character devices');
  fails(['-serial', 'none', '-serial', 'null'], '-serial none before another -serial: COM2 without COM1 is not supported yet');
  fails(['-serial', 'null', '-serial', 'null', '-serial', 'null', '-serial', 'null', '-serial', 'null'],
    '-serial: too many serial ports (5); the pc machine has COM1..COM4');
  fails(['-serial', 'foo'], "-serial foo: 'foo' is not a valid char driver (tkvm supports stdio, mon:stdio, null, none, file:PATH, unix:PATH)");
  fails(['-serial', 'pty'], /^-serial pty: not supported yet/);
  fails(['-serial', 'tcp::4444,server'], /^-serial tcp::4444,server: not supported yet/);
  fails(['-serial', 'file:/nonexistent-dir/x'], "-serial file:/nonexistent-dir/x: Could not open '/nonexistent-dir/x': No such file or directory");
  fails(['-serial', `unix:${sock},wait=off`], `-serial unix:${sock},wait=off: 'wait' option is incompatible with socket in client connect mode`);
  fails(['-serial', `unix:${sock},foo`], `-serial unix:${sock},foo: Invalid parameter 'foo'`);
  fails(['-serial', `unix:${sock},reconnect=1`], `-serial unix:${sock},reconnect=1: socket option 'reconnect' is not supported yet`);
  fails(['-serial', `unix:/${'x'.repeat(120)}`], /is too long \(at most 107 bytes\)/);
});

test('-display, -nographic', () => {
  assert.equal(config('-display', 'none').display, 'none');
  assert.equal(config('-nographic').display, 'none');
  fails(['-display', 'gtk'], '-display gtk: display \'gtk\' is not supported yet (tkvm has -display none and -nographic)');
  fails(['-display', 'foo'], "-display foo: Parameter 'type' does not accept value 'foo'");
  fails(['-display', 'none,foo=1'], "-display none,foo=1: Parameter 'foo' is unexpected");
});

test('-device isa-debug-exit with QEMU defaults', () => {
  assert.deepEqual(config('-device', 'isa-debug-exit').debugExit, { iobase: 0x501, iosize: 2 });
  assert.deepEqual(config('-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04').debugExit, { iobase: 0xf4, iosize: 4 });
  assert.deepEqual(config('-device', 'driver=isa-debug-exit,iobase=244').debugExit, { iobase: 244, iosize: 2 });
  fails(['-device', 'e1000'], "-device e1000: 'e1000' is not a valid device model name (tkvm supports: isa-debug-exit, isa-debugcon)");
  fails(['-device', 'isa-debug-exit,foo=1'], "-device isa-debug-exit,foo=1: Property 'isa-debug-exit.foo' not found (it has iobase and iosize)");
  fails(['-device', 'isa-debug-exit,iobase=foo'], "-device isa-debug-exit,iobase=foo: Parameter 'iobase' expects integer");
  fails(['-device', 'isa-debug-exit,iobase=0xffff,iosize=4'], /do not fit the 64 KiB I\/O space/);
  fails(['-device', 'isa-debug-exit', '-device', 'isa-debug-exit'], '-device isa-debug-exit: only one isa-debug-exit device is supported');
});

test('accelerators: -enable-kvm, -accel, -machine accel=', () => {
  assert.equal(config('-enable-kvm').accel, 'kvm');
  assert.equal(config('-accel', 'kvm').accel, 'kvm');
  assert.equal(config('-accel', 'tcg').accel, 'emu');
  assert.equal(config('-accel', 'emu').accel, 'emu');
  assert.equal(config('-accel', 'kvm', '-accel', 'tcg').accel, 'auto');
  assert.equal(config('-machine', 'pc,accel=kvm:tcg').accel, 'auto');
  assert.equal(config('-machine', 'accel=tcg').accel, 'emu');
  assert.equal(config('-M', 'type=pc', '-enable-kvm').accel, 'kvm');
  fails(['-enable-kvm', '-accel', 'tcg'], 'The -accel and "-machine accel=" options are incompatible (-enable-kvm is -machine accel=kvm)');
  fails(['-accel', 'foo'], '-accel foo: invalid accelerator foo');
  fails(['-accel', 'xen'], '-accel xen: accelerator xen is not supported (tkvm has kvm and tcg/emu)');
  fails(['-accel', 'kvm,foo=1'], "-accel kvm,foo=1: Property 'kvm-accel.foo' not found (tkvm takes no accelerator properties yet)");
  fails(['-machine', 'q35'], "-machine q35: machine type 'q35' is not supported yet (tkvm has 'pc')");
  fails(['-machine', 'foo'], "-machine foo: unsupported machine type 'foo'; use -machine help to list supported machines");
  fails(['-M', 'pc,usb=off'], "-machine pc,usb=off: machine property 'usb' is not supported (tkvm supports type=pc, accel= and acpi=)");
});

test('-name, -cpu, -no-acpi', () => {
  assert.equal(config('-name', 'vm1,debug-threads=on').name, 'vm1');
  assert.equal(config('-name', 'guest=a,,b').name, 'a,b');
  fails(['-name', 'a,process=b'], '-name a,process=b: process= (the host process name) is not supported yet');
  assert.equal(config('-cpu', 'max').cpuModel, 'max');
  fails(['-cpu', 'Haswell'], "-cpu Haswell: unable to find CPU model 'Haswell' (tkvm supports host, max, qemu64)");
  fails(['-cpu', 'host,+avx'], '-cpu host,+avx: CPU feature flags are not supported yet; use -cpu host');
  assert.equal(config('-no-acpi').noAcpi, true);
});

test('-machine acpi=off|on|auto: QEMU\'s OnOffAuto, the same switch as -no-acpi', () => {
  assert.equal(config('-machine', 'acpi=off').noAcpi, true);
  assert.equal(config('-M', 'pc,acpi=off,accel=kvm').noAcpi, true);
  assert.equal(config('-machine', 'pc,acpi=on').noAcpi, false);
  assert.equal(config('-machine', 'acpi=auto').noAcpi, false);
  assert.equal(config().noAcpi, false);
  assert.equal(config('-no-acpi', '-machine', 'acpi=on').noAcpi, false); // the later option wins
  fails(['-machine', 'acpi=yes'], "Parameter 'acpi' does not accept value 'yes'");
});

test('drives: shorthands, -drive, -snapshot, bare image', () => {
  const c = config(disk, '-cdrom', iso, '-hdb', disk, '-drive', `file=${disk},format=qcow2,if=ide,index=3`, '-snapshot');
  assert.deepEqual(c.drives, [
    { file: disk, media: 'disk', index: 0, readOnly: false, snapshot: true },
    { file: iso, media: 'cdrom', index: 2, readOnly: true, snapshot: true },
    { file: disk, media: 'disk', index: 1, readOnly: false, snapshot: true },
    { file: disk, media: 'disk', index: 3, readOnly: false, snapshot: true, format: 'qcow2' },
  ]);
  assert.deepEqual(config('-hda', disk, '-drive', `file=${iso},media=cdrom`).drives[1],
    { file: iso, media: 'cdrom', index: 1, readOnly: true, snapshot: false });
  assert.equal(config('-drive', `file=${disk},bus=1,unit=1,readonly=on`).drives[0]?.index, 3);
  fails(['-hdc', disk, '-cdrom', iso], `-cdrom ${iso}: drive with bus=1, unit=0 (index=2) exists`);
  fails(['-drive', `file=${disk},index=4`], `-drive file=${disk},index=4: machine type does not support if=ide,bus=2,unit=0`);
  fails(['-hda', '/nonexistent.img'], "-hda /nonexistent.img: Could not open '/nonexistent.img': No such file or directory");
  fails(['-drive', `file=${disk},if=virtio`], `-drive file=${disk},if=virtio: if=virtio is not supported yet (tkvm has if=ide)`);
  fails(['-drive', `file=${disk},format=foo`], `-drive file=${disk},format=foo: Unknown driver 'foo' (tkvm supports raw, qcow2, qcow)`);
  fails(['-drive', `file=${disk},format=vmdk`], `-drive file=${disk},format=vmdk: format 'vmdk' is not supported yet (tkvm supports raw, qcow2, qcow)`);
  fails(['-drive', 'media=cdrom'], '-drive media=cdrom: a drive needs file=PATH (empty CD-ROM drives are not supported yet)');
  fails(['-drive', `file=${disk},cache=fast`], /invalid cache option 'fast'/);
});

test('-boot and -bios', () => {
  assert.equal(config('-boot', 'dc').bootOrder, 'dc');
  assert.equal(config('-boot', 'order=cdn,menu=off').bootOrder, 'cdn');
  assert.equal(config('-boot', 'order=cdn,menu=off').bootMenu, false);
  assert.equal(config('-boot', 'menu=on').bootMenu, true);
  assert.equal(config('-boot', 'menu=on').bootOrder, undefined); // QEMU keeps its default order
  fails(['-boot', 'menu=maybe'], /-boot menu=maybe: .*menu/);
  fails(['-boot', 'z'], "-boot z: Invalid boot device 'z'");
  fails(['-boot', 'cc'], "-boot cc: Boot device 'c' was given twice");
  fails(['-boot', 'once=d'], "-boot once=d: boot option 'once' is not supported yet");
  fails(['-boot', 'order=c,foo=1'], "-boot order=c,foo=1: Invalid parameter 'foo'");
  assert.equal(config('-bios', kernel).bios, kernel);
  fails(['-bios', '/nonexistent/bios.bin'], "-bios /nonexistent/bios.bin: could not load PC BIOS '/nonexistent/bios.bin'");
});
