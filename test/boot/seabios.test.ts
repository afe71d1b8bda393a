/**
 * Firmware boot on KVM with Debian's SeaBIOS, nobody here wrote it: with no disks it must print its
 * banner and "No bootable device." on the serial console (sercon, as with QEMU's -nographic), log
 * to the debug port 0x402, describe the machine the way it does under QEMU with the same command
 * line, and start over after a reset. SeaBIOS's real-mode code is emulated on this nested KVM
 * (DESIGN section 5): a run takes seconds. The kill guard is against hangs, not a speed assertion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MachineConfig } from '../../src/cli/config.js';
import type { CharBackend } from '../../src/chardev/char-backend.js';
import { VmHost } from '../../src/machine/vm-host.js';
import { TKVM, kvmUnusableReason, runProcess, which } from '../helpers/process.js';

const BIOS = '/usr/share/seabios/bios-256k.bin';
const QEMU = which('qemu-system-x86_64');
const skip = kvmUnusableReason() ?? (existsSync(BIOS) ? false : `${BIOS} absent (Debian package seabios)`);
const dir = mkdtempSync(join(tmpdir(), 'tkvm-seabios-'));
const NO_BOOT = 'No bootable device.';

/** Runs a -nographic VM until SeaBIOS gives up, then quits it with Ctrl-A x; returns the serial text. */
async function bootToNoDevice(program: string, args: readonly string[]): Promise<{ serial: string; status: number | null }> {
  let quitting = false;
  const r = await runProcess(program, args, {
    killAfterMs: 300_000,
    onStdout: (text, child) => {
      if (quitting || !text.includes(NO_BOOT)) return;
      quitting = true;
      child.stdin?.write('\x01x');
    },
  });
  return { serial: r.stdout.replace(/\r/g, ''), status: r.status };
}

/** The debug-log lines that describe the machine (not timings or allocation addresses). */
function machineLines(log: string): string[] {
  const keep = /^(SeaBIOS \(version|Running on |Found QEMU fw_cfg|QEMU fw_cfg DMA|qemu\/e820: |PCI: init bdf=00:0[01]\.0 |PIIX3\/PIIX4 init|Found \d+ cpu|sercon: using|  \d: [0-9a-f]{16} - [0-9a-f]{16} = |No bootable device)/;
  return log.split('\n').filter((l) => keep.test(l) && !l.includes('000000fd00000000')); // QEMU's AMD HyperTransport hole
}

test('tkvm -m 256 -nographic boots SeaBIOS: banner and "No bootable device." on serial, its log on -debugcon', { skip }, async () => {
  const log = join(dir, 'debugcon.log');
  const r = await bootToNoDevice(TKVM, ['-m', '256', '-nographic', '-debugcon', `file:${log}`]);
  assert.equal(r.status, 0, r.serial);
  assert.match(r.serial, /SeaBIOS \(version [^)]+\)/);
  assert.ok(r.serial.includes(NO_BOOT), r.serial);
  const text = readFileSync(log, 'latin1');
  for (const line of ['Running on QEMU (i440fx)', 'Running on KVM', 'Found QEMU fw_cfg', 'QEMU fw_cfg DMA interface supported',
    'qemu/e820: addr 0x0000000000000000 len 0x0000000010000000 [RAM]', 'PIIX3/PIIX4 init: elcr=00 0c', 'sercon: using ioport 0x3f8',
    // With ACPI (no -no-acpi) SeaBIOS keeps the tables it loaded at the top of RAM: entry 4.
    'PCI: init bdf=00:01.3 id=8086:7113', '  5: 00000000feffc000 - 00000000ff000000 = 2 RESERVED', NO_BOOT]) {
    assert.ok(text.includes(line), `debug log lacks "${line}":\n${text}`);
  }
});

test('SeaBIOS describes tkvm\'s machine as it describes QEMU\'s for the same command line', { skip: skip || (QEMU === undefined ? 'qemu-system-x86_64 absent' : false) }, async () => {
  const args = (log: string): string[] => ['-enable-kvm', '-m', '256', '-nographic', '-no-acpi', '-nodefaults', '-serial', 'mon:stdio',
    '-chardev', `file,id=seabios,path=${log}`, '-device', 'isa-debugcon,iobase=0x402,chardev=seabios'];
  const ours = join(dir, 'tkvm.log');
  const theirs = join(dir, 'qemu.log');
  const t = await bootToNoDevice(TKVM, args(ours));
  const q = await bootToNoDevice(QEMU!, args(theirs));
  assert.ok(t.serial.includes(NO_BOOT) && q.serial.includes(NO_BOOT), `tkvm:\n${t.serial}\nQEMU:\n${q.serial}`);
  assert.equal(t.serial.match(/SeaBIOS \(version [^)]+\)/)?.[0], q.serial.match(/SeaBIOS \(version [^)]+\)/)?.[0]);
  assert.deepEqual(machineLines(readFileSync(ours, 'latin1')), machineLines(readFileSync(theirs, 'latin1')));
});

/** A console that records output and resolves waits on it. */
class Console implements CharBackend {
  text = '';
  private waiters: Array<{ test: () => boolean; resolve: () => void }> = [];
  write(data: Uint8Array): void {
    this.text += Buffer.from(data).toString('latin1').replace(/\r/g, '');
    this.waiters = this.waiters.filter((w) => (w.test() ? (w.resolve(), false) : true));
  }
  onInput(): void {}
  close(): void {}
  /** Resolves once `needle` has appeared `count` times. */
  waitCount(needle: string, count: number): Promise<void> {
    const test = (): boolean => this.text.split(needle).length - 1 >= count;
    return test() ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
}

test('a reset brings the pristine BIOS back: SeaBIOS starts over and fails to boot again', { skip }, async () => {
  const serial = new Console();
  const debug = new Console();
  const config: MachineConfig = {
    memoryBytes: 128 * 2 ** 20, cpus: 1, accel: 'kvm', append: '', serial: [{ kind: 'stdio' }], nographic: true, display: 'none',
    noReboot: false, drives: [], noAcpi: true, debugcons: [{ iobases: [0x402], chardev: { kind: 'null' } }],
  };
  let resets = 0;
  const host = new VmHost(config, [serial], { onReset: () => resets++ }, [debug]);
  const done = host.run();
  await serial.waitCount(NO_BOOT, 1);
  host.reset();
  await serial.waitCount(NO_BOOT, 2);
  host.quit();
  const exit = await done;
  assert.equal(exit.status, 0);
  assert.equal(resets, 1);
  assert.equal(serial.text.split('SeaBIOS (version').length - 1, 2, serial.text);
  // After the reset SeaBIOS ran its power-on path again (a reboot loop would be caught and halted).
  assert.equal(debug.text.split('Running on QEMU (i440fx)').length - 1, 2, debug.text);
});

const GRUB_ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';

/**
 * Boots to SeaBIOS's boot menu on the serial console (-nographic: sercon reads keys from COM1 by
 * polling, so no keyboard interrupt is involved), opens it with ESC, picks entry `choice`, and
 * quits once SeaBIOS says what it boots. Returns the serial text without escape sequences.
 */
async function bootMenu(program: string, args: readonly string[], choice: string): Promise<{ serial: string; status: number | null }> {
  let step = 0;
  const r = await runProcess(program, args, {
    killAfterMs: 300_000,
    onStdout: (text, child) => {
      if (step === 0 && text.includes('Press ESC for boot menu.')) (step = 1), child.stdin?.write('\x1b');
      else if (step === 1 && /Select boot device:[\s\S]*\n\r?\n/.test(text.slice(text.indexOf('Select boot device:')))) (step = 2), child.stdin?.write(choice);
      else if (step === 2 && /Booting from [^\r\n]*\.\.\./.test(text)) (step = 3), child.stdin?.write('\x01x');
    },
  });
  return { serial: r.stdout.replace(/\r/g, '').replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1bc/g, ''), status: r.status };
}

test('-boot order=cd,menu=on: SeaBIOS\'s boot menu lists the disk and the CD as under QEMU, and boots the one chosen', { skip: skip || (existsSync(GRUB_ISO) ? false : `${GRUB_ISO} absent (Debian package grub-rescue-pc)`) }, async () => {
  const disk = join(dir, 'menu-disk.raw');
  writeFileSync(disk, Buffer.alloc(1 << 20));
  const args = ['-m', '256', '-nographic', '-no-acpi', '-boot', 'order=cd,menu=on', '-drive', `file=${disk},format=raw,if=ide,index=0`, '-cdrom', GRUB_ISO];
  const menuLines = (serial: string): string[] => serial.split('\n').filter((l) => /^\d\. /.test(l));
  const t = await bootMenu(TKVM, args, '2');
  assert.equal(t.status, 0, t.serial);
  assert.deepEqual(menuLines(t.serial).map((l) => l.replace(/ \(.*\)$/, '').replace(/ \[.*$/, '')), ['1. ata0-0: QEMU HARDDISK ATA-7 Hard-Disk', '2. DVD/CD']);
  assert.match(t.serial, /Booting from DVD\/CD\.\.\./);
  if (QEMU === undefined) return;
  // QEMU's defaults add a floppy drive and a NIC (iPXE), and with KVM the kvmvapic option ROM
  // ("Legacy option rom"); tkvm's pc has none of them, so QEMU runs without them.
  const q = await bootMenu(QEMU, ['-enable-kvm', '-nodefaults', '-serial', 'mon:stdio', '-vga', 'std', '-global', 'apic-common.vapic=off', ...args], '2');
  assert.deepEqual(menuLines(t.serial), menuLines(q.serial));
});
