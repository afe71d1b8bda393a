/* The ELF note that makes the image a PVH kernel: Xen's XEN_ELFNOTE_PHYS32_ENTRY (18) names
 * pvh_start (x86_64/entry.S or i386/entry.S), entered in 32-bit protected mode with paging off. */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

	.section .note.Xen, "a"
	.balign 4
	.long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long pvh_start
