import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, makeRig, startReal, type TestRig } from '../cpu.test-util.js';
import { PM_PROLOGUE } from '../pm-boot.test-util.js';
import { jitThreshold, setJitThreshold } from './jit-policy.js';

/** Runs `source` to HLT on a fresh CPU with the compile threshold `threshold` (-1: interpreter only). */
function runWith(source: string, threshold: number): TestRig {
  const saved = jitThreshold();
  setJitThreshold(threshold);
  try {
    const rig = makeRig();
    startReal(rig, assemble(PM_PROLOGUE + source, 0x1000));
    assert.equal(rig.cpu.run(2_000_000), 'halted');
    return rig;
  } finally {
    setJitThreshold(saved);
  }
}

/** Runs `source` interpreted, compiled at the first run and compiled when hot; all three must end in the same state. */
function compareModes(source: string): TestRig {
  const ref = runWith(source, -1);
  for (const threshold of [1, 8]) {
    const rig = runWith(source, threshold);
    assert.deepEqual(rig.cpu.getState(), ref.cpu.getState(), `state with compile threshold ${threshold}`);
    assert.deepEqual(rig.exceptions, ref.exceptions, `exceptions with compile threshold ${threshold}`);
    assert.equal(rig.cpu.retired, ref.cpu.retired, `instructions retired with compile threshold ${threshold}`);
    assert.ok(Buffer.from(rig.mem.ram).equals(Buffer.from(ref.mem.ram)), `memory with compile threshold ${threshold}`);
  }
  return ref;
}

test('compiled blocks end in the interpreter\'s state: ALU, loads, stores, stack, calls, 16-bit forms, #DE and #GP in mid-block', () => {
  const ref = compareModes(`
pm_main:
  SETGATE de_handler, 0, 0x8e00
  SETGATE gp_handler, 13, 0x8e00
  mov $0x40, %ax
  mov %ax, %fs
  mov $0x200000, %esi
  xor %ebx, %ebx
  mov $300, %ecx
loop:
  mov (%esi,%ecx,4), %eax
  add %ecx, %eax
  mov %eax, 4(%esi,%ecx,4)
  adc %eax, %ebx
  push %ebx
  movzbl (%esi,%ecx), %edx
  pop %edi
  sub %edx, %edi
  lea 3(%edi,%edx,2), %ebp
  xor %ebp, %ebx
  and $0xfff0, %ebp
  or %ebp, %ebx
  test $1, %ecx
  jz even
  addw $3, %bx
  sbb $1, %edx
  call f
even:
  cmp $200, %ecx
  jne nodiv
  xor %edx, %edx
  xor %eax, %eax
  div %eax
nodiv:
  cmp $100, %ecx
  jne nogp
  mov $0x200000, %eax
  mov %fs:(%eax), %edx
nogp:
  dec %ecx
  jnz loop
  hlt
f:
  inc %ebx
  imul %ecx, %ebx
  ret
de_handler:
  incl 0x300000
  addl $2, (%esp)
  iret
gp_handler:
  add $4, %esp
  incl 0x300004
  addl $3, (%esp)
  iret
`);
  // Both faults were taken once, at the instruction that raised them.
  assert.deepEqual(ref.exceptions, [{ vector: 0, code: undefined }, { vector: 13, code: 0 }]);
  assert.equal(ref.mem.ram[0x300000], 1);
  assert.equal(ref.mem.ram[0x300004], 1);
});

test('self-modifying code: a store into the running compiled block and into another compiled block takes effect at once', () => {
  const ref = compareModes(`
pm_main:
  mov $50, %ecx
  xor %ebx, %ebx
l:
  movl %ecx, patch + 1
patch:
  mov $0, %eax
  add %eax, %ebx
  cmp $25, %ecx
  jne 1f
  movb $0x43, patch2
1:
  call sub
  dec %ecx
  jnz l
  hlt
sub:
patch2:
  nop
  ret
`);
  // 50 + 49 + ... + 1 from the patched immediate, plus one INC EBX for each of the last 25 calls.
  assert.equal(ref.cpu.getState().gpr[3], 1275 + 25);
});
