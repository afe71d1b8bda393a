import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, makeRig, startReal } from './cpu.test-util.js';

/** Runs 32-bit code (in a 16-bit real-mode segment with operand-size prefixes) and returns the final state. */
function run(body: string) {
  const rig = makeRig();
  startReal(rig, assemble('.code16\n' + body + '\nhlt\n', 0x1000));
  assert.equal(rig.cpu.run(100_000), 'halted');
  return { st: rig.cpu.getState(), rig };
}

const CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;

test('bit operations: BT/BTS/BTR/BTC with register offsets into memory, BSF/BSR, BSWAP', () => {
  const { st, rig } = run(`
    movl $0, 0x2000
    movl $0, 0x2004
    movl $37, %eax
    btsl %eax, 0x2000
    setc %bl
    btl %eax, 0x2000
    setc %bh
    movl $0x00f00000, %ecx
    bsfl %ecx, %esi
    bsrl %ecx, %edi
    movl $0x11223344, %edx
    bswap %edx
  `);
  assert.equal(rig.mem.read32(0x2004), 1 << 5, 'bit 37 lands in the second dword');
  assert.equal(st.gpr[3]! & 0xffff, 0x0100, 'BTS saw 0, BT then saw 1');
  assert.equal(st.gpr[6], 20);
  assert.equal(st.gpr[7], 23);
  assert.equal(st.gpr[2], 0x44332211);
});

test('CMPXCHG, CMPXCHG8B and XADD', () => {
  const { st, rig } = run(`
    movl $5, 0x2000
    movl $5, %eax
    movl $9, %ecx
    cmpxchgl %ecx, 0x2000
    setz %bl
    movl $1, %eax
    cmpxchgl %ecx, 0x2000
    setz %bh
    movl %eax, %esi
    movl $0x11111111, 0x2010
    movl $0x22222222, 0x2014
    movl $0x11111111, %eax
    movl $0x22222222, %edx
    movl $0xaaaaaaaa, %ebx
    movl $0xbbbbbbbb, %ecx
    cmpxchg8b 0x2010
    movl $3, %edi
    xaddl %edi, 0x2000
  `);
  assert.equal(st.gpr[6], 9, 'failed CMPXCHG loads the accumulator');
  assert.equal(rig.mem.read32(0x2010), 0xaaaaaaaa);
  assert.equal(rig.mem.read32(0x2014), 0xbbbbbbbb);
  assert.equal(st.gpr[7], 9, 'XADD returns the old value');
  assert.equal(rig.mem.read32(0x2000), 12);
});

test('shifts and rotates: SHLD/SHRD, RCL/RCR through carry, SAR of negatives, flags', () => {
  const { st } = run(`
    movl $0x12345678, %eax
    movl $0x9abcdef0, %edx
    shldl $8, %edx, %eax
    movl $0x12345678, %ebx
    shrdl $4, %edx, %ebx
    stc
    movb $0x80, %cl
    rclb $1, %cl
    movl $0x80000000, %esi
    sarl $31, %esi
    movl $1, %edi
    rorl $1, %edi
  `);
  assert.equal(st.gpr[0], 0x3456789a);
  assert.equal(st.gpr[3], 0x01234567);
  assert.equal(st.gpr[1]! & 0xff, 0x01, 'RCL shifted CF in and the top bit out');
  assert.equal(st.gpr[6], 0xffffffff);
  assert.equal(st.gpr[7], 0x80000000);
  assert.equal(st.eflags & (CF | OF), CF | OF, 'ROR: CF = MSB, OF = MSB xor next bit');
});

test('multiply and divide: IMUL forms, IDIV of negatives, #DE on quotient overflow', () => {
  const { st } = run(`
    movl $-7, %eax
    movl $3, %ecx
    imull %ecx
    movl %eax, %esi
    movl %edx, %edi
    movl $-100, %eax
    cltd
    movl $7, %ecx
    idivl %ecx
    movl %eax, %ebx
    movl %edx, %ebp
    imull $1000000, %ecx, %ecx
  `);
  assert.equal(st.gpr[6], (-21 >>> 0));
  assert.equal(st.gpr[7], 0xffffffff);
  assert.equal(st.gpr[3], (-14 >>> 0));
  assert.equal(st.gpr[5], (-2 >>> 0));
  assert.equal(st.gpr[1], 7000000);
  const rig = makeRig({ stopOnException: true });
  startReal(rig, assemble('.code16\n movl $0x10, %edx\n movl $0, %eax\n movl $0x10, %ecx\n divl %ecx\n hlt\n', 0x1000));
  assert.equal(rig.cpu.run(100), 'exception');
  assert.deepEqual(rig.exceptions, [{ vector: 0, code: undefined }]);
  assert.equal(rig.cpu.getState().eip, 0x1000 + 6 + 6 + 6, 'EIP at the faulting DIV');
});

test('BCD and flags: DAA/DAS, AAM/AAD, ADC/SBB carry chains, LAHF/SAHF', () => {
  const { st } = run(`
    movb $0x19, %al
    addb $0x28, %al
    daa
    movb %al, %bl
    movb $0x52, %al
    subb $0x27, %al
    das
    movb %al, %bh
    movw $0x0047, %ax
    aam
    movw %ax, %cx
    movw $0x0407, %ax
    aad
    movw %ax, %dx
    movl $0xffffffff, %esi
    movl $0, %edi
    addl $1, %esi
    adcl $0, %edi
    movb $0xd5, %ah
    sahf
  `);
  assert.equal(st.gpr[3]! & 0xffff, 0x2547, 'DAA 19+28=47, DAS 52-27=25');
  assert.equal(st.gpr[1]! & 0xffff, 0x0701, 'AAM 71 = 7,1');
  assert.equal(st.gpr[2]! & 0xffff, 47, 'AAD 4,7 = 47');
  assert.equal(st.gpr[6], 0);
  assert.equal(st.gpr[7], 1);
  assert.equal(st.eflags & (CF | PF | AF | ZF | SF), CF | PF | AF | ZF | SF);
});

test('stack frames and string compares: ENTER/LEAVE with nesting, PUSHA/POPA, REPE CMPSB stops at the difference', () => {
  const { st, rig } = run(`
    movw $0x6000, %bp
    enterw $16, $2
    movw %sp, 0x3000
    movw %bp, 0x3002
    leavew
    movw %sp, 0x3004
    movw %bp, 0x3006
    movl $0x11111111, %eax
    pushal
    movl $0, %eax
    popal
    movl %eax, %edx
    movl $0x64636261, 0x2000
    movl $0x65636261, 0x2100
    movw $0x2000, %si
    movw $0x2100, %di
    movw $8, %cx
    cld
    repe cmpsb
    movw %cx, %bx
  `);
  const w = (a: number) => rig.mem.ram[a]! | (rig.mem.ram[a + 1]! << 8);
  assert.equal(w(0x3002), 0x6ffe, 'ENTER: BP = the frame pointer after pushing BP');
  assert.equal(w(0x3000), 0x6ffe - 4 - 16, 'ENTER level 2: one copied frame pointer, the new frame pointer, 16 bytes of locals');
  assert.equal(w(0x3004), 0x7000, 'LEAVE restores SP');
  assert.equal(w(0x3006), 0x6000, 'LEAVE restores BP');
  assert.equal(st.gpr[2], 0x11111111);
  assert.equal(st.gpr[3]! & 0xffff, 4, 'stopped after the 4th byte (c vs e differs at index 3)');
});
