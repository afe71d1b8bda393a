/*
 * A tiny multiprocessor BIOS for the machine tests (GNU as, built at test time): 64 KiB, reset
 * vector at 0xFFFF0. The BSP goes to 32-bit protected mode, reads the CPU count from CMOS 0x5F
 * (QEMU's count minus one), wakes the APs with INIT-SIPI-SIPI to the AP entry at 0xF8000 (vector
 * 0xF8, inside this ROM) and waits for them (a LOCKed counter). Each AP switches to protected
 * mode, records its APIC ID (register and CPUID), calls a small function in RAM at 0x2000 and
 * halts with interrupts on. The BSP then rewrites that function's immediate, sends each AP a
 * fixed IPI (vector 0x40) and halts until every AP has answered (a LOCKed counter, then an IPI
 * back, vector 0x41, that wakes it): each AP's handler calls the function again, so it must see
 * the BSP's new code. Only the BSP
 * prints (COM1), in APIC ID order, and it ends the VM through isa-debug-exit (0x21: status 67;
 * 0x7f on failure). An APIC timer one-shot (16 s) is the watchdog of both waits.
 */
	.set DATA, 0x1000           /* alive, answered, back, watchdog, ncpus */
	.set ALIVE, DATA
	.set ANSWERED, DATA + 4
	.set BACK, DATA + 8
	.set WATCHDOG, DATA + 12
	.set NCPUS, DATA + 16
	.set STARTED, 0x1100        /* per APIC ID, dwords */
	.set CPUID_ID, 0x1200
	.set FIRST, 0x1300
	.set SECOND, 0x1400
	.set FUNC, 0x2000
	.set IDT, 0x3000
	.set IDT_VECTORS, 0x43
	.set APIC, 0xfee00000
	.set APIC_ID, APIC + 0x20
	.set APIC_EOI, APIC + 0xb0
	.set APIC_SVR, APIC + 0xf0
	.set APIC_ICR_LOW, APIC + 0x300
	.set APIC_ICR_HIGH, APIC + 0x310
	.set APIC_LVT_TIMER, APIC + 0x320
	.set APIC_TIMER_INITIAL, APIC + 0x380
	.set APIC_TIMER_DIVIDE, APIC + 0x3e0
	.set ROM, 0xf0000

	.include "flat32.inc"

	.code16
	.text
	.globl _start
_start:
	cli
	cld
	lgdtl %cs:gdt_desc
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $(ROM + bsp32)

	.code32
bsp32:
	FLAT_DATA_SEGMENTS
	mov $0x90000, %esp
	mov $0xff, %al              /* mask both 8259As: only APIC interrupts here */
	out %al, $0x21
	out %al, $0xa1
	mov $DATA, %edi             /* clear the shared data */
	mov $0x500 / 4, %ecx
	xor %eax, %eax
	rep stosl
	movl $0x000001b8, FUNC      /* FUNC: mov $1, %eax; ret */
	movw $0xc300, FUNC + 4
	xor %ecx, %ecx              /* IDT: every vector unexpected, then 0x40-0x42 */
1:	mov $(ROM + unexpected), %eax
	call set_gate
	inc %ecx
	cmp $IDT_VECTORS, %ecx
	jne 1b
	mov $0x40, %ecx
	mov $(ROM + ap_ipi), %eax
	call set_gate
	mov $0x41, %ecx
	mov $(ROM + bsp_ipi), %eax
	call set_gate
	mov $0x42, %ecx
	mov $(ROM + watchdog), %eax
	call set_gate
	lidt ROM + idt_desc

	mov $(ROM + msg_bsp), %esi
	mov APIC_ID, %eax
	shr $24, %eax
	call put_str_dec
	mov $0x5f, %al              /* CMOS 0x5F: CPUs - 1 */
	out %al, $0x70
	in $0x71, %al
	movzbl %al, %eax
	inc %eax
	mov %eax, NCPUS
	mov $(ROM + msg_cpus), %esi
	call put_str_dec_line

	movl $0x1ff, APIC_SVR       /* APIC software-enabled, spurious vector 0xFF */
	movl $0x3, APIC_TIMER_DIVIDE    /* watchdog of both waits: one-shot, divide by 16, */
	movl $0x42, APIC_LVT_TIMER      /* 10^9 counts: 16 s at QEMU's and tkvm's 1 GHz */
	movl $1000000000, APIC_TIMER_INITIAL
	sti
	movl $0, APIC_ICR_HIGH
	movl $0x000c4500, APIC_ICR_LOW  /* INIT, assert, to all excluding self */
	call delay
	movl $0x000c46f8, APIC_ICR_LOW  /* start-up, vector 0xF8: CS 0xF800, IP 0 */
	call delay
	movl $0x000c46f8, APIC_ICR_LOW
	mov NCPUS, %ebx
	dec %ebx                    /* %ebx = APs */
2:	cmp %ebx, ALIVE
	je 3f
	pause
	cmpl $0, WATCHDOG
	je 2b
	mov $(ROM + msg_timeout_start), %esi
	jmp fail

3:	mov $1, %edi                /* report each AP */
4:	cmp NCPUS, %edi
	jae 5f
	call put_cpu
	cmpl $1, STARTED(,%edi,4)
	jne 6f
	mov $(ROM + msg_started), %esi
	mov CPUID_ID(,%edi,4), %eax
	call put_str_dec
	mov $(ROM + msg_returned), %esi
	mov FIRST(,%edi,4), %eax
	call put_str_dec_line
	inc %edi
	jmp 4b
6:	mov $(ROM + msg_missing), %esi
	jmp fail

5:	movb $2, FUNC + 1           /* the APs decoded FUNC: rewrite its immediate */
	mov $1, %edi
7:	cmp NCPUS, %edi
	jae 8f
	mov %edi, %eax
	shl $24, %eax
	mov %eax, APIC_ICR_HIGH
	movl $0x00004040, APIC_ICR_LOW  /* fixed, physical destination, vector 0x40 */
	inc %edi
	jmp 7b

8:
9:	cli                         /* halt until every AP has answered (their IPIs wake it; */
	cmp %ebx, ANSWERED          /* two of one vector may merge in IRR, so count ANSWERED) */
	je 10f
	cmpl $0, WATCHDOG
	jne 11f
	sti
	hlt
	jmp 9b
11:	mov $(ROM + msg_timeout_ipi), %esi
	jmp fail

10:	movl $0, APIC_TIMER_INITIAL
	mov $1, %edi
12:	cmp NCPUS, %edi
	jae 13f
	call put_cpu
	mov $(ROM + msg_answered), %esi
	mov SECOND(,%edi,4), %eax
	call put_str_dec_line
	inc %edi
	jmp 12b
13:	mov $(ROM + msg_done), %esi
	call puts32
	mov $0x501, %dx
	mov $0x21, %al
	out %al, %dx
	hlt

fail:
	call puts32
	mov $0x501, %dx
	mov $0x7f, %al
	out %al, %dx
	hlt

/* IDT gate %ecx -> handler at linear %eax (32-bit interrupt gate, selector 0x08). */
set_gate:
	lea IDT(,%ecx,8), %edx
	mov %ax, (%edx)
	movw $0x08, 2(%edx)
	movw $0x8e00, 4(%edx)
	shr $16, %eax
	mov %ax, 6(%edx)
	ret

delay:
	mov $100000, %ecx
1:	loop 1b
	ret

/* Fixed IPI on an AP: call FUNC again, then answer the BSP with vector 0x41. */
ap_ipi:
	pusha
	mov APIC_ID, %esi
	shr $24, %esi
	mov $FUNC, %eax
	call *%eax
	mov %eax, SECOND(,%esi,4)
	lock incl ANSWERED
	movl $0, APIC_ICR_HIGH
	movl $0x00004041, APIC_ICR_LOW
	movl $0, APIC_EOI
	popa
	iret

bsp_ipi:
	lock incl BACK
	movl $0, APIC_EOI
	iret

watchdog:
	movl $1, WATCHDOG
	movl $0, APIC_EOI
	iret

unexpected:
	mov $(ROM + msg_unexpected), %esi
	jmp fail

	COM1_OUTPUT32

/* Writes "smp: cpu %edi" to COM1. */
put_cpu:
	mov $(ROM + msg_cpu), %esi
	mov %edi, %eax
	jmp put_str_dec

/* Writes the string at %esi, then %eax in decimal (and a newline: put_str_dec_line), to COM1. */
put_str_dec_line:
	call put_str_dec
	mov $'\n', %al
	jmp putc
put_str_dec:
	push %eax
	call puts32
	pop %eax
	jmp putdec

/* Writes %eax in decimal to COM1. */
putdec:
	push %ebx
	push %ecx
	push %edx
	mov $10, %ebx
	xor %ecx, %ecx
1:	xor %edx, %edx
	div %ebx
	push %edx
	inc %ecx
	test %eax, %eax
	jnz 1b
2:	pop %eax
	add $'0', %al
	call putc
	loop 2b
	pop %edx
	pop %ecx
	pop %ebx
	ret

msg_bsp:            .asciz "smp: bsp apic id "
msg_cpus:           .asciz ", cpus "
msg_cpu:            .asciz "smp: cpu "
msg_started:        .asciz " started, cpuid apic id "
msg_returned:       .asciz ", code returned "
msg_answered:       .asciz " answered the ipi, code returned "
msg_done:           .asciz "smp: done\n"
msg_missing:        .asciz " did not start\nsmp: FAIL\n"
msg_timeout_start:  .asciz "smp: FAIL: the APs did not all start\n"
msg_timeout_ipi:    .asciz "smp: FAIL: the APs did not all answer the IPI\n"
msg_unexpected:     .asciz "smp: FAIL: unexpected interrupt\n"

/* The AP entry: SIPI vector 0xF8 starts it here in real mode with CS = 0xF800, IP = 0. */
	.code16
	.org 0x8000
ap_entry:
	cli
	cld
	lgdtl %cs:gdt_desc - 0x8000
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $(ROM + ap32)

	.code32
ap32:
	FLAT_DATA_SEGMENTS
	mov APIC_ID, %esi
	shr $24, %esi               /* %esi = APIC ID; a stack page each below 0x80000 */
	mov %esi, %esp
	shl $12, %esp
	add $0x71000, %esp
	mov $1, %eax
	cpuid
	shr $24, %ebx
	mov %ebx, CPUID_ID(,%esi,4)
	movl $1, STARTED(,%esi,4)
	mov $FUNC, %eax
	call *%eax
	mov %eax, FIRST(,%esi,4)
	lidt ROM + idt_desc
	movl $0x1ff, APIC_SVR
	lock incl ALIVE
1:	sti
	hlt
	jmp 1b

	FLAT_GDT                    /* above 0x8000: the AP's LGDT reaches it from CS 0xF800 */
idt_desc:
	.word IDT_VECTORS * 8 - 1
	.long IDT

	.code16
	.org 0xfff0
reset_vector:
	ljmp $0xf000, $_start
	.org 0xffff
	.byte 0
