import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { longModeKernelReason, refuseLongModeKernel } from './emu-kernel-check.js';

/** The first 20 bytes of an ELF header: magic, class, little-endian, version, e_type 2, e_machine. */
function elfHeader(cls: number, machine: number): Uint8Array {
  const h = new Uint8Array(20);
  h.set([0x7f, 0x45, 0x4c, 0x46, cls, 1, 1]);
  h[16] = 2;
  h[18] = machine & 0xff;
  h[19] = machine >> 8;
  return h;
}

/** The start of a bzImage: "HdrS", boot protocol `version`, xloadflags. */
function bzImageHeader(version: number, xloadflags: number): Uint8Array {
  const h = new Uint8Array(0x400);
  h.set([0x48, 0x64, 0x72, 0x53], 0x202);
  h[0x206] = version & 0xff;
  h[0x207] = version >> 8;
  h[0x236] = xloadflags;
  return h;
}

test('a bzImage with XLF_KERNEL_64 needs long mode; a 32-bit one (xloadflags bit 0 clear, or protocol < 2.12) passes', () => {
  assert.match(longModeKernelReason(bzImageHeader(0x20f, 0x7f)) ?? '', /64-bit \(x86-64\) Linux kernel \(its setup header sets XLF_KERNEL_64\)/);
  assert.equal(longModeKernelReason(bzImageHeader(0x20f, 0x04)), undefined); // Debian's i686 kernel has xloadflags 0x4
  assert.equal(longModeKernelReason(bzImageHeader(0x20b, 0x01)), undefined); // before 2.12 the field is not there
});

test('an x86-64 ELF (class 64 or e_machine 62) needs long mode; an i386 ELF and a 32-bit bzImage pass', () => {
  assert.match(longModeKernelReason(elfHeader(2, 62)) ?? '', /64-bit \(x86-64\) ELF kernel, which needs long mode/);
  assert.match(longModeKernelReason(elfHeader(1, 62)) ?? '', /needs long mode/);
  assert.match(longModeKernelReason(elfHeader(2, 3)) ?? '', /needs long mode/);
  assert.equal(longModeKernelReason(elfHeader(1, 3)), undefined);
  assert.equal(longModeKernelReason(bzImageHeader(0x20f, 0)), undefined);
  assert.equal(longModeKernelReason(elfHeader(2, 62).subarray(0, 10)), undefined); // too short: the loader reports it
});

test('refuseLongModeKernel names the file and says to use -accel kvm or a 32-bit build, in one line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tkvm-emu-kernel-'));
  const k64 = path.join(dir, 'k64.elf');
  const k32 = path.join(dir, 'k32.elf');
  writeFileSync(k64, elfHeader(2, 62));
  writeFileSync(k32, elfHeader(1, 3));
  assert.throws(() => refuseLongModeKernel(k64), (e: Error & { kind?: string }) => {
    assert.equal(e.kind, 'unsupported');
    assert.ok(e.message.includes(k64));
    assert.match(e.message, /use -accel kvm, or a 32-bit \(i386\) build of the kernel$/);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
  refuseLongModeKernel(k32);
  refuseLongModeKernel(path.join(dir, 'missing.elf')); // left to the loader's own message
});
