/*
 * A minimal PVH kernel for tkvm's loader tests: entered in 32-bit protected mode with EBX =
 * hvm_start_info, it checks the magic and prints the command line, memmap_entries, the module
 * count, size and first word (the initrd), and a word in its bss, on the serial port, then
 * exits QEMU through isa-debug-exit (port 0xf4; 0x31 => exit status 99).
 * Build: as --32 -o g.o pvh-hello.S && ld -m elf_i386 -Ttext-segment=0x200000 -e _start g.o
 */
    .code32
    .section .note.Xen, "a", @note
    .balign 4
    .long 4, 4, 18
    .asciz "Xen"
    .long _start

    .text
    .globl _start
_start:
    mov %ebx, %ebp
    cmpl $0x336ec578, (%ebp)
    jne fail
    mov $m_ok, %esi
    call puts
    mov 0x18(%ebp), %esi
    call puts
    mov $m_mm, %esi
    call puts
    mov 0x30(%ebp), %eax
    call puthex
    mov $m_mod, %esi
    call puts
    mov 0x0c(%ebp), %eax
    call puthex
    mov 0x10(%ebp), %edi
    mov 8(%edi), %eax
    call puthex
    mov (%edi), %edi
    mov (%edi), %eax
    call puthex
    mov $m_bss, %esi
    call puts
    mov bss_word, %eax
    call puthex
    mov $m_end, %esi
    call puts
    mov $0x31, %al
    out %al, $0xf4
fail:
    mov $m_fail, %esi
    call puts
    mov $0x01, %al
    out %al, $0xf4
1:  hlt
    jmp 1b
puts:
    mov $0x3f8, %dx
2:  lodsb
    test %al, %al
    jz 3f
    out %al, %dx
    jmp 2b
3:  ret
puthex:
    mov $0x3f8, %dx
    mov %eax, %ebx
    mov $8, %ecx
4:  rol $4, %ebx
    mov %ebx, %eax
    and $0xf, %eax
    movb hex(%eax), %al
    out %al, %dx
    loop 4b
    mov $' ', %al
    out %al, %dx
    ret
    .section .rodata
hex:    .ascii "0123456789abcdef"
m_ok:   .asciz "PVH-GUEST start_info ok, cmdline: "
m_mm:   .asciz "\nmemmap_entries "
m_mod:  .asciz "\nmodules "
m_bss:  .asciz "\nbss "
m_end:  .asciz "\nPVH-GUEST done\n"
m_fail: .asciz "PVH-GUEST bad start_info magic\n"
    .bss
    .balign 4096
    .space 8192
bss_word: .long 0
