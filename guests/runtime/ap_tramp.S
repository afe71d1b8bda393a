/* Real-mode start-up trampoline of the application processors, shared by both builds:
 * rt_start_aps (smp.c) copies [rt_ap_tramp_start, rt_ap_tramp_end) to a page below 1 MiB; each AP
 * starts there (CS = page >> 4, IP = 0), loads the runtime's GDT, sets CR0.PE and jumps to
 * rt_ap_pm32 (x86_64/ap.S or i386/ap.S) in 32-bit protected mode. */
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
