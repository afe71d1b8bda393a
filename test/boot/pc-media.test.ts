/**
 * The PC machine with real media nobody here wrote: Debian's GRUB rescue CD (grub-rescue-pc)
 * boots through SeaBIOS from the IDE CD-ROM and shows its menu on the VGA text screen, read back
 * through QMP; a real VNC client (vncsnapshot) captures the same screen; query-block and eject
 * see the CD; the same package's hard-disk image boots with -hda -boot c, as raw and as qcow2.
 * Firmware and boot loaders run emulated on this nested KVM (DESIGN section 5), so each boot
 * takes tens of seconds; the guards only stop a hung run.
 *
 * Keys at GRUB's menu: on this nested KVM neither tkvm nor QEMU+KVM gets a key through to GRUB
 * (checked 2026-11-29: QEMU 7.2 with -enable-kvm and QMP send-key "c" leaves the menu counting
 * down; tkvm's i8042 raises IRQ 1 and the guest never takes it). The key path is tested up to the
 * IRQ line in src/input and src/devices; the GRUB keyboard test runs where KVM is a real host's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kvmUnusableReason, which } from '../helpers/process.js';
import { quitQmpVm, startQmpVm, typeKeys, waitForScreen, type QmpVm } from '../helpers/qmp-vm.js';

const GRUB_ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const dir = mkdtempSync(join(tmpdir(), 'tkvm-pc-media-'));
const HANG_GUARD_MS = 400_000;

const kvmSkip = kvmUnusableReason() ?? (existsSync('/usr/share/seabios/bios-256k.bin') ? false : 'Debian package seabios is not installed');
const grubSkip = kvmSkip || (existsSync(GRUB_ISO) ? false : `${GRUB_ISO} absent (Debian package grub-rescue-pc; scripts/setup.sh installs it)`);

const GRUB_USB = '/usr/lib/grub-rescue/grub-rescue-usb.img';
/** Nested paravirtual KVM (kvm_pvm, DESIGN section 5) cannot deliver GRUB's keyboard interrupts. */
const NESTED_PVM = existsSync('/sys/module/kvm_pvm');

type Vm = QmpVm;
const startVm = (name: string, args: readonly string[]): Promise<Vm> => startQmpVm(dir, name, args, HANG_GUARD_MS);
const type = typeKeys;
const quit = quitQmpVm;

test('GRUB rescue CD: menu on the VGA screen and through a real VNC client; query-block and eject see the CD', { skip: grubSkip }, async (t) => {
  const hd = join(dir, 'hd.qcow2');
  const created = spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', hd, '64M'], { encoding: 'utf8' });
  assert.equal(created.status, 0, created.stderr);
  const vncDisplay = 40 + (process.pid % 50);
  const vm = await startVm('grub', ['-m', '256', '-no-acpi', '-cdrom', GRUB_ISO, '-drive', `file=${hd},format=qcow2,if=ide,index=0`, '-boot', 'd', '-serial', 'null', '-vnc', `127.0.0.1:${vncDisplay}`]);
  try {
    const menu = await waitForScreen(vm, /GNU GRUB[\s\S]*Memtest86\+/);
    assert.match(menu, /GNU\/Linux/);
    assert.match(menu, /Use the . and . keys to select which entry is highlighted/);

    await t.test('a real VNC client captures the menu screen', { skip: which('vncsnapshot') === undefined || which('djpeg') === undefined ? 'vncsnapshot or djpeg absent' : false }, () => {
      const jpg = join(dir, 'grub.jpg');
      const snap = spawnSync('vncsnapshot', ['-quiet', `127.0.0.1:${vncDisplay}`, jpg], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(snap.status, 0, snap.stderr);
      const ppm = spawnSync('djpeg', ['-pnm', jpg]).stdout as Buffer;
      const header = ppm.subarray(0, 20).toString('latin1').split(/\s+/);
      assert.deepEqual(header.slice(0, 3), ['P6', '720', '400'], "GRUB's 80x25 text mode is 720x400 pixels");
      const pixels = ppm.subarray(ppm.length - 720 * 400 * 3);
      let bright = 0;
      for (let i = 0; i < pixels.length; i += 3) if (pixels[i]! + pixels[i + 1]! + pixels[i + 2]! > 300) bright++;
      // Menu text and the highlighted entry's bar are bright on a black screen: some, not all.
      assert.ok(bright > 2000 && bright < pixels.length / 3 / 2, `${bright} bright pixels`);
    });

    await t.test("keys sent through QMP reach GRUB: c opens its command line, ls lists the CD and the disk", { skip: NESTED_PVM ? 'this nested KVM (kvm_pvm) does not deliver keyboard interrupts to GRUB; QEMU+KVM here behaves the same (see the file comment)' : false }, async () => {
      await type(vm, ['c']);
      await waitForScreen(vm, /grub> *$/m);
      await type(vm, ['l', 's', 'ret']);
      const listing = await waitForScreen(vm, /grub> ls\s*\n.*\(cd/);
      assert.match(listing, /\(hd0\)/);
    });

    const blocks = (await vm.qmp.execute('query-block')).return as Array<{ device: string; removable: boolean; tray_open?: boolean; inserted?: { file: string; ro: boolean; drv: string } }>;
    const cd = blocks.find((b) => b.device === 'ide1-cd0');
    assert.equal(cd?.removable, true);
    assert.equal(cd?.inserted?.file, GRUB_ISO);
    assert.equal(cd?.inserted?.ro, true);
    assert.equal(blocks.find((b) => b.device === 'ide0-hd0')?.inserted?.drv, 'qcow2');

    assert.deepEqual((await vm.qmp.execute('eject', { device: 'ide1-cd0', force: true })).return, {});
    const after = (await vm.qmp.execute('query-block')).return as typeof blocks;
    assert.equal(after.find((b) => b.device === 'ide1-cd0')?.inserted, undefined);
    assert.equal(after.find((b) => b.device === 'ide1-cd0')?.tray_open, true);
  } finally {
    assert.equal(await quit(vm), 0);
  }
  const check = spawnSync('qemu-img', ['check', hd], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
});

for (const format of ['raw', 'qcow2'] as const) {
  test(`GRUB's rescue hard-disk image (${format}) boots with -hda -boot c to the same menu`, { skip: grubSkip || (existsSync(GRUB_USB) ? false : `${GRUB_USB} absent`) }, async () => {
    const image = join(dir, `usb.${format}`);
    const r = spawnSync('qemu-img', ['convert', '-f', 'raw', '-O', format, GRUB_USB, image], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const vm = await startVm(`usb-${format}`, ['-m', '256', '-no-acpi', '-drive', `file=${image},format=${format},if=ide,index=0`, '-boot', 'c', '-serial', 'null']);
    try {
      const screen = await waitForScreen(vm, /GNU GRUB[\s\S]*Memtest86\+/);
      assert.match(screen, /GNU GRUB  version 2\.\d+/);
    } finally {
      assert.equal(await quit(vm), 0);
    }
    const check = spawnSync('qemu-img', ['check', '-f', format, image], { encoding: 'utf8' });
    assert.ok(format === 'raw' || check.status === 0, check.stdout + check.stderr);
  });
}
