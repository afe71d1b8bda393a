// Real firmware on the software CPU (issue 6, "How it is checked"): Debian's SeaBIOS prints its
// banner on the serial console with -accel emu -nographic, and GRUB's rescue CD boots through it
// to its menu on the VGA text screen (read through QMP). Keys sent with QMP send-key reach GRUB:
// this is what the nested KVM here cannot do (test/boot/pc-media.test.ts skips it) and the point
// of the software CPU. The guards only stop a hung run; nothing here asserts a speed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TKVM, runProcess } from '../helpers/process.js';
import { quitQmpVm, startQmpVm, typeKeys, waitForScreen } from '../helpers/qmp-vm.js';

const BIOS = '/usr/share/seabios/bios-256k.bin';
const GRUB_ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const HANG_GUARD_MS = 500_000;
const dir = mkdtempSync(join(tmpdir(), 'tkvm-emu-firmware-'));

const biosSkip = (existsSync(BIOS) ? false : `${BIOS} absent (Debian package seabios)`);
const grubSkip = biosSkip || (existsSync(GRUB_ISO) ? false : `${GRUB_ISO} absent (Debian package grub-rescue-pc; scripts/setup.sh installs it)`);

test('SeaBIOS on the software CPU prints its banner on the serial console (-accel emu -nographic)', { skip: biosSkip }, async () => {
  let quitting = false;
  const r = await runProcess(TKVM, ['-accel', 'emu', '-m', '128', '-nographic'], {
    killAfterMs: HANG_GUARD_MS,
    onStdout: (text, child) => {
      if (quitting || !text.includes('No bootable device.')) return;
      quitting = true;
      child.stdin?.write('\x01x');
    },
  });
  const serial = r.stdout.replace(/\r/g, '');
  assert.match(serial, /SeaBIOS \(version [^)]+\)/, r.stderr);
  assert.ok(serial.includes('No bootable device.'), serial + r.stderr);
  assert.equal(r.status, 0, r.stderr);
});

test('GRUB rescue CD on the software CPU: the menu on the VGA screen, and keys reach GRUB (c opens its command line, ls lists the devices)', { skip: grubSkip }, async () => {
  const vm = await startQmpVm(dir, 'grub', ['-accel', 'emu', '-m', '256', '-no-acpi', '-cdrom', GRUB_ISO, '-boot', 'd', '-serial', 'null'], HANG_GUARD_MS);
  try {
    const menu = await waitForScreen(vm, /GNU GRUB[\s\S]*Memtest86\+/);
    assert.match(menu, /GNU\/Linux/);
    assert.match(menu, /Use the . and . keys to select which entry is highlighted/);
    await typeKeys(vm, ['c']);
    await waitForScreen(vm, /grub> *$/m);
    await typeKeys(vm, ['l', 's', 'ret']);
    const listing = await waitForScreen(vm, /grub> ls\s*\n.*\(cd/);
    assert.match(listing, /\(cd\d*\)/);
  } finally {
    assert.equal(await quitQmpVm(vm), 0);
  }
});
