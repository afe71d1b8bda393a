/**
 * Loads a Linux bzImage the way `qemu -kernel` does, but entering the kernel directly in 64-bit
 * (or 32-bit) mode as Firecracker does: protected-mode code in RAM, boot_params, command line,
 * initrd, and the vCPU state for the entry point (Documentation/arch/x86/boot.rst).
 */
import type { GuestMemory } from '../memory/guest-memory.js';
import type { RamRegion } from '../memory/layout.js';
import type { BootCpuState } from './cpu-state.js';
import type { E820Entry } from './e820.js';
import { BootError } from './boot-error.js';
import { KERNEL_LOAD_ADDR, ZERO_PAGE_ADDR, lowRamEnd, mib, placeInitrd, writeCmdline } from './boot-layout.js';
import { longModeEntry, protectedModeEntry, type EntryMode } from './cpu-setup.js';
import { parseSetupHeader, STARTUP_64_OFFSET, XLF_KERNEL_64, type SetupHeader } from './setup-header.js';
import { writeZeroPage } from './zero-page.js';

/** What loadBzImage needs besides guest memory. */
export interface BzImageInput {
  readonly kernel: Uint8Array;
  readonly initrd?: Uint8Array | undefined;
  readonly cmdline: string;
  readonly ram: readonly RamRegion[];
  readonly e820: readonly E820Entry[];
  /** Entry point to use; default 'long' when the kernel has XLF_KERNEL_64, else 'protected'. */
  readonly entry?: EntryMode | undefined;
}

/** Where things went, for the machine's log and for tests. */
export interface BzImageLoad {
  readonly cpu: BootCpuState;
  readonly header: SetupHeader;
  readonly entry: EntryMode;
  readonly loadAddr: number;
  /** End of the memory the kernel claims: runtime start + init_size. */
  readonly kernelEnd: number;
  readonly initrd?: { readonly addr: number; readonly size: number };
}

/**
 * Where the kernel runs after decompression: a relocatable kernel moves itself to
 * max(load address aligned to kernel_alignment, pref_address) (arch/x86/boot/compressed/head_64.S),
 * a fixed one to pref_address (its LOAD_PHYSICAL_ADDR).
 */
function runtimeStart(h: SetupHeader, load: number): number {
  if (!h.relocatable) return Math.max(load, h.version >= 0x20a ? h.prefAddress : load);
  const aligned = Math.ceil(load / h.kernelAlignment) * h.kernelAlignment;
  return Math.max(aligned, h.prefAddress);
}

/** Loads a bzImage into `mem`: kernel, zero page at ZERO_PAGE_ADDR, command line, initrd. */
export function loadBzImage(mem: GuestMemory, input: BzImageInput): BzImageLoad {
  const h = parseSetupHeader(input.kernel);
  const lowEnd = lowRamEnd(input.ram);
  const entry = input.entry ?? ((h.xloadflags & XLF_KERNEL_64) !== 0 ? 'long' : 'protected');
  if (entry === 'long' && (h.xloadflags & XLF_KERNEL_64) === 0) {
    throw new BootError('unsupported', 'kernel has no 64-bit entry point (xloadflags XLF_KERNEL_64 clear); use the 32-bit entry', { xloadflags: h.xloadflags });
  }
  // boot.rst: load at pref_address when relocatable and it fits, else at 1 MiB.
  const usePref = h.relocatable && h.prefAddress >= KERNEL_LOAD_ADDR && h.prefAddress + h.initSize <= lowEnd;
  const loadAddr = usePref ? h.prefAddress : KERNEL_LOAD_ADDR;
  const kernelEnd = Math.max(loadAddr + h.kernelBytes, runtimeStart(h, loadAddr) + h.initSize);
  if (kernelEnd > lowEnd) {
    throw new BootError('no-room', `kernel needs RAM up to 0x${kernelEnd.toString(16)} (init_size ${mib(h.initSize)} MiB) but low RAM ends at 0x${lowEnd.toString(16)}: give the guest at least ${mib(kernelEnd) + 1} MiB (-m ${mib(kernelEnd) + 1})`, { kernelEnd, lowEnd });
  }
  const cmdlinePtr = writeCmdline(mem, input.cmdline, h.cmdlineSize);
  let initrd: { addr: number; size: number } | undefined;
  if (input.initrd !== undefined && input.initrd.length > 0) {
    const addr = placeInitrd(input.initrd.length, kernelEnd, lowEnd, h.initrdAddrMax);
    mem.write(addr, input.initrd);
    initrd = { addr, size: input.initrd.length };
  }
  mem.write(loadAddr, input.kernel.subarray(h.setupBytes, h.setupBytes + h.kernelBytes));
  writeZeroPage(mem, ZERO_PAGE_ADDR, input.kernel, h.headerEnd, { code32Start: loadAddr, cmdlinePtr, ramdisk: initrd, e820: input.e820 });
  const cpu = entry === 'long'
    ? longModeEntry(mem, loadAddr + STARTUP_64_OFFSET, ZERO_PAGE_ADDR)
    : protectedModeEntry(mem, loadAddr, { rsi: ZERO_PAGE_ADDR });
  return { cpu, header: h, entry, loadAddr, kernelEnd, ...(initrd === undefined ? {} : { initrd }) };
}
