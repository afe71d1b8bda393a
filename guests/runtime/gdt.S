/* The runtime's GDT (selectors in segments.h), shared by both builds: the code segments at 0x08
 * and 0x20 are 64-bit in the x86_64 build and 32-bit in the i386 build; 0x28 is 32-bit code in
 * both (the x86_64 entry's and the AP trampoline's way into protected mode). */
#ifdef __x86_64__
#define KCODE_DESC 0x00af9a000000ffff	/* ring 0, L = 1 */
#define UCODE_DESC 0x00affa000000ffff	/* ring 3, L = 1 */
#define ADDR .quad
#else
#define KCODE_DESC 0x00cf9a000000ffff	/* ring 0, D = 1 */
#define UCODE_DESC 0x00cffa000000ffff	/* ring 3, D = 1 */
#define ADDR .long
#endif

	.data
	.balign 16
	.globl rt_gdt
rt_gdt:
	.quad 0				/* 0x00 null */
	.quad KCODE_DESC		/* 0x08 kernel code */
	.quad 0x00cf92000000ffff	/* 0x10 kernel data */
	.quad 0x00cff2000000ffff	/* 0x18 user data (selector 0x1b) */
	.quad UCODE_DESC		/* 0x20 user code (selector 0x23) */
	.quad 0x00cf9a000000ffff	/* 0x28 kernel code, 32-bit */
	.quad 0, 0			/* 0x30 TSS, filled by rt_setup_ring0 */
rt_gdt_end:
	.globl rt_gdt_ptr
rt_gdt_ptr:
	.word rt_gdt_end - rt_gdt - 1
	ADDR rt_gdt
