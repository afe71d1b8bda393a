/* Application-processor start-up, x86_64 build: the shared real-mode trampoline (ap_tramp.S)
 * enters 32-bit protected mode at rt_ap_pm32; here each AP enables PAE paging on the BSP's page
 * tables and long mode, takes a stack by atomically incrementing rt_ap_next, and calls
 * rt_ap_start(index) in C (ring 0). */
#include "segments.h"
#include "cpu_setup.inc"

	.text
	.code32
	.globl rt_ap_pm32
rt_ap_pm32:
	load_kernel_data_segments
	enable_pae_sse rt_pml4
	movl $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	enable_paging
	ljmp $SEL_KCODE, $ap_long

	.code64
ap_long:
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
