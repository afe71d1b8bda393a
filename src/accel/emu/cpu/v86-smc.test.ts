import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, makeRig, startReal } from './cpu.test-util.js';
import { PM_PROLOGUE } from './pm-boot.test-util.js';

test('virtual-8086 mode: paragraph segments, INT n with IOPL 0 faults #GP(0) into ring 0 with the v86 segment frame', () => {
  const rig = makeRig();
  startReal(rig, assemble(PM_PROLOGUE + `
pm_main:
  mov $gp_handler, %eax
  mov $13, %ecx
  mov $0x8e00, %edx
  call set_gate
  pushl $0x0
  pushl $0x0
  pushl $0x40
  pushl $0x50
  pushl $0x600
  pushl $0xff0
  pushl $0x20002
  pushl $0x100
  pushl $(v86code - 0x1000)
  iretl
gp_handler:
  pop %esi
  mov (%esp), %edi
  mov 4(%esp), %edx
  mov 8(%esp), %ebx
  mov 24(%esp), %ebp
  mov %ds, %ax
  hlt
  .code16
v86code:
  mov $0x1234, %ax
  mov %ax, %ds
  movw $0xbeef, (0)
  mov %ss, %cx
  int $0x21
`, 0x1000));
  assert.equal(rig.cpu.run(100_000), 'halted');
  const st = rig.cpu.getState();
  assert.equal(rig.mem.ram[0x12340]! | (rig.mem.ram[0x12341]! << 8), 0xbeef);
  assert.deepEqual(rig.exceptions, [{ vector: 13, code: 0 }]);
  assert.equal(st.gpr[6], 0);
  assert.equal(st.gpr[2], 0x100, 'v86 CS pushed');
  assert.ok(st.gpr[3]! & 0x20000, 'EFLAGS.VM pushed');
  assert.equal(st.gpr[5], 0x1234, 'v86 DS pushed');
  assert.equal(st.gpr[0]! & 0xffff, 0, 'DS null in the handler');
  assert.equal(st.gpr[1]! & 0xffff, 0x600, 'SS read in v86 mode');
  const intAt = rig.mem.ram.indexOf(0xcd, 0x1000 + st.gpr[7]! - 1);
  assert.equal(intAt, 0x1000 + st.gpr[7]!, 'pushed EIP points at the INT instruction');
});

test('self-modifying code: a store into an already decoded block takes effect on the next execution', () => {
  const rig = makeRig();
  startReal(rig, assemble(`
  .code16
  xor %bx, %bx
  mov $3, %cx
1:
  call f
  add %ax, %bx
  incw f + 1
  loop 1b
  hlt
f:
  mov $1, %ax
  ret
`, 0x1000));
  assert.equal(rig.cpu.run(10_000), 'halted');
  assert.equal(rig.cpu.getState().gpr[3]! & 0xffff, 1 + 2 + 3);
});

test('foreign (DMA) writes reported by the memory drop decoded code', () => {
  const rig = makeRig();
  startReal(rig, assemble(`.code16\n mov $1, %ax\n hlt`, 0x1000));
  assert.equal(rig.cpu.run(100), 'halted');
  assert.equal(rig.cpu.getState().gpr[0]! & 0xffff, 1);
  rig.mem.dma(0x1000, assemble(`.code16\n mov $2, %ax\n hlt`, 0x1000));
  const st = rig.cpu.getState();
  st.eip = 0x1000;
  rig.cpu.setState(st);
  assert.equal(rig.cpu.run(100), 'halted');
  assert.equal(rig.cpu.getState().gpr[0]! & 0xffff, 2);
});

test('external interrupts: delivered through the IVT after STI with the one-instruction shadow, and HLT wakes', () => {
  const rig = makeRig();
  startReal(rig, assemble(`
  .code16
  movw $handler, 0x20*4
  movw $0, 0x20*4+2
  xor %bx, %bx
  sti
  inc %bx
  hlt
  hlt
handler:
  mov %bx, %dx
  iret
`, 0x1000));
  rig.pin.pending.push(0x20);
  assert.equal(rig.cpu.run(1000), 'halted');
  const st = rig.cpu.getState();
  assert.equal(st.gpr[2]! & 0xffff, 1, 'the instruction after STI ran before the interrupt');
});

test('instruction rate on a register loop (printed, not asserted)', () => {
  const rig = makeRig();
  startReal(rig, assemble(`
  .code16
  movl $2500000, %ecx
1:
  addl %eax, %ebx
  incl %edx
  xorl %esi, %edi
  loopl 1b
  hlt
`, 0x1000));
  const t0 = process.hrtime.bigint();
  assert.equal(rig.cpu.run(20_000_000), 'halted');
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`register loop: ${rig.cpu.retired} instructions in ${s.toFixed(3)} s = ${(rig.cpu.retired / s / 1e6).toFixed(1)} MIPS`);
});

test('an instruction that straddles a page boundary runs from its own (uncached) block with its own decoded fields', () => {
  const rig = makeRig();
  // PUSH EDI then, at 0x1ffd, MOVZX EAX, BYTE [ESI] (0F B6 06 with a 67 66 prefix pair in 16-bit code) crossing into 0x2000.
  const code = assemble(`
  .code16
  movl $0x3000, %esi
  movb $0x5a, 0x3000
  movl $0x11111111, %edi
  jmp 0x1ffc
  .org 0x1ffc - 0x1000
  pushl %edi
  movzbl (%esi), %eax
  hlt
`, 0x1000);
  startReal(rig, code);
  assert.equal(rig.cpu.run(1000), 'halted');
  assert.equal(rig.cpu.getState().gpr[0], 0x5a);
});
