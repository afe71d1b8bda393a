/* Application-processor start-up path. rt_start_aps copies the real-mode trampoline
 * [rt_ap_tramp_start, rt_ap_tramp_end) to a page below 1 MiB and sends INIT-SIPI-SIPI; each AP
 * starts there in real mode (CS = page >> 4, IP = 0), loads the runtime's GDT, enters 32-bit
 * protected mode at rt_ap_pm32, enables PAE paging on the BSP's page tables and long mode, takes
 * a stack by atomically incrementing rt_ap_next, and calls rt_ap_start(index) in C (ring 0). */
#include "segments.h"

	.section .rodata
	.code16
	.globl rt_ap_tramp_start, rt_ap_tramp_end
rt_ap_tramp_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	lgdtl tramp_gdtr - rt_ap_tramp_start
	movl %cr0, %eax
	orl $1, %eax			/* PE */
	movl %eax, %cr0
	ljmpl $SEL_KCODE32, $rt_ap_pm32
	.balign 4
tramp_gdtr:
	.word 63			/* 8 descriptors, see rt_gdt in entry.S */
	.long rt_gdt
rt_ap_tramp_end:

	.text
	.code32
rt_ap_pm32:
	movl $SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %cr4, %eax
	orl $0x620, %eax		/* PAE | OSFXSR | OSXMMEXCPT */
	movl %eax, %cr4
	movl $rt_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	andl $~0x6000000c, %eax
	orl $0x80000023, %eax		/* PG | NE | MP | PE */
	movl %eax, %cr0
	ljmp $SEL_KCODE, $ap_long

	.code64
ap_long:
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movl $1, %eax
	lock xaddl %eax, rt_ap_next(%rip)
	cmpl rt_ap_max(%rip), %eax
	jae 1f				/* more APs than stacks: park this one */
	movl %eax, %edi			/* argument: AP index */
	leaq 1(%rax), %rcx
	shlq $14, %rcx			/* 16 KiB stack per AP */
	addq rt_ap_stacks(%rip), %rcx
	movq %rcx, %rsp
	call rt_ap_start
1:	cli
	hlt
	jmp 1b
