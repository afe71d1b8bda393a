/* Interrupt entry stubs: vectors 0-31 (exceptions), 32-47 (IRQs after a PIC remap). Each stub pushes a uniform frame
 * (struct rt_frame in rt_internal.h) and calls rt_trap in C. */
#include "segments.h"

	.macro stub vec
	.balign 16
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq $0			/* no CPU error code: push a dummy one */
	.endif
	pushq $\vec
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
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	movq %rsp, %rbx			/* callee-saved: remember the unaligned stack */
	andq $~15, %rsp
	call rt_trap
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp			/* vector and error code */
	iretq

