// SSE2 instructions reach the FP unit through the core's decoder (regression: busybox's memset,
// MOVD xmm0, eax then PSHUFD, raised #UD under Debian's i686 kernel).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFpuUnit } from '../fpu/index.js';
import { PM_PROLOGUE } from './pm-boot.test-util.js';
import { assemble, makeRig, runToHalt, startReal } from './cpu.test-util.js';

test('with CR4.OSFXSR, MOVD xmm, r32 / PSHUFD / MOVD r32, xmm run on the FP unit without #UD', () => {
  const rig = makeRig({ stopOnException: true, fpu: createFpuUnit() });
  startReal(rig, assemble(`${PM_PROLOGUE}
pm_main:
  mov %cr4, %eax
  or $0x600, %eax
  mov %eax, %cr4
  mov %cr0, %eax
  and $0xfffffffb, %eax
  or $0x2, %eax
  mov %eax, %cr0
  mov $0x12345678, %eax
  movd %eax, %xmm0
  pshufd $0, %xmm0, %xmm0
  psrldq $4, %xmm0
  movd %xmm0, %ebx
  hlt
`, 0x1000));
  assert.equal(runToHalt(rig), 'halted', JSON.stringify(rig.exceptions));
  assert.deepEqual(rig.exceptions, []);
  assert.equal(rig.cpu.getState().gpr[3], 0x12345678);
});
