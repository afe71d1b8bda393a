/*
 * A tiny hand-made PC BIOS for the machine tests (GNU as, built at test time): 64 KiB, reset
 * vector at 0xFFFF0. It writes what it checks to COM1 and ends the VM through isa-debug-exit.
 * A stage counter in CMOS NVRAM (register 0x4f, kept across resets) takes it through the three
 * ways a PC resets: 0xCF9, a triple fault and the keyboard controller's pulse; then it checks
 * that the ROM ignores writes, switches to 32-bit protected mode, checks RAM above 1 MiB and exits
 * with value 0x21 (status 67).
 */
	.include "flat32.inc"

	.code16
	.text
	.globl _start
_start:
	cli
	cld
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %ss
	mov $0x7000, %sp
	mov $0x4f, %al          /* CMOS stage counter */
	out %al, $0x70
	in $0x71, %al
	cmp $1, %al
	je stage1
	cmp $2, %al
	je stage2
	cmp $3, %al
	je stage3

	mov $msg_start, %si
	call puts
	mov $1, %bl
	call set_stage
	mov $0x02, %al          /* 0xCF9: system reset, as SeaBIOS does it */
	mov $0xcf9, %dx
	out %al, %dx
	mov $0x06, %al
	out %al, %dx
	jmp hang

stage1:
	mov $msg_cf9, %si
	call puts
	mov $2, %bl
	call set_stage
	lidt %cs:null_idt       /* IDT limit 0: INT 3 faults, the #GP faults again: shutdown */
	int $3
	jmp hang

stage2:
	mov $msg_triple, %si
	call puts
	mov $3, %bl
	call set_stage
	mov $0xfe, %al          /* i8042: pulse the reset line */
	out %al, $0x64
	jmp hang

stage3:
	mov $msg_kbd, %si
	call puts
	mov $0, %bl
	call set_stage
	mov $0xf000, %ax        /* the BIOS is read-only at reset (PAM: reads and writes go to ROM) */
	mov %ax, %es
	movb $0x55, %es:rom_cell
	cmpb $0xaa, %es:rom_cell
	jne fail16
	mov $msg_rom, %si
	call puts
	lgdtl %cs:gdt_desc
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $(0xf0000 + pm32)

fail16:
	mov $msg_fail, %si
	call puts
	mov $0x501, %dx
	mov $0x7f, %al
	out %al, %dx
hang:
	hlt
	jmp hang

/* CMOS register 0x4f = %bl */
set_stage:
	mov $0x4f, %al
	out %al, $0x70
	mov %bl, %al
	out %al, $0x71
	ret

/* Writes the NUL-terminated string at %cs:%si to COM1. */
puts:
	movb %cs:(%si), %al
	inc %si
	test %al, %al
	jz 2f
	mov %al, %ah
	mov $0x3fd, %dx
1:	in %dx, %al             /* wait for the transmitter holding register to be empty */
	test $0x20, %al
	jz 1b
	mov $0x3f8, %dx
	mov %ah, %al
	out %al, %dx
	jmp puts
2:	ret

	.code32
pm32:
	FLAT_DATA_SEGMENTS
	mov $0x90000, %esp
	movl $0xdeadbeef, 0x200000
	movl $0x12345678, 0x200004
	mov 0x200000, %eax
	add 0x200004, %eax
	cmp $(0xdeadbeef + 0x12345678) & 0xffffffff, %eax
	jne fail32
	mov $(0xf0000 + msg_pm), %esi
	call puts32
	mov $0x501, %dx
	mov $0x21, %al
	out %al, %dx
	hlt
fail32:
	mov $(0xf0000 + msg_fail), %esi
	call puts32
	mov $0x501, %dx
	mov $0x7f, %al
	out %al, %dx
	hlt

	COM1_OUTPUT32

	FLAT_GDT
null_idt:
	.word 0
	.long 0
rom_cell:
	.byte 0xaa

msg_start:  .asciz "tiny bios: start\n"
msg_cf9:    .asciz "tiny bios: reset by 0xcf9\n"
msg_triple: .asciz "tiny bios: reset by triple fault\n"
msg_kbd:    .asciz "tiny bios: reset by keyboard controller\n"
msg_rom:    .asciz "tiny bios: rom is read-only\n"
msg_pm:     .asciz "tiny bios: protected mode, ram ok\n"
msg_fail:   .asciz "tiny bios: FAIL\n"

	.code16
	.org 0xfff0
reset_vector:
	ljmp $0xf000, $_start
	.org 0xffff
	.byte 0
