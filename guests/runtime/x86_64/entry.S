/* PVH entry of the tkvm test-guest runtime.
 * The loader (QEMU's PVH option ROM or tkvm) enters pvh_start in 32-bit protected mode with
 * paging off and EBX = physical address of struct hvm_start_info. We load our own GDT, enable
 * PAE paging over static identity page tables (0-4 GiB, 2 MiB pages, user-accessible), switch
 * to long mode, let C code build the IDT and TSS (rt_setup_ring0), then iretq to ring 3.
 * Everything here runs emulated on the nested KVM, so it is kept to a few hundred instructions. */
#include "segments.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18

	.section .note.Xen, "a"
	.balign 4
	.long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long pvh_start

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

	.data
	.balign 16
	.globl rt_gdt
rt_gdt:
	.quad 0				/* 0x00 null */
	.quad 0x00af9a000000ffff	/* 0x08 kernel code, 64-bit */
	.quad 0x00cf92000000ffff	/* 0x10 kernel data */
	.quad 0x00cff2000000ffff	/* 0x18 user data (selector 0x1b) */
	.quad 0x00affa000000ffff	/* 0x20 user code, 64-bit (selector 0x23) */
	.quad 0x00cf9a000000ffff	/* 0x28 kernel code, 32-bit */
	.quad 0, 0			/* 0x30 TSS, filled by rt_setup_ring0 */
rt_gdt_end:
	.globl rt_gdt_ptr
rt_gdt_ptr:
	.word rt_gdt_end - rt_gdt - 1
	.quad rt_gdt

	.globl rt_start_info_pa
rt_start_info_pa:
	.long 0

	.section .text.entry, "ax"
	.code32
	.globl pvh_start
pvh_start:
	cli
	cld
	movl %ebx, rt_start_info_pa
	lgdt rt_gdt_ptr
	movl $SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl $rt_kstack_top, %esp
	ljmp $SEL_KCODE32, $1f
1:	movl %cr4, %eax
	orl $0x620, %eax		/* PAE | OSFXSR | OSXMMEXCPT */
	movl %eax, %cr4
	movl $rt_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx		/* EFER */
	rdmsr
	orl $0x100, %eax		/* LME */
	wrmsr
	movl %cr0, %eax
	andl $~0x6000000c, %eax		/* clear CD, NW, EM, TS */
	orl $0x80000023, %eax		/* PG | NE | MP | PE */
	movl %eax, %cr0
	ljmp $SEL_KCODE, $long_mode

	.code64
long_mode:
	movl $SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
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

	.section .stack, "aw", @nobits
	.balign 4096
	.space 16384
	.globl rt_kstack_top
rt_kstack_top:
	.space 1 << 20
	.globl rt_ustack_top
rt_ustack_top:
