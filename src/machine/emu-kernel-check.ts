/**
 * -kernel on the software CPU: tkvm's emu core runs IA-32 code only, so a kernel that needs long
 * mode is refused before it runs (it would otherwise fault at its switch to long mode and end
 * without a word, or halt in its decompressor). An x86-64 ELF (ELFCLASS64 or e_machine x86-64) is
 * such a kernel even when its PVH entry is 32-bit: its code after the entry is 64-bit. So is a
 * bzImage whose setup header sets XLF_KERNEL_64 (boot protocol 2.12+), which only x86-64 Linux
 * builds do.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { TkvmError } from '../errors.js';
import { EM_X86_64, isElf } from '../boot/elf.js';
import { HDR, HDRS_MAGIC, XLF_KERNEL_64 } from '../boot/setup-header.js';

/** e_ident[EI_CLASS] and e_machine offsets (the same in ELF32 and ELF64 headers). */
const EI_CLASS = 4;
const ELFCLASS64 = 2;
const E_MACHINE = 18;
/** Bytes to read: enough for the ELF fields and the bzImage setup header up to xloadflags. */
const HEADER_BYTES = HDR.xloadflags + 2;
/** Boot protocol 2.12, which introduced xloadflags. */
const XLOADFLAGS_PROTOCOL = 0x20c;

function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

/** Whether the bytes start a bzImage whose header says it is an x86-64 kernel. */
function isBzImage64(kernel: Uint8Array): boolean {
  if (kernel.length < HEADER_BYTES) return false;
  const magic = (u16(kernel, HDR.header) | (u16(kernel, HDR.header + 2) << 16)) >>> 0;
  return magic === HDRS_MAGIC && u16(kernel, HDR.version) >= XLOADFLAGS_PROTOCOL && (u16(kernel, HDR.xloadflags) & XLF_KERNEL_64) !== 0;
}

/** Why the kernel bytes cannot run on the IA-32 software CPU, or undefined when they may. */
export function longModeKernelReason(kernel: Uint8Array): string | undefined {
  if (isBzImage64(kernel)) return 'is a 64-bit (x86-64) Linux kernel (its setup header sets XLF_KERNEL_64), which needs long mode';
  if (!isElf(kernel) || kernel.length < E_MACHINE + 2) return undefined;
  const machine = u16(kernel, E_MACHINE);
  if (kernel[EI_CLASS] !== ELFCLASS64 && machine !== EM_X86_64) return undefined;
  return 'is a 64-bit (x86-64) ELF kernel, which needs long mode';
}

/** Throws a one-line TkvmError when the -kernel file needs long mode; unreadable files are left to the loader. */
export function refuseLongModeKernel(path: string): void {
  const header = new Uint8Array(HEADER_BYTES);
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
