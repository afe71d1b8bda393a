/**
 * Where the direct-boot paths put their data in the first MiB of guest RAM, in one place.
 * Addresses follow Firecracker's x86_64 layout (src/vmm/src/arch/x86_64/layout.rs) and QEMU's
 * load_linux (command line at 0x20000), so a guest sees what it would see there.
 *
 *   0x00500  GDT (5 slots, 0x28 bytes)          0x06000  PVH hvm_start_info, module list, memmap
 *   0x07000  Linux zero page (boot_params)      0x08ff0  initial stack (grows down)
 *   0x09000  PML4, 0xa000 PDPT, 0xb000-0xefff 4 page directories (identity map of 4 GiB)
 *   0x20000  kernel command line                0x9fc00  MP floating pointer (EBDA)
 *   0xf0000  MP configuration table (BIOS F-segment, reserved in e820)
 *   0x100000 kernel (bzImage protected-mode code, or pref_address); initrd at the top of low RAM
 */
import type { GuestMemory } from '../memory/guest-memory.js';
import type { RamRegion } from '../memory/layout.js';
import { BootError } from './boot-error.js';

/** GDT base (Firecracker BOOT_GDT_OFFSET). */
export const GDT_ADDR = 0x500;
/** PVH hvm_start_info (Firecracker PVH_INFO_START). */
export const PVH_INFO_ADDR = 0x6000;
/** PVH module list: one hvm_modlist_entry for the initrd (Firecracker PVH_MODLIST_START). */
export const PVH_MODLIST_ADDR = 0x6040;
/** PVH memory map: hvm_memmap_table_entry[] (24 bytes each, up to 128 fit before 0x7000). */
export const PVH_MEMMAP_ADDR = 0x6100;
/** Linux boot_params, "zero page" (Firecracker ZERO_PAGE_START). */
export const ZERO_PAGE_ADDR = 0x7000;
/** Initial stack pointer (Firecracker BOOT_STACK_POINTER). */
export const BOOT_STACK_ADDR = 0x8ff0;
/** PML4 of the identity map; PDPT and page directories follow page by page. */
export const PML4_ADDR = 0x9000;
/** Kernel command line, NUL-terminated (QEMU cmdline_addr and Firecracker CMDLINE_START). */
export const CMDLINE_ADDR = 0x2_0000;
/** Room for the command line: up to the EBDA. */
export const CMDLINE_MAX = 0x9_fc00 - CMDLINE_ADDR;
/** Default kernel load address: 1 MiB (boot.rst: protected-mode kernel at 0x100000). */
export const KERNEL_LOAD_ADDR = 0x10_0000;
/** Page size the initrd is aligned to. */
export const PAGE_SIZE = 0x1000;

/** End of RAM that starts at 0 (low RAM below the PCI hole). */
export function lowRamEnd(ram: readonly RamRegion[]): number {
  const low = ram.find((r) => r.gpa === 0);
  if (low === undefined) throw new BootError('no-room', 'direct kernel boot needs RAM starting at address 0', { ram });
  return low.size;
}

/** Rounds a byte count up to whole MiB, for "give the guest at least N MiB" messages. */
export function mib(bytes: number): number {
  return Math.ceil(bytes / 0x10_0000);
}

/**
 * Places an initrd as high as possible below `limit` (exclusive), page-aligned, above `floor`
 * (boot.rst: "as high as possible", below initrd_addr_max). Throws a no-room error saying how
 * much RAM would be needed.
 */
export function placeInitrd(size: number, floor: number, lowEnd: number, addrMax: number): number {
  const limit = Math.min(lowEnd, addrMax + 1);
  const addr = Math.floor((limit - size) / PAGE_SIZE) * PAGE_SIZE;
  if (addr >= floor) return addr;
  const need = Math.ceil(floor / PAGE_SIZE) * PAGE_SIZE + Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
  const why = need > addrMax + 1
    ? `the kernel accepts an initrd only below 0x${(addrMax + 1).toString(16)} (initrd_addr_max); use a smaller initrd`
    : `give the guest at least ${mib(need)} MiB of RAM (-m ${mib(need)})`;
  throw new BootError('no-room', `initrd of ${size} bytes (${mib(size)} MiB) does not fit in RAM above the kernel's end 0x${floor.toString(16)} and below 0x${limit.toString(16)}: ${why}`, { size, floor, limit });
}

/**
 * Writes the NUL-terminated command line at CMDLINE_ADDR; `max` is the longest the kernel takes
 * (bzImage cmdline_size), in bytes without the NUL. Returns its address.
 */
export function writeCmdline(mem: GuestMemory, cmdline: string, max: number): number {
  const bytes = new TextEncoder().encode(cmdline);
  const limit = Math.min(max, CMDLINE_MAX - 1);
  if (bytes.includes(0)) throw new BootError('corrupt', 'kernel command line contains a NUL byte', {});
  if (bytes.length > limit) {
    throw new BootError('cmdline-too-long', `kernel command line is ${bytes.length} bytes; this kernel accepts at most ${limit} (cmdline_size): shorten -append`, { length: bytes.length, max: limit });
  }
  mem.write(CMDLINE_ADDR, bytes);
  mem.writeU8(CMDLINE_ADDR + bytes.length, 0);
  return CMDLINE_ADDR;
}
