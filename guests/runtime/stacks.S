/* The boot CPU's stacks: 16 KiB for ring 0 (the TSS's ring-0 stack, traps) and 1 MiB for ring 3. */
	.section .stack, "aw", @nobits
	.balign 4096
	.space 16384
	.globl rt_kstack_top
rt_kstack_top:
	.space 1 << 20
	.globl rt_ustack_top
rt_ustack_top:
