/* Application-processor start-up, i386 build: the shared real-mode trampoline (ap_tramp.S)
 * enters 32-bit protected mode at rt_ap_pm32; here each AP enables PAE paging on the BSP's page
 * tables, takes a stack by atomically incrementing rt_ap_next, and calls rt_ap_start(index) in C
 * (ring 0). */
#include "segments.h"
#include "cpu_setup.inc"

	.text
	.code32
	.globl rt_ap_pm32
rt_ap_pm32:
	load_kernel_data_segments
	enable_pae_sse rt_pdpt
	enable_paging
	movl $1, %eax
	lock xaddl %eax, rt_ap_next
	cmpl rt_ap_max, %eax
	jae 1f				/* more APs than stacks: park this one */
	leal 1(%eax), %ecx
	shll $14, %ecx			/* 16 KiB stack per AP */
	addl rt_ap_stacks, %ecx		/* low half of the uint64_t: below 4 GiB */
	movl %ecx, %esp
	subl $12, %esp
	pushl %eax			/* argument: AP index */
	call rt_ap_start
1:	cli
	hlt
	jmp 1b
