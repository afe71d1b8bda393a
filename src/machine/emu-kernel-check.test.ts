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

test('an x86-64 ELF (class 64 or e_machine 62) needs long mode; an i386 ELF and a bzImage pass', () => {
  assert.match(longModeKernelReason(elfHeader(2, 62)) ?? '', /64-bit \(x86-64\) ELF kernel, which needs long mode/);
  assert.match(longModeKernelReason(elfHeader(1, 62)) ?? '', /needs long mode/);
  assert.match(longModeKernelReason(elfHeader(2, 3)) ?? '', /needs long mode/);
  assert.equal(longModeKernelReason(elfHeader(1, 3)), undefined);
  const bzImage = new Uint8Array(0x400);
  bzImage.set([0x48, 0x64, 0x72, 0x53], 0x202); // "HdrS"
  assert.equal(longModeKernelReason(bzImage), undefined);
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
