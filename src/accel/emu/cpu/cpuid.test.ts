// CPUID as the guest sees it, and the MSRs its identity implies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PM_PROLOGUE } from './pm-boot.test-util.js';
import { assemble, makeRig, runToHalt, startReal } from './cpu.test-util.js';

test('CPUID leaf 1 sets the hypervisor bit like QEMU\'s CPU models, and the P6 event-select MSR 0x186 raises #GP(0)', () => {
  // Linux's perf probe reads MSR 0x186; with the hypervisor bit a #GP there reads "PMU not
  // available due to virtualization" (as under QEMU) instead of "Broken PMU hardware detected".
  const rig = makeRig({ stopOnException: true });
  startReal(rig, assemble(`${PM_PROLOGUE}
pm_main:
  mov $1, %eax
  cpuid
  mov %ecx, %esi
  mov $0x186, %ecx
  rdmsr
  hlt
`, 0x1000));
  assert.equal(runToHalt(rig), 'exception');
  assert.deepEqual(rig.exceptions, [{ vector: 13, code: 0 }]);
  assert.equal(rig.cpu.getState().gpr[6]! >>> 31, 1);
});
