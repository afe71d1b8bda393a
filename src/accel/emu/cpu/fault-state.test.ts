import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, makeRig, startReal } from './cpu.test-util.js';
import { PM_PROLOGUE, pagingOnPse } from './pm-boot.test-util.js';

/**
 * Runs `body` in ring 0 with 32-bit paging on: 0-4 MiB identity-mapped (4 MiB page), 4-8 MiB not
 * present, 8-12 MiB an alias of 0-4 MiB. The #PF handler halts with the error code in ESI, CR2
 * in EDI and its ESP (12 below the faulting instruction's ESP) in EDX; #AC(17) likewise.
 */
function runPaged(body: string) {
  const rig = makeRig();
  startReal(rig, assemble(PM_PROLOGUE + `
pm_main:
  SETGATE fault_rec, 14, 0x8e00
  SETGATE fault_rec, 17, 0x8e00
  jmp handlers_done
fault_rec:
  pop %esi
  mov %cr2, %edi
  mov %esp, %edx
  hlt
handlers_done:
  movl $0x00000087, 0x20000
  movl $0x00000000, 0x20004
  movl $0x00000087, 0x20008
` + pagingOnPse() + body + `
  hlt
`, 0x1000));
  assert.equal(rig.cpu.run(100_000), 'halted');
  return { rig, st: rig.cpu.getState() };
}

test('#PF on an access that crosses into a non-present page reports the first byte of that page in CR2', () => {
  for (const insn of ['movl (%ebx), %eax', 'movl %eax, (%ebx)', 'movw (%ebx), %ax']) {
    const { rig, st } = runPaged(`mov $0x3fffff, %ebx\n  ${insn}`);
    assert.equal(rig.exceptions.length, 1, insn);
    assert.equal(st.gpr[7], 0x400000, `${insn}: CR2 is the start of the missing page`);
    assert.equal(st.gpr[6], insn.startsWith('movl %eax') ? 2 : 0, `${insn}: error code`);
  }
});

test('#PF on a read-modify-write operand (BTS, CMPXCHG8B, ADD) reports a write (error code W=1)', () => {
  for (const insn of ['btsl $3, 0x400000', 'lock btrl $3, (%ebx)', 'cmpxchg8b (%ebx)', 'addl %eax, (%ebx)']) {
    const { st } = runPaged(`mov $0x3ffffe, %ebx\n  ${insn}`);
    assert.equal(st.gpr[6], 2, `${insn}: not-present write`);
    assert.equal(st.gpr[7], 0x400000, `${insn}: CR2`);
  }
});

test('a faulting ENTER or LEAVE leaves ESP and EBP unchanged', () => {
  // Nesting level 2 reads the outer frame pointer at EBP-4, in the missing page.
  let r = runPaged(`mov $0x400010, %ebp\n  mov %esp, %ebx\n  enter $0, $2`);
  assert.deepEqual(r.rig.exceptions, [{ vector: 14, code: 0 }]);
  assert.equal(r.st.gpr[7], 0x40000c);
  assert.equal(r.st.gpr[2]! + 12, r.st.gpr[3], 'ESP as before the ENTER');
  assert.equal(r.st.gpr[5], 0x400010, 'EBP unchanged');
  // LEAVE whose EBP points into the missing page.
  r = runPaged(`mov $0x400100, %ebp\n  mov %esp, %ebx\n  leave`);
  assert.deepEqual(r.rig.exceptions, [{ vector: 14, code: 0 }]);
  assert.equal(r.st.gpr[2]! + 12, r.st.gpr[3], 'ESP as before the LEAVE');
});

test('PUSHA with ESP above 2 GiB pushes; a POPA that faults part way changes no register', () => {
  // 0x80000000-0x803fffff: another alias of 0-4 MiB.
  let r = runPaged(`movl $0x87, 0x20800\n  mov %esp, %ebp\n  mov $0x80001000, %esp\n  mov $0x5a5a, %eax\n  pusha\n  mov %esp, %ebx\n  mov %ebp, %esp`);
  assert.deepEqual(r.rig.exceptions, []);
  assert.equal(r.st.gpr[3], 0x80001000 - 32, 'ESP after PUSHA');
  assert.equal(r.rig.mem.read32(0xffc), 0x5a5a, 'EAX pushed first');
  r = runPaged(`mov $0x3ffff0, %esp\n  mov $0x1111, %eax\n  mov $0x2222, %ebx\n  mov $0x3333, %ebp\n  popa`);
  assert.deepEqual(r.rig.exceptions, [{ vector: 14, code: 0 }]);
  assert.equal(r.st.gpr[7], 0x400000, 'CR2');
  assert.deepEqual([r.st.gpr[0], r.st.gpr[3], r.st.gpr[5]], [0x1111, 0x2222, 0x3333], 'EAX, EBX, EBP unchanged');
  assert.equal(r.st.gpr[2]! + 12, 0x3ffff0, 'ESP unchanged');
});

test('ENTER faults when the final stack pointer cannot be written (SDM: ENTER checks it)', () => {
  // The stack at 0x800010 (an alias of 0x10); 0x100 bytes of locals end in the missing page.
  const { rig, st } = runPaged(`mov $0x800010, %esp\n  mov %esp, %ebx\n  mov $0x1234, %ebp\n  enter $0x100, $0`);
  assert.deepEqual(rig.exceptions, [{ vector: 14, code: 2 }]);
  assert.equal(st.gpr[7], 0x80000c - 0x100, 'CR2: the final ESP');
  assert.equal(st.gpr[2]! + 12, st.gpr[3], 'ESP as before the ENTER');
  assert.equal(st.gpr[5], 0x1234, 'EBP unchanged');
});

test('16-bit ENTER on a 32-bit stack writes BP only', () => {
  const rig = makeRig();
  startReal(rig, assemble(PM_PROLOGUE + `
pm_main:
  mov $0x12345678, %ebp
  enterw $8, $1
  hlt
`, 0x1000));
  assert.equal(rig.cpu.run(100_000), 'halted');
  const st = rig.cpu.getState();
  assert.equal(st.gpr[5]! >>> 16, 0x1234, 'upper half of EBP kept');
  assert.equal(st.gpr[5]! & 0xffff, (0x90000 - 2) & 0xffff, 'BP = the frame pointer');
  assert.equal(st.gpr[4], 0x90000 - 4 - 8, 'ESP: BP and the frame pointer pushed, 8 bytes reserved');
});

test('DAS: the borrow out of AL - 6 sets CF (AL = 2, AF = 1)', () => {
  const rig = makeRig();
  startReal(rig, assemble(`.code16
    mov $0x0f, %al
    add $1, %al
    mov $0x02, %al
    das
    setc %bl
    hlt
`, 0x1000));
  assert.equal(rig.cpu.run(1000), 'halted');
  const st = rig.cpu.getState();
  assert.equal(st.gpr[0]! & 0xff, 0xfc);
  assert.equal(st.gpr[3]! & 0xff, 1, 'CF set by the borrow');
});

test('alignment check: CR0.AM, CPL 3 and EFLAGS.AC make a misaligned data access #AC(0); aligned ones and ring 0 run', () => {
  const rig = makeRig();
  startReal(rig, assemble(PM_PROLOGUE + `
pm_main:
  SETGATE ac_rec, 17, 0x8e00
  jmp go
ac_rec:
  pop %esi
  mov %esp, %edx
  hlt
go:
  mov %cr0, %eax
  or $0x40000, %eax
  mov %eax, %cr0
  movl 0x2001, %eax
  pushfl
  orl $0x40000, (%esp)
  popfl
  movl 0x2001, %eax
  TO_RING3 user, 0x40002
user:
  mov $0x23, %ax
  mov %ax, %ds
  movl 0x2000, %eax
  movw 0x2002, %ax
  movb 0x2003, %al
  mov $1, %ebx
  movl 0x2001, %eax
  mov $2, %ebx
  hlt
`, 0x1000));
  assert.equal(rig.cpu.run(100_000), 'halted');
  const st = rig.cpu.getState();
  assert.deepEqual(rig.exceptions, [{ vector: 17, code: 0 }]);
  assert.equal(st.gpr[3], 1, 'the misaligned dword read at CPL 3 faulted; aligned ones ran');
});
