import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, makeRig, runToHalt, startReal } from './cpu.test-util.js';

const CF = 1, ZF = 0x40, SF = 0x80, OF = 0x800;

test('real mode: moves, ALU flags, stack and a loop reach HLT with the SDM results', () => {
  const rig = makeRig();
  startReal(rig, assemble(`
    .code16
    mov $0x1234, %ax
    mov $0x10, %cx
    xor %bx, %bx
  1: add %cx, %bx
    loop 1b
    push %bx
    pop %dx
    mov $0xff, %al
    add $1, %al
    hlt
  `, 0x1000));
  assert.equal(runToHalt(rig), 'halted');
  const st = rig.cpu.getState();
  assert.equal(st.gpr[3]! & 0xffff, 136);
  assert.equal(st.gpr[2]! & 0xffff, 136);
  assert.equal(st.gpr[0]! & 0xff, 0);
  assert.equal(st.eflags & (CF | ZF | SF | OF), CF | ZF);
  assert.equal(st.gpr[4]! & 0xffff, 0x7000);
});

test('real mode: 32-bit operands, MUL/DIV, shifts, string ops with REP and the direction flag', () => {
  const rig = makeRig();
  startReal(rig, assemble(`
    .code16
    movl $0x12345678, %eax
    movl $0x10, %ecx
    mull %ecx
    movl %eax, %esi
    movl $7, %ebx
    xorl %edx, %edx
    movl $100, %eax
    divl %ebx
    movw $0x2000, %di
    movw $0x55aa, %ax
    movw $4, %cx
    cld
    rep stosw
    movw $0x2000, %si
    movw $0x3000, %di
    movw $8, %cx
    rep movsb
    shll $4, %ebx
    sarw $1, %bx
    hlt
  `, 0x1000));
  assert.equal(runToHalt(rig), 'halted');
  const st = rig.cpu.getState();
  assert.equal(st.gpr[6], 0x23452008);
  assert.equal(st.gpr[7], 0x3008);
  assert.equal(st.gpr[0], 0x55aa);
  assert.equal(st.gpr[2], 2);
  assert.equal(st.gpr[3], 56);
  assert.equal(st.gpr[1], 0);
  assert.deepEqual([...rig.mem.ram.subarray(0x3000, 0x3008)], [0xaa, 0x55, 0xaa, 0x55, 0xaa, 0x55, 0xaa, 0x55]);
});
