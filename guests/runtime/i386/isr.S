/* Interrupt entry, i386 build: the stubs (isr_stubs.inc) push a uniform frame (struct rt_frame
 * in i386/arch.h) and trap_common calls rt_trap in C. */
	.code32
#include "isr_stubs.inc"

trap_common:
	pushal
	movl %esp, %eax			/* the frame */
	movl %esp, %ebx			/* callee-saved: remember the unaligned stack */
	andl $~15, %esp
	subl $12, %esp
	pushl %eax			/* rt_trap(frame), with ESP 16-byte aligned at the call */
	call rt_trap
	movl %ebx, %esp
	popal
	addl $8, %esp			/* vector and error code */
	iret
