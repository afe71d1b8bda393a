// Decoding a block ahead of execution has no architectural side effects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PM_PROLOGUE, pagingOnPse } from './pm-boot.test-util.js';
import { assemble, makeRig, startReal } from './cpu.test-util.js';

test('an instruction decoded ahead into a not-present page leaves CR2 alone until it really executes and faults', () => {
  // MOV EAX, CR2 is the last whole instruction of a present 4 MiB page; the next one (MOV EBX,
  // imm32) runs into the not-present page after it. Decoding the block reads ahead into that
  // page, but only executing it may fault and load CR2 (SDM vol. 3 4.7: CR2 is loaded on #PF).
  const rig = makeRig({ stopOnException: true });
  startReal(rig, assemble(`${PM_PROLOGUE}
pm_main:
  movl $0x00000083, 0x20000
  movl $0, 0x20004
${pagingOnPse()}
  mov $0x1234, %eax
  mov %eax, %cr2
  xor %eax, %eax
  jmp *entry
entry: .long 0x3ffffa
`, 0x1000));
  rig.mem.write(0x3ffffa, [0x0f, 0x20, 0xd0, 0xbb, 0x78, 0x56]); // mov %cr2,%eax ; mov $0x....5678,%ebx
  assert.equal(rig.cpu.run(100_000), 'exception');
  const st = rig.cpu.getState();
  assert.equal(st.gpr[0], 0x1234, 'MOV from CR2 read the value software wrote, not the read-ahead address');
  assert.deepEqual(rig.exceptions, [{ vector: 14, code: 0 }], 'the instruction that crosses into the absent page faults when it executes');
  assert.equal(st.cr2, 0x400000);
  assert.equal(st.eip, 0x3ffffd);
});
