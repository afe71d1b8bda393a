/* PVH entry of the tkvm test-guest runtime, i386 build, for CPUs without long mode such as
 * tkvm's IA-32 software CPU under -accel emu (pvh_note.S names pvh_start).
 * The loader enters pvh_start in 32-bit protected mode with paging off and EBX = physical
 * address of struct hvm_start_info. We load our own GDT (gdt.S), enable PAE paging over static identity
 * page tables (0-4 GiB in 2 MiB user-accessible pages, except the top 2 MiB, left unmapped for
 * the fault guest), let C code build the IDT and TSS (rt_setup_ring0), then iret to ring 3:
 * the same machine the x86_64 build sets up, in 32-bit protected mode instead of long mode. */
#include "segments.h"
#include "cpu_setup.inc"

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

	pvh_start_prologue
	ljmp $SEL_KCODE, $1f
1:	load_kernel_data_segments
	movl $rt_kstack_top, %esp
	enable_pae_sse rt_pdpt
	enable_paging
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
