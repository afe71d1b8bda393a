/* PVH entry of the tkvm test-guest runtime, i386 build (for CPUs without long mode, such as
 * tkvm's IA-32 software CPU under -accel emu).
 * The loader enters pvh_start in 32-bit protected mode with paging off and EBX = physical
 * address of struct hvm_start_info. We load our own GDT, enable PAE paging over static identity
 * page tables (0-4 GiB in 2 MiB user-accessible pages, except the top 2 MiB, left unmapped for
 * the fault guest), let C code build the IDT and TSS (rt_setup_ring0), then iret to ring 3:
 * the same machine the x86_64 build sets up, in 32-bit protected mode instead of long mode. */
#include "segments.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18

	.section .note.Xen, "a"
	.balign 4
	.long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long pvh_start

/* PAE identity page tables: one PDPT (entries carry only P: RW/US are reserved there) -> four
 * page directories of 2 MiB pages. */
	.section .data.pagetables, "aw"
	.balign 4096
rt_pd:
	.set pde, 0x87			/* present, writable, user, 2 MiB page */
	.rept 2047
	.quad pde
	.set pde, pde + 0x200000
	.endr
	.quad 0				/* [0xffe00000, 4 GiB): not present */
	.globl rt_pdpt
	.balign 32
rt_pdpt:
	.long rt_pd + 0x0001, 0, rt_pd + 0x1001, 0, rt_pd + 0x2001, 0, rt_pd + 0x3001, 0

	.data
	.balign 16
	.globl rt_gdt
rt_gdt:
	.quad 0				/* 0x00 null */
	.quad 0x00cf9a000000ffff	/* 0x08 kernel code, 32-bit */
	.quad 0x00cf92000000ffff	/* 0x10 kernel data */
	.quad 0x00cff2000000ffff	/* 0x18 user data (selector 0x1b) */
	.quad 0x00cffa000000ffff	/* 0x20 user code, 32-bit (selector 0x23) */
	.quad 0x00cf9a000000ffff	/* 0x28 kernel code, 32-bit (the AP trampoline's target) */
	.quad 0, 0			/* 0x30 TSS, filled by rt_setup_ring0 */
rt_gdt_end:
	.globl rt_gdt_ptr
rt_gdt_ptr:
	.word rt_gdt_end - rt_gdt - 1
	.long rt_gdt

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
	ljmp $SEL_KCODE, $1f
1:	movl $SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movl $rt_kstack_top, %esp
	movl %cr4, %eax
	orl $0x620, %eax		/* PAE | OSFXSR | OSXMMEXCPT */
	movl %eax, %cr4
	movl $rt_pdpt, %eax
	movl %eax, %cr3
	movl %cr0, %eax
	andl $~0x6000000c, %eax		/* clear CD, NW, EM, TS */
	orl $0x80000023, %eax		/* PG | NE | MP | PE */
	movl %eax, %cr0
	jmp 2f				/* identity mapped: execution simply goes on */
2:	call rt_setup_ring0
	/* Drop to ring 3 with interrupts off and IOPL 3. */
	pushl $SEL_UDATA
	pushl $rt_ustack_top
	pushl $0x3002
	pushl $SEL_UCODE
	pushl $user_start
	iret

/* Ring 3 from here on: zero .bss, then C takes over. */
user_start:
	movl $SEL_UDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	call rt_user_start
3:	hlt				/* not reached: rt_user_start exits the VM */
	jmp 3b

	.section .stack, "aw", @nobits
	.balign 4096
	.space 16384
	.globl rt_kstack_top
rt_kstack_top:
	.space 1 << 20
	.globl rt_ustack_top
rt_ustack_top:
