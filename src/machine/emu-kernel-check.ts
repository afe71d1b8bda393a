/**
 * -kernel on the software CPU: tkvm's emu core runs IA-32 code only, so a kernel that needs long
 * mode is refused before it runs (it would otherwise fault at its switch to long mode and end
 * without a word). An x86-64 ELF (ELFCLASS64 or e_machine x86-64) is such a kernel even when its
 * PVH entry is 32-bit: its code after the entry is 64-bit.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { TkvmError } from '../errors.js';
import { EM_X86_64, isElf } from '../boot/elf.js';

/** e_ident[EI_CLASS] and e_machine offsets (the same in ELF32 and ELF64 headers). */
const EI_CLASS = 4;
const ELFCLASS64 = 2;
const E_MACHINE = 18;

/** Why the kernel bytes cannot run on the IA-32 software CPU, or undefined when they may. */
export function longModeKernelReason(kernel: Uint8Array): string | undefined {
  if (!isElf(kernel) || kernel.length < E_MACHINE + 2) return undefined;
  const machine = kernel[E_MACHINE]! | (kernel[E_MACHINE + 1]! << 8);
  if (kernel[EI_CLASS] !== ELFCLASS64 && machine !== EM_X86_64) return undefined;
  return 'is a 64-bit (x86-64) ELF kernel, which needs long mode';
}

/** Throws a one-line TkvmError when the -kernel file needs long mode; unreadable files are left to the loader. */
export function refuseLongModeKernel(path: string): void {
  const header = new Uint8Array(E_MACHINE + 2);
  let got: number;
  try {
    const fd = openSync(path, 'r');
    try {
      got = readSync(fd, header, 0, header.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return;
  }
  const reason = longModeKernelReason(header.subarray(0, got));
  if (reason !== undefined) {
    throw new TkvmError('unsupported', `-kernel ${path} ${reason}, and tkvm's software CPU (-accel emu) runs IA-32 code only: use -accel kvm, or a 32-bit (i386) build of the kernel`, { path });
  }
}
