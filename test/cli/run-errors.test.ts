// What a user sees for command lines tkvm cannot run: one line naming the problem, status 1,
// never a stack trace and never a silently ignored option.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TKVM, runProcess } from '../helpers/process.js';

async function tkvm(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  const r = await runProcess(TKVM, args);
  return { status: r.status, stderr: r.stderr };
}

test('the seed command line with a missing CD image names the file, like QEMU', async () => {
  const r = await tkvm('-no-acpi', '-m', '256', '-cdrom', '/nonexistent/winxpsp2.iso', '-hda', '/nonexistent/hda.img', '-boot', 'd');
  assert.equal(r.status, 1);
  assert.equal(r.stderr, "tkvm: -cdrom /nonexistent/winxpsp2.iso: Could not open '/nonexistent/winxpsp2.iso': No such file or directory\n");
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('a read-only IDE hard disk is refused as QEMU refuses it', async () => {
  const r = await tkvm('-m', '64', '-drive', 'file=/etc/hostname,format=raw,if=ide,readonly=on');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^tkvm: \/etc\/hostname: Can't use a read-only drive/);
});

test('a -bios file that is not a BIOS image is named as such', async () => {
  const r = await tkvm('-m', '64', '-bios', '/etc/hostname');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^tkvm: BIOS image '\/etc\/hostname' is \d+ bytes; a PC BIOS must be a non-empty multiple of 64 KiB\n$/);
});

test('a file that is not a kernel is named as such', async () => {
  const r = await tkvm('-m', '64', '-kernel', '/etc/hostname');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^tkvm: not a bzImage: .*pass a Linux bzImage or a PVH ELF kernel to -kernel\n$/);
});

test('unknown options and bad sizes are errors naming them', async () => {
  const r = await tkvm('-frobnicate');
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'tkvm: -frobnicate: invalid option\n');
  const m = await tkvm('-m', '12Q', '-kernel', '/etc/hostname');
  assert.equal(m.status, 1);
  assert.match(m.stderr, /^tkvm: -m 12Q: /);
});

test('-version and -h answer without starting a VM', async () => {
  const v = await runProcess(TKVM, ['-version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^tkvm emulator version \d+\.\d+\.\d+/);
  const h = await runProcess(TKVM, ['-h']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /-kernel/);
});
