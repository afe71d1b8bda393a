/**
 * A multiboot guest for comparing tkvm's local APIC and IOAPIC registers with KVM's in-kernel ones
 * (qemu-system-i386 -accel kvm, after SeaBIOS): it runs a script of 32-bit MMIO writes and reads
 * in flat protected mode with interrupts disabled, writing every value it reads to the debugcon
 * port (0xE9), then leaves through isa-debug-exit.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Script opcodes the guest understands. */
export const MmioGuestOp = { END: 0, WRITE32: 1, READ32: 2 } as const;

const QEMU_I386 = 'qemu-system-i386';

const GUEST_ASM = `.code32
.section .text
.globl _start
_start:
.align 4
mb_header:
  .long 0x1badb002
  .long 0
  .long -0x1badb002
entry:
  cli
  mov $script, %esi
next:
  lodsb
  cmp $1, %al
  je op_write
  cmp $2, %al
  je op_read
  mov $0xf4, %dx
  xor %eax, %eax
  out %eax, %dx
1: hlt
  jmp 1b
op_write:
  lodsl
  mov %eax, %edi
  lodsl
  mov %eax, (%edi)
  jmp next
op_read:
  lodsl
  mov (%eax), %eax
  mov $0xe9, %dx
  mov $4, %ecx
2: out %al, %dx
  shr $8, %eax
  loop 2b
  jmp next
.align 4
script:
.incbin "script.bin"
`;

/** Why the comparison cannot run here, or undefined when it can. */
export function kvmGuestUnavailable(): string | undefined {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return '/dev/kvm is not usable here';
  }
  if (spawnSync(QEMU_I386, ['--version']).status !== 0) return `${QEMU_I386} is not installed`;
  if (spawnSync('as', ['--version']).status !== 0 || spawnSync('ld', ['--version']).status !== 0) return 'binutils (as, ld) are not installed';
  return undefined;
}

/** Builds the guest around `script` in `dir` and runs it under QEMU with KVM; returns the bytes read. */
export function runMmioScript(dir: string, script: Uint8Array): Uint8Array {
  writeFileSync(join(dir, 'script.bin'), script);
  writeFileSync(join(dir, 'guest.S'), GUEST_ASM);
  const as = spawnSync('as', ['--32', '-I', dir, '-o', join(dir, 'guest.o'), join(dir, 'guest.S')], { encoding: 'utf8' });
  if (as.status !== 0) throw new Error(`as failed: ${as.stderr}`);
  const elf = join(dir, 'guest.elf');
  const ld = spawnSync('ld', ['-m', 'elf_i386', '-Ttext', '0x100000', '-o', elf, join(dir, 'guest.o')], { encoding: 'utf8' });
  if (ld.status !== 0) throw new Error(`ld failed: ${ld.stderr}`);
  const out = join(dir, 'debugcon.bin');
  writeFileSync(out, '');
  const run = spawnSync(QEMU_I386, [
    '-accel', 'kvm', '-display', 'none', '-nodefaults', '-m', '32', '-kernel', elf,
    '-debugcon', `file:${out}`, '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
  ], { encoding: 'utf8', timeout: 300_000 });
  if (run.status !== 1) throw new Error(`QEMU did not reach the guest's exit (status ${run.status}): ${run.stderr}`);
  return new Uint8Array(readFileSync(out));
}
