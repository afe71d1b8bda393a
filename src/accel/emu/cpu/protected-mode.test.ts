import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, makeRig, startReal } from './cpu.test-util.js';
import { PM_PROLOGUE } from './pm-boot.test-util.js';

test('real mode to protected mode to paging: #PF with CR2 and error code, then IRET to ring 3 and INT 0x80 through a DPL3 gate with the TSS stack switch', () => {
  const rig = makeRig();
  startReal(rig, assemble(PM_PROLOGUE + `
pm_main:
  mov $pf_handler, %eax
  mov $14, %ecx
  mov $0x8e00, %edx
  call set_gate
  mov $int80, %eax
  mov $0x80, %ecx
  mov $0xee00, %edx
  call set_gate
  mov $0x21000, %edi
  mov $0x007, %eax
  mov $1024, %ecx
1:
  stosl
  add $0x1000, %eax
  loop 1b
  movl $0, 0x21000 + 0x300*4
  movl $0x21007, 0x20000
  mov $0x20000, %eax
  mov %eax, %cr3
  mov %cr0, %eax
  or $0x80010000, %eax
  mov %eax, %cr0
  movl $0xdeadbeef, 0x300010
  mov 0x300010, %ebx
  push $0x23
  push $0x70000
  pushf
  push $0x1b
  push $ring3
  iret
ring3:
  mov $0x23, %ax
  mov %ax, %ds
  mov $42, %eax
  int $0x80
  jmp .
pf_handler:
  pop %esi
  mov %cr2, %edi
  movl $0x300007, 0x21000 + 0x300*4
  invlpg 0x300000
  iret
int80:
  mov %esp, %ebp
  mov 4(%esp), %edx
  hlt
`, 0x1000));
  assert.equal(rig.cpu.run(100_000), 'halted');
  const st = rig.cpu.getState();
  assert.deepEqual(rig.exceptions, [{ vector: 14, code: 2 }]);
  assert.equal(st.gpr[6], 2, 'error code: write to a not-present page from ring 0');
  assert.equal(st.gpr[7], 0x300010, 'CR2');
  assert.equal(st.gpr[3], 0xdeadbeef, 'the store completed after the handler mapped the page');
  assert.equal(st.gpr[0], 42);
  assert.equal(st.gpr[2], 0x1b, 'ring 3 CS pushed');
  assert.equal(st.gpr[5], 0x80000 - 20, 'ring 0 stack from TSS.ESP0 with SS, ESP, EFLAGS, CS, EIP');
  assert.equal(st.cs.selector, 0x08);
  assert.equal(st.ss.selector, 0x10);
  assert.ok(rig.mem.read32(0x21000 + 0x300 * 4) & 0x60, 'accessed and dirty bits set');
});

test('protected mode: #GP with a selector error code, #DE from DIV, and a double fault through a task gate to a second TSS', () => {
  const rig = makeRig();
  startReal(rig, assemble(PM_PROLOGUE + `
pm_main:
  mov $gp_handler, %eax
  mov $13, %ecx
  mov $0x8e00, %edx
  call set_gate
  mov $de_handler, %eax
  mov $0, %ecx
  call set_gate
  # #DF -> task gate to tss2 (selector 0x30)
  movl $0x00300000, 0x30000 + 8*8
  movl $0x00008500, 0x30000 + 8*8 + 4
  movl $df_task, tss2 + 0x20
  movl $0x2, tss2 + 0x24
  movl $0x60000, tss2 + 0x38
  movw $0x10, tss2 + 0x48
  movw $0x08, tss2 + 0x4c
  movw $0x10, tss2 + 0x50
  movw $0x10, tss2 + 0x54
  mov $0x77, %ax
  mov %ax, %ds
  jmp .
after_gp:
  mov $0x10, %ax
  mov %ax, %ds
  xor %ecx, %ecx
  mov $5, %eax
  div %ecx
after_de:
  # Now break the #GP handler's gate and fault: #GP delivery faults with #NP -> #DF through the task gate.
  movl $0, 0x30000 + 13*8 + 4
  movl $0x00008e00 & 0x7fff, 0x30000 + 13*8 + 4
  mov $0x77, %ax
  mov %ax, %fs
  jmp .
gp_handler:
  pop %esi
  movl $after_gp, (%esp)
  iret
de_handler:
  mov $0x5555, %ebx
  movl $after_de, (%esp)
  iret
df_task:
  pop %edi
  str %dx
  hlt
`, 0x1000));
  assert.equal(rig.cpu.run(100_000), 'halted');
  const st = rig.cpu.getState();
  // The #NP raised while delivering the second #GP is never delivered itself: it becomes #DF.
  assert.deepEqual(rig.exceptions.map((e) => e.vector), [13, 0, 13, 8]);
  assert.equal(rig.exceptions[0]!.code, 0x74, '#GP(selector 0x77 & ~3)');
  assert.equal(rig.exceptions[3]!.code, 0);
  // The outgoing task's registers were saved into the first TSS (GDT entry 0x28).
  const d = st.gdtr.base + 0x28;
  const tss = (rig.mem.read32(d) >>> 16) | ((rig.mem.read32(d + 4) & 0xff) << 16);
  assert.equal(rig.mem.read32(tss + 0x40), 0x74, 'saved ESI: the #GP error code');
  assert.equal(rig.mem.read32(tss + 0x34), 0x5555, 'saved EBX: the #DE handler ran');
  assert.equal(rig.mem.read32(tss + 0x4c) & 0xffff, 0x08, 'saved CS');
  assert.equal((rig.mem.read32(st.gdtr.base + 0x30 + 4) >>> 8) & 0xf, 0xb, 'the new TSS is busy');
  assert.equal(rig.mem.read32(tss2Base(rig.mem, st.gdtr.base)) & 0xffff, 0x28, 'back link to the old task');  assert.equal(st.gpr[7], 0, '#DF error code is 0');
  assert.equal(st.gpr[2]! & 0xffff, 0x30, 'running in the double-fault task');
  assert.equal(st.tr.selector, 0x30);
  assert.ok(st.eflags & 0x4000, 'NT set by the task gate');
});

function tss2Base(mem: { read32(a: number): number }, gdt: number): number {
  const d = gdt + 0x30;
  return (mem.read32(d) >>> 16) | ((mem.read32(d + 4) & 0xff) << 16);
}
