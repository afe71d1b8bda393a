/** Assembly prologue for protected-mode tests: a flat GDT with ring 0 and ring 3 segments and a TSS, an IDT at 0x30000 with a gate setter, entered from real mode at 0x1000. */

/** GNU-as source that switches to 32-bit protected mode and jumps to `pm_main` with flat segments, ESP 0x90000, the TSS loaded and IDT at 0x30000. */
export const PM_PROLOGUE = `
  .code16
  cli
  lgdt gdtr
  mov %cr0, %eax
  or $1, %eax
  mov %eax, %cr0
  ljmp $0x08, $pm32
  .code32
pm32:
  mov $0x10, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %ss
  mov %ax, %fs
  mov %ax, %gs
  mov $0x90000, %esp
  lidt idtr
  movl $0x80000, tss+4
  movl $0x10, tss+8
  mov $0x28, %ax
  ltr %ax
  jmp pm_main
# set_gate: EAX handler, ECX vector, EDX type word (0x8e00 interrupt gate DPL0 ...)
set_gate:
  push %ebx
  lea 0x30000(,%ecx,8), %ebx
  mov %eax, (%ebx)
  movw $0x08, 2(%ebx)
  mov %eax, 4(%ebx)
  mov %dx, 4(%ebx)
  pop %ebx
  ret
  .p2align 3
gdt:
  .quad 0
  .quad 0x00cf9a000000ffff
  .quad 0x00cf92000000ffff
  .quad 0x00cffa000000ffff
  .quad 0x00cff2000000ffff
  .word 0x67, tss, 0x8900, 0
  .word 0x67, tss2, 0x8900, 0
  .quad 0x000f9a000000ffff
  .quad 0x000f92000000ffff
spare_gdt:
  .quad 0
  .quad 0
gdt_end:
gdtr:
  .word gdt_end - gdt - 1
  .long gdt
idtr:
  .word 0x7ff
  .long 0x30000
  .p2align 4
tss:
  .fill 104, 1, 0
  .word 0
tss2:
  .fill 104, 1, 0
`;
