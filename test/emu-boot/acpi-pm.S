/*
 * A tiny hand-made BIOS for the ACPI power-management checks (GNU as, built at test time): it
 * looks for the PIIX4 PM function at PCI 00:01.3, prints its power-on config space ("cfg OO:
 * DDDDDDDD" per dword), programs its PM I/O base to 0x600 and turns the decode on (PMBA 0x40,
 * PMIOSE 0x80, as SeaBIOS does), reads the PM timer until it has advanced by
 * 1 ms, enables ACPI mode through SMI_CMD 0xb2 and checks SCI_EN, then writes SLP_TYP=S5 (0) with
 * SLP_EN to PM1a_CNT: the machine must power off (exit status 0) within a second (built with
 * --defsym POWER_BUTTON=1, it first waits for PWRBTN_STS and clears it). Without the
 * function (-no-acpi) it says so and exits through isa-debug-exit with 0x10 (status 33); any
 * failure exits with 0x7f.
 */
	.code16
	.text
	.globl _start
_start:
	cli
	xor %ax, %ax            /* a stack in low RAM; data is read through %cs */
	mov %ax, %ss
	mov $0x7000, %sp

	mov $0x80000b00, %eax   /* 00:01.3 register 0: vendor and device */
	call pci_read
	cmp $0x71138086, %eax
	jne no_pm
	mov $msg_found, %si
	call puts

	xor %edi, %edi          /* dump the power-on config space: "cfg OO: DDDDDDDD" per dword */
4:	mov $msg_cfg, %si
	call puts
	mov %edi, %eax
	mov $2, %cx
	call puthex
	mov $msg_colon, %si
	call puts
	mov $0x80000b00, %eax
	or %edi, %eax
	call pci_read
	mov $8, %cx
	call puthex
	mov $msg_nl, %si
	call puts
	add $4, %edi
	cmp $0x100, %edi
	jb 4b

	mov $0x80000b40, %eax   /* PMBA = 0x600 | I/O space */
	mov $0x601, %ebx
	call pci_write
	mov $0x80000b80, %eax   /* PMREGMISC: PMIOSE */
	mov $0x1, %ebx
	call pci_write

	mov $0x608, %dx         /* PM_TMR */
	in %dx, %eax
	mov %eax, %ebx
	mov $0x4000000, %ecx    /* give up after 64 M reads */
1:	in %dx, %eax
	sub %ebx, %eax
	and $0xffffff, %eax
	cmp $3580, %eax         /* 1 ms at 3.579545 MHz */
	jae 2f
	dec %ecx
	jnz 1b
	jmp fail
2:	mov $msg_timer, %si
	call puts

	mov $0xf1, %al          /* ACPI_ENABLE to SMI_CMD */
	out %al, $0xb2
	mov $0x604, %dx         /* PM1a_CNT */
	in %dx, %ax
	test $1, %ax            /* SCI_EN */
	jz fail
	mov $msg_sci, %si
	call puts

.ifdef POWER_BUTTON
	/* Built with --defsym POWER_BUTTON=1: wait for the power button (QMP system_powerdown), as an OS would. */
	mov $0x602, %dx         /* PM1_EN: PWRBTN_EN */
	mov $0x100, %ax
	out %ax, %dx
	mov $msg_wait, %si
	call puts
	mov $0x600, %dx         /* PM1_STS: poll PWRBTN_STS */
7:	in %dx, %ax
	test $0x100, %ax
	jz 7b
	mov $0x100, %ax         /* write 1 to clear it */
	out %ax, %dx
	in %dx, %ax
	test $0x100, %ax
	jnz fail
	mov $msg_button, %si
	call puts
.endif
	mov $0x604, %dx
	mov $0x2000, %ax        /* SLP_TYP = 0 (\_S5), SLP_EN */
	out %ax, %dx
	mov $0x608, %dx         /* power-off may take effect a little later (QEMU's does): wait 1 s */
	in %dx, %eax
	mov %eax, %ebx
3:	in %dx, %eax
	sub %ebx, %eax
	and $0xffffff, %eax
	cmp $3579545, %eax
	jb 3b
	mov $msg_alive, %si
	call puts
fail:
	mov $msg_fail, %si
	call puts
	mov $0x7f, %al
	jmp exit
no_pm:
	mov $msg_none, %si
	call puts
	mov $0x10, %al
exit:
	mov $0x501, %dx
	out %al, %dx
hang:
	hlt
	jmp hang

/* %eax = the PCI config dword at CONFIG_ADDRESS %eax. */
pci_read:
	mov $0xcf8, %dx
	out %eax, %dx
	mov $0xcfc, %dx
	in %dx, %eax
	ret

/* Writes %ebx to the PCI config dword at CONFIG_ADDRESS %eax. */
pci_write:
	mov $0xcf8, %dx
	out %eax, %dx
	mov $0xcfc, %dx
	mov %ebx, %eax
	out %eax, %dx
	ret

/* Writes the low %cx hex digits of %eax to COM1, most significant first. */
puthex:
	mov %eax, %ebx
	mov %cx, %bp
	shl $2, %cx
	mov $32, %ax
	sub %cx, %ax
	mov %al, %cl
	shl %cl, %ebx           /* the first digit to print is now in bits 31:28 */
5:	rol $4, %ebx
	mov %bl, %al
	and $0xf, %al
	add $'0', %al
	cmp $'9', %al
	jbe 6f
	add $('a' - '9' - 1), %al
6:	call putc
	dec %bp
	jnz 5b
	ret

/* Writes the NUL-terminated string at %cs:%si to COM1. */
puts:
	movb %cs:(%si), %al
	inc %si
	or %al, %al
	jz 2f
	call putc
	jmp puts
2:	ret

/* Writes %al to COM1 once its transmitter holding register is empty (LSR bit 5); keeps %dx. */
putc:
	push %dx
	push %ax
	mov $0x3fd, %dx
1:	in %dx, %al
	and $0x20, %al
	jz 1b
	pop %ax
	mov $0x3f8, %dx
	out %al, %dx
	pop %dx
	ret

msg_found:  .asciz "acpi: piix4 pm 8086:7113 at 00:01.3\n"
msg_timer:  .asciz "acpi: pm timer advances\n"
msg_sci:    .asciz "acpi: sci_en set by acpi_enable\n"
msg_alive:  .asciz "acpi: still running after s5\n"
msg_wait:   .asciz "acpi: waiting for the power button\n"
msg_button: .asciz "acpi: power button pressed\n"
msg_fail:   .asciz "acpi: FAIL\n"
msg_none:   .asciz "acpi: no pm function\n"
msg_cfg:    .asciz "cfg "
msg_colon:  .asciz ": "
msg_nl:     .asciz "\n"

	.org 0xfff0
reset_vector:
	ljmp $0xf000, $_start
	.org 0xffff
	.byte 0
