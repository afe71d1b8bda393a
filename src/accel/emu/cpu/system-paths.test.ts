import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, makeRig, startReal } from './cpu.test-util.js';
import { PM_PROLOGUE } from './pm-boot.test-util.js';

/** Sets the #PF handler (records error code in ESI, CR2 in EDI, halts) and the DPL3 INT 0x80 handler (caller CS in EDX, halts). */
const HANDLERS = `
  mov $pf_rec, %eax
  mov $14, %ecx
  mov $0x8e00, %edx
  call set_gate
  mov $gp_rec, %eax
  mov $13, %ecx
  mov $0x8e00, %edx
  call set_gate
  mov $int80, %eax
  mov $0x80, %ecx
  mov $0xee00, %edx
  call set_gate
  jmp handlers_done
pf_rec:
  pop %esi
  mov %cr2, %edi
  hlt
gp_rec:
  pop %esi
  mov $0x6b6b, %edi
  hlt
int80:
  mov 4(%esp), %edx
  hlt
handlers_done:
`;

test('PAE paging with a 2 MiB NX page: data reads work, an instruction fetch faults #PF with the I/D bit', () => {
  const rig = makeRig();
  startReal(rig, assemble(PM_PROLOGUE + `
pm_main:
` + HANDLERS + `
  mov $0xc0000080, %ecx
  rdmsr
  or $0x800, %eax
  wrmsr
  movl $0x21001, 0x20000
  movl $0, 0x20004
  movl $0x00000083, 0x21000
  movl $0, 0x21004
  movl $0x00200083, 0x21008
  movl $0x80000000, 0x2100c
  movb $0xc3, 0x200000
  mov %cr4, %eax
  or $0x20, %eax
  mov %eax, %cr4
  mov $0x20000, %eax
  mov %eax, %cr3
  mov %cr0, %eax
  or $0x80000000, %eax
  mov %eax, %cr0
  mov 0x200000, %ebx
  call 0x200000
  hlt
`, 0x1000));
  assert.equal(rig.cpu.run(100_000), 'halted');
  const st = rig.cpu.getState();
  assert.equal(st.gpr[3]! & 0xff, 0xc3, 'the NX page reads');
  assert.deepEqual(rig.exceptions, [{ vector: 14, code: 0x11 }], 'protection fault on an instruction fetch');
  assert.equal(st.gpr[7], 0x200000);
  assert.ok(rig.mem.read32(0x21008) & 0x20, 'accessed bit of the 2 MiB PDE');
  assert.equal(rig.mem.read32(0x21008) & 0x40, 0, 'not dirty: only read');
});

test('32-bit paging with 4 MiB pages: CR0.WP write protection, user access to supervisor pages, and global pages surviving a CR3 reload until INVLPG', () => {
  const rig = makeRig();
  startReal(rig, assemble(PM_PROLOGUE + `
pm_main:
` + HANDLERS + `
  movl $0x00000183, 0x20000
  movl $0x00400085, 0x20004
  mov %cr4, %eax
  or $0x90, %eax
  mov %eax, %cr4
  mov $0x20000, %eax
  mov %eax, %cr3
  mov %cr0, %eax
  or $0x80000000, %eax
  mov %eax, %cr0
  mov 0x30000 + 14*8, %eax
  push %eax
  pop %eax
  mov 0x5000, %eax
  movl $0x400000, 0x400000 - 4
  movl $0x00000000, 0x20000
  mov %cr3, %eax
  mov %eax, %cr3
  mov 0x5000, %eax
  movl $1, %ebx
  invlpg 0x5000
  mov 0x5000, %eax
  movl $2, %ebx
  hlt
`, 0x1000));
  assert.equal(rig.cpu.run(100_000), 'halted');
  const st = rig.cpu.getState();
  assert.equal(st.gpr[3], 1, 'the global entry kept 0x5000 mapped after the CR3 reload; INVLPG dropped it');
  assert.deepEqual(rig.exceptions, [{ vector: 14, code: 0 }]);
  assert.equal(st.gpr[7], 0x5000);

  const rig2 = makeRig();
  startReal(rig2, assemble(PM_PROLOGUE + `
pm_main:
` + HANDLERS + `
  movl $0x00000087, 0x20000
  movl $0x00400081, 0x20004
  mov %cr4, %eax
  or $0x10, %eax
  mov %eax, %cr4
  mov $0x20000, %eax
  mov %eax, %cr3
  mov %cr0, %eax
  or $0x80010000, %eax
  mov %eax, %cr0
  movl $7, 0x400000
  hlt
`, 0x1000));
  assert.equal(rig2.cpu.run(100_000), 'halted');
  assert.deepEqual(rig2.exceptions, [{ vector: 14, code: 3 }], 'supervisor write to a read-only page with CR0.WP');
});

test('SYSENTER to ring 0 and SYSEXIT back to ring 3 with the flat selectors from SYSENTER_CS', () => {
  const rig = makeRig();
  startReal(rig, assemble(PM_PROLOGUE + `
pm_main:
` + HANDLERS + `
  mov $0x174, %ecx
  mov $0x08, %eax
  xor %edx, %edx
  wrmsr
  mov $0x175, %ecx
  mov $0x88000, %eax
  wrmsr
  mov $0x176, %ecx
  mov $kentry, %eax
  wrmsr
  push $0x23
  push $0x70000
  pushf
  push $0x1b
  push $user
  iret
user:
  mov %esp, %ecx
  mov $back, %edx
  sysenter
kentry:
  mov %cs, %ebx
  mov %ss, %ebp
  mov %esp, %esi
  sysexit
back:
  mov %cs, %edi
  int $0x80
`, 0x1000));
  assert.equal(rig.cpu.run(100_000), 'halted');
  const st = rig.cpu.getState();
  assert.equal(st.gpr[3]! & 0xffff, 0x08);
  assert.equal(st.gpr[5]! & 0xffff, 0x10);
  assert.equal(st.gpr[6], 0x88000);
  assert.equal(st.gpr[7]! & 0xffff, 0x1b);
  assert.equal(st.gpr[2], 0x1b);
});

test('far CALL through a call gate from ring 3 copies parameters to the ring 0 stack; RETF imm returns to the outer level', () => {
  const rig = makeRig();
  startReal(rig, assemble(PM_PROLOGUE + `
pm_main:
` + HANDLERS + `
  mov $gate_target, %eax
  mov %eax, %edx
  and $0xffff, %eax
  or $0x00080000, %eax
  mov %eax, spare_gdt
  and $0xffff0000, %edx
  or $0xec02, %edx
  mov %edx, spare_gdt + 4
  push $0x23
  push $0x70000
  pushf
  push $0x1b
  push $user
  iret
user:
  push $0x1111
  push $0x2222
  lcall $0x4b, $0
  mov %esp, %ebx
  int $0x80
gate_target:
  mov 8(%esp), %esi
  mov 12(%esp), %edi
  mov 4(%esp), %ebp
  mov 16(%esp), %ecx
  lret $8
`, 0x1000));
  assert.equal(rig.cpu.run(100_000), 'halted');
  const st = rig.cpu.getState();
  assert.equal(st.gpr[6], 0x2222);
  assert.equal(st.gpr[7], 0x1111);
  assert.equal(st.gpr[5], 0x1b, 'caller CS on the inner stack');
  assert.equal(st.gpr[1], 0x70000 - 8, 'caller ESP on the inner stack');
  assert.equal(st.gpr[3], 0x70000, 'RETF 8 released the parameters on the outer stack');
  assert.equal(st.gpr[2], 0x1b);
  assert.deepEqual(rig.exceptions, []);
});

test('I/O from ring 3: #GP(0) with IOPL 0 and no I/O bitmap, allowed with IOPL 3', () => {
  for (const iopl of [0, 3]) {
    const rig = makeRig();
    startReal(rig, assemble(PM_PROLOGUE + `
pm_main:
` + HANDLERS + `
  movw $104, tss + 0x66
  push $0x23
  push $0x70000
  push $(0x2 | ${iopl << 12})
  push $0x1b
  push $user
  iret
user:
  mov $0x5a, %al
  out %al, $0x80
  int $0x80
`, 0x1000));
    assert.equal(rig.cpu.run(100_000), 'halted');
    if (iopl === 0) {
      assert.deepEqual(rig.exceptions, [{ vector: 13, code: 0 }]);
      assert.equal(rig.ports.writes.length, 0);
    } else {
      assert.deepEqual(rig.exceptions, []);
      assert.deepEqual(rig.ports.writes, [{ port: 0x80, size: 1, value: 0x5a }]);
    }
  }
});
