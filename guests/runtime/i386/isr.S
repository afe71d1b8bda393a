/* Interrupt entry stubs, i386 build: vectors 0-31 (exceptions), 32-47 (IRQs after a PIC remap).
 * Each stub pushes a uniform frame (struct rt_frame in i386/arch.h) and calls rt_trap in C. */
#include "segments.h"

	.macro stub vec
	.balign 16
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushl $0			/* no CPU error code: push a dummy one */
	.endif
	pushl $\vec
	jmp trap_common
	.endm

	.text
	.balign 16
	.globl rt_isr_stub0
rt_isr_stub0:				/* stub for vector N is at rt_isr_stub0 + 16 * N */
	.set v, 0
	.rept 48
	stub v
	.set v, v + 1
	.endr

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
