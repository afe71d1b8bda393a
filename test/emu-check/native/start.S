/*
 * The assembly half of the emu-check native harness (32-bit Linux, no libc): the entry point,
 * raw int $0x80 system calls, the trampoline that loads a sequence's registers and EFLAGS and
 * jumps to it, the point a signal handler resumes the harness at, and the rt_sigreturn restorer.
 */
	.text
	.globl _start
_start:
	xor %ebp, %ebp
	and $-16, %esp
	call harness_main
	mov %eax, %ebx
	mov $1, %eax          /* exit */
	int $0x80
	hlt

/* long sys6(nr, a1..a6): a raw system call with up to six arguments. */
	.globl sys6
sys6:
	push %ebp
	push %edi
	push %esi
	push %ebx
	mov 20(%esp), %eax
	mov 24(%esp), %ebx
	mov 28(%esp), %ecx
	mov 32(%esp), %edx
	mov 36(%esp), %esi
	mov 40(%esp), %edi
	mov 44(%esp), %ebp
	int $0x80
	pop %ebx
	pop %esi
	pop %edi
	pop %ebp
	ret

/*
 * void run_sequence(const uint32_t *in): in[0..7] = EAX..EDI (ESP included), in[8] = EFLAGS.
 * Never returns by itself: the sequence ends in a trap or fault, the signal handler points the
 * saved context at sequence_resume with ESP = harness_esp, and sequence_resume returns.
 */
	.globl run_sequence
	.globl sequence_resume
	.globl harness_esp
run_sequence:
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov %esp, harness_esp
	mov 20(%esp), %eax
	pushl 32(%eax)
	popfl
	mov 4(%eax), %ecx
	mov 8(%eax), %edx
	mov 12(%eax), %ebx
	mov 16(%eax), %esp
	mov 20(%eax), %ebp
	mov 24(%eax), %esi
	mov 28(%eax), %edi
	mov 0(%eax), %eax
	jmp *sequence_entry
sequence_resume:
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	ret

/* The sa_restorer of every handler: rt_sigreturn. */
	.globl signal_restorer
signal_restorer:
	mov $173, %eax
	int $0x80
	hlt

	.data
	.align 4
harness_esp: .long 0
	.globl sequence_entry
sequence_entry: .long 0
	.section .note.GNU-stack,"",@progbits
