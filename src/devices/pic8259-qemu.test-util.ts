/**
 * A boot-sector guest for comparing tkvm's 8259A pair with QEMU's (TCG, SeaBIOS): it loads a
 * script of port operations from the disk and runs it with interrupts disabled, writing every
 * byte it reads to the debugcon port (0xE9), then leaves through isa-debug-exit. Interrupt
 * requests come from devices the guest drives deterministically: IRQ0 edges from PIT counter 0
 * (reloads that set OUT low, then high, synchronously in QEMU) and IRQ1/IRQ12 from the i8042
 * (commands 0xD2/0xD3 fill the output buffer, a read of port 0x60 empties it).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Script opcodes the guest understands. */
export const PicGuestOp = { END: 0, OUT: 1, IN: 2, IRQ0_EDGE: 3, KBD_DATA: 4, AUX_DATA: 5, READ_60: 6 } as const;

/** The QEMU binary the comparison runs. */
export const QEMU_I386 = 'qemu-system-i386';
/** Debian's SeaBIOS image. */
export const SEABIOS = '/usr/share/seabios/bios-256k.bin';

const GUEST_ASM = `.code16
.globl _start
_start:
  cli
  xor %ax, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %ss
  mov $0x7c00, %sp
  sti
  mov $0x8000, %bx
  mov $0x0240, %ax        /* read 64 sectors */
  mov $0x0002, %cx
  xor %dh, %dh
  int $0x13
  cli
drain:
  in $0x64, %al
  test $1, %al
  jz drained
  in $0x60, %al
  jmp drain
drained:
  call wait_ibe
  mov $0x60, %al
  out %al, $0x64
  call wait_ibe
  mov $0x03, %al
  out %al, $0x60
  call irq0_edge
  mov $0x8000, %si
next:
  lodsb
  cmp $1, %al
  je op_out
  cmp $2, %al
  je op_in
  cmp $3, %al
  je op_irq0
  cmp $4, %al
  je op_kbd
  cmp $5, %al
  je op_aux
  cmp $6, %al
  je op_read60
  mov $0xf4, %dx
  xor %al, %al
  out %al, %dx
1: hlt
  jmp 1b
op_out:
  lodsw
  mov %ax, %dx
  lodsb
  out %al, %dx
  jmp next
op_in:
  lodsw
  mov %ax, %dx
  in %dx, %al
  out %al, $0xe9
  jmp next
op_irq0:
  call irq0_edge
  jmp next
op_kbd:
  mov $0xd2, %ah
  jmp obuf
op_aux:
  mov $0xd3, %ah
obuf:
  call wait_ibe
  mov %ah, %al
  out %al, $0x64
  call wait_ibe
  lodsb
  out %al, $0x60
2: in $0x64, %al
  test $1, %al
  jz 2b
  jmp next
op_read60:
  in $0x60, %al
  jmp next
wait_ibe:
  in $0x64, %al
  test $2, %al
  jnz wait_ibe
  ret
irq0_edge:
  /*
   * Mode 0 with a fresh count drives OUT low and mode 1 with a fresh count drives it high, both
   * at once inside QEMU's count write (its later transitions come from a timer, 55 ms away).
   */
  mov $0x30, %al
  out %al, $0x43
  mov $0xff, %al
  out %al, $0x40
  out %al, $0x40
  mov $0x32, %al
  out %al, $0x43
  mov $0xff, %al
  out %al, $0x40
  out %al, $0x40
  ret
.org 510
.byte 0x55, 0xaa
`;

/** Why the comparison cannot run here, or undefined when it can. */
export function picGuestUnavailable(): string | undefined {
  if (spawnSync(QEMU_I386, ['--version']).status !== 0) return `${QEMU_I386} is not installed`;
  if (spawnSync('as', ['--version']).status !== 0 || spawnSync('ld', ['--version']).status !== 0) return 'binutils (as, ld) are not installed';
  try {
    readFileSync(SEABIOS, { flag: 'r' }).subarray(0, 1);
  } catch {
    return `${SEABIOS} is missing (Debian package seabios)`;
  }
  return undefined;
}

/** Assembles the boot sector in `dir`; returns its 512 bytes. */
export function buildPicGuest(dir: string): Buffer {
  writeFileSync(join(dir, 'guest.S'), GUEST_ASM);
  const as = spawnSync('as', ['--32', '-o', join(dir, 'guest.o'), join(dir, 'guest.S')], { encoding: 'utf8' });
  if (as.status !== 0) throw new Error(`as failed: ${as.stderr}`);
  const ld = spawnSync('ld', ['-m', 'elf_i386', '-Ttext', '0x7c00', '--oformat', 'binary', '-o', join(dir, 'guest.bin'), join(dir, 'guest.o')], { encoding: 'utf8' });
  if (ld.status !== 0) throw new Error(`ld failed: ${ld.stderr}`);
  return readFileSync(join(dir, 'guest.bin'));
}

/** Runs `script` (at most 32 KiB) under QEMU with the boot sector; returns the bytes the guest read. */
export function runPicScript(dir: string, bootSector: Buffer, script: Uint8Array): Uint8Array {
  if (script.length > 32768) throw new Error('script too long for the guest loader');
  const disk = Buffer.alloc(512 + 65 * 512);
  bootSector.copy(disk, 0);
  disk.set(script, 512);
  const image = join(dir, 'disk.img');
  const out = join(dir, 'debugcon.bin');
  writeFileSync(image, disk);
  writeFileSync(out, '');
  const run = spawnSync(QEMU_I386, [
    '-accel', 'tcg', '-display', 'none', '-nodefaults', '-m', '16', '-bios', SEABIOS,
    '-drive', `file=${image},format=raw,if=ide`, '-debugcon', `file:${out}`,
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
  ], { encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 1) throw new Error(`QEMU did not reach the guest's exit (status ${run.status}): ${run.stderr}`);
  return new Uint8Array(readFileSync(out));
}
