/* PVH entry of the tkvm test-guest runtime, x86_64 build (pvh_note.S names pvh_start).
 * The loader (QEMU's PVH option ROM or tkvm) enters pvh_start in 32-bit protected mode with
 * paging off and EBX = physical address of struct hvm_start_info. We load our own GDT (gdt.S), enable
 * PAE paging over static identity page tables (0-4 GiB, 2 MiB pages, user-accessible), switch
 * to long mode, let C code build the IDT and TSS (rt_setup_ring0), then iretq to ring 3.
 * Everything here runs emulated on the nested KVM, so it is kept to a few hundred instructions. */
#include "segments.h"
#include "cpu_setup.inc"

/* Identity page tables: PML4 -> one PDPT -> four page directories of 2 MiB pages. */
	.section .data.pagetables, "aw"
	.balign 4096
	.globl rt_pml4
rt_pml4:
	.quad rt_pdpt + 0x7
	.fill 511, 8, 0
rt_pdpt:
	.quad rt_pd + 0x0007, rt_pd + 0x1007, rt_pd + 0x2007, rt_pd + 0x3007
	.fill 508, 8, 0
rt_pd:
	.set pde, 0x87			/* present, writable, user, 2 MiB page */
	.rept 2048
	.quad pde
	.set pde, pde + 0x200000
	.endr

	pvh_start_prologue
	load_kernel_data_segments
	movl $rt_kstack_top, %esp
	ljmp $SEL_KCODE32, $1f
1:	enable_pae_sse rt_pml4
	movl $0xc0000080, %ecx		/* EFER */
	rdmsr
	orl $0x100, %eax		/* LME */
	wrmsr
	enable_paging
	ljmp $SEL_KCODE, $long_mode

	.code64
long_mode:
	movq $rt_kstack_top, %rsp
	call rt_setup_ring0
	/* Drop to ring 3 with interrupts off and IOPL 3. */
	pushq $SEL_UDATA
	pushq $rt_ustack_top
	pushq $0x3002
	pushq $SEL_UCODE
	pushq $user_start
	iretq

/* Ring 3 from here on: zero .bss, then C takes over. */
user_start:
	movl $SEL_UDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	leaq __bss_start(%rip), %rdi
	leaq __bss_end(%rip), %rcx
	subq %rdi, %rcx
	xorl %eax, %eax
	rep stosb
	call rt_user_start
2:	hlt				/* not reached: rt_user_start exits the VM */
	jmp 2b
