/**
 * Boots an ELF kernel through the PVH entry, as `qemu -kernel vmlinux` does: PT_LOAD segments at
 * their physical addresses, hvm_start_info for the kernel, and a 32-bit protected-mode start at
 * the XEN_ELFNOTE_PHYS32_ENTRY address with EBX = start info (Xen docs/misc/pvh.pandoc).
 * Layout of the start info: xen/include/public/arch-x86/hvm/start_info.h.
 */
import type { GuestMemory } from '../memory/guest-memory.js';
import type { RamRegion } from '../memory/layout.js';
import type { BootCpuState } from './cpu-state.js';
import type { E820Entry } from './e820.js';
import { BootError } from './boot-error.js';
import {
  CMDLINE_MAX, KERNEL_LOAD_ADDR, PVH_INFO_ADDR, PVH_MEMMAP_ADDR, PVH_MODLIST_ADDR, ZERO_PAGE_ADDR,
  lowRamEnd, mib, placeInitrd, writeCmdline,
} from './boot-layout.js';
import { protectedModeEntry } from './cpu-setup.js';
import { parseElf, type ElfFile } from './elf.js';

/** hvm_start_info.magic ("xEn3" with the top bit set). */
export const XEN_HVM_START_MAGIC = 0x336e_c578;
/** ELF note type holding the 32-bit physical PVH entry point (xen/include/public/elfnote.h). */
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;
/** struct hvm_start_info field offsets (start_info.h, version 1). */
export const SI = {
  magic: 0x00, version: 0x04, flags: 0x08, nrModules: 0x0c, modlistPaddr: 0x10,
  cmdlinePaddr: 0x18, rsdpPaddr: 0x20, memmapPaddr: 0x28, memmapEntries: 0x30, size: 0x38,
} as const;
/** struct hvm_modlist_entry: u64 paddr, u64 size, u64 cmdline_paddr, u64 reserved. */
export const MODLIST_ENTRY_SIZE = 32;
/** struct hvm_memmap_table_entry: u64 addr, u64 size, u32 type (e820 types), u32 reserved. */
export const MEMMAP_ENTRY_SIZE = 24;
/** Memmap entries that fit between PVH_MEMMAP_ADDR and the zero page. */
const MEMMAP_MAX = Math.floor((ZERO_PAGE_ADDR - PVH_MEMMAP_ADDR) / MEMMAP_ENTRY_SIZE);

/** What loadPvh needs besides guest memory. */
export interface PvhInput {
  readonly kernel: Uint8Array;
  readonly initrd?: Uint8Array | undefined;
  readonly cmdline: string;
  readonly ram: readonly RamRegion[];
  readonly e820: readonly E820Entry[];
  /** The ACPI RSDP's address, for hvm_start_info.rsdp_paddr (QEMU's pvh.bin finds and passes it). */
  readonly rsdp?: number | undefined;
}

/** Where things went. */
export interface PvhLoad {
  readonly cpu: BootCpuState;
  readonly entry: number;
  /** End of the highest loaded segment. */
  readonly kernelEnd: number;
  /** Guest ranges the PT_LOAD segments occupy (bss included). */
  readonly segments: ReadonlyArray<{ readonly addr: number; readonly size: number }>;
  readonly initrd?: { readonly addr: number; readonly size: number };
}

/** The PVH entry point from the "Xen" note of type XEN_ELFNOTE_PHYS32_ENTRY. */
export function pvhEntry(elf: ElfFile): number {
  const note = elf.notes.find((n) => n.name === 'Xen' && n.type === XEN_ELFNOTE_PHYS32_ENTRY);
  if (note === undefined) {
    throw new BootError('not-a-kernel', 'not a PVH kernel: no XEN_ELFNOTE_PHYS32_ENTRY note; pass a bzImage, or a vmlinux built with CONFIG_PVH', {});
  }
  const v = new DataView(note.desc.buffer, note.desc.byteOffset, note.desc.byteLength);
  // Linux emits _ASM_PTR: 4 bytes in 32-bit builds, 8 in 64-bit ones.
  const entry = note.desc.length === 4 ? v.getUint32(0, true) : note.desc.length === 8 ? v.getBigUint64(0, true) : -1n;
  if (typeof entry === 'bigint' && (entry < 0n || entry >= 0x1_0000_0000n)) {
    throw new BootError('corrupt', `PVH entry note has a ${note.desc.length}-byte value that is not a 32-bit address`, { desc: note.desc.length });
  }
  return Number(entry);
}

/** Loads a PVH ELF kernel, its command line and initrd, and writes hvm_start_info. */
export function loadPvh(mem: GuestMemory, input: PvhInput): PvhLoad {
  const elf = parseElf(input.kernel);
  const entry = pvhEntry(elf);
  const lowEnd = lowRamEnd(input.ram);
  let kernelEnd = 0;
  for (const s of elf.segments) {
    if (s.memsz === 0) continue;
    const end = s.paddr + s.memsz;
    const where = `segment ${s.index} [0x${s.paddr.toString(16)}, 0x${end.toString(16)})`;
    if (s.paddr < KERNEL_LOAD_ADDR) {
      throw new BootError('no-room', `${where} overlaps tkvm's boot data below 1 MiB (hvm_start_info at 0x${PVH_INFO_ADDR.toString(16)}, command line, MP table); link the kernel at or above 1 MiB`, { segment: s.index });
    }
    if (!mem.contains(s.paddr, s.memsz)) {
      const hint = end <= 0x1_0000_0000 ? `: give the guest at least ${mib(end)} MiB of RAM (-m ${mib(end)})` : '';
      throw new BootError('no-room', `${where} lies outside guest RAM (low RAM ends at 0x${lowEnd.toString(16)})${hint}`, { segment: s.index });
    }
    kernelEnd = Math.max(kernelEnd, end);
  }
  if (!elf.segments.some((s) => entry >= s.paddr && entry < s.paddr + s.memsz)) {
    throw new BootError('corrupt', `PVH entry point 0x${entry.toString(16)} is not inside any loadable segment`, { entry });
  }
  if (input.e820.length > MEMMAP_MAX) throw new BootError('corrupt', `e820 map has ${input.e820.length} entries; the PVH memmap holds ${MEMMAP_MAX}`, {});
  const cmdline = writeCmdline(mem, input.cmdline, CMDLINE_MAX - 1);
  let initrd: { addr: number; size: number } | undefined;
  if (input.initrd !== undefined && input.initrd.length > 0) {
    const addr = placeInitrd(input.initrd.length, kernelEnd, lowEnd, 0xffff_ffff);
    mem.write(addr, input.initrd);
    initrd = { addr, size: input.initrd.length };
  }
  for (const s of elf.segments) {
    if (s.memsz === 0) continue;
    mem.write(s.paddr, input.kernel.subarray(s.offset, s.offset + s.filesz));
    mem.fill(s.paddr + s.filesz, s.memsz - s.filesz); // bss
  }
  writeStartInfo(mem, cmdline, initrd, input.e820);
  if (input.rsdp !== undefined) mem.writeU64(PVH_INFO_ADDR + SI.rsdpPaddr, BigInt(input.rsdp));
  const cpu = protectedModeEntry(mem, entry, { rbx: PVH_INFO_ADDR });
  const segments = elf.segments.filter((s) => s.memsz > 0).map((s) => ({ addr: s.paddr, size: s.memsz }));
  return { cpu, entry, kernelEnd, segments, ...(initrd === undefined ? {} : { initrd }) };
}

/** Writes hvm_start_info, the one-module list (initrd) and the memory map. */
function writeStartInfo(mem: GuestMemory, cmdline: number, initrd: { addr: number; size: number } | undefined, e820: readonly E820Entry[]): void {
  mem.fill(PVH_INFO_ADDR, ZERO_PAGE_ADDR - PVH_INFO_ADDR);
  mem.writeU32(PVH_INFO_ADDR + SI.magic, XEN_HVM_START_MAGIC);
  mem.writeU32(PVH_INFO_ADDR + SI.version, 1);
  mem.writeU64(PVH_INFO_ADDR + SI.cmdlinePaddr, BigInt(cmdline));
  if (initrd !== undefined) {
    mem.writeU32(PVH_INFO_ADDR + SI.nrModules, 1);
    mem.writeU64(PVH_INFO_ADDR + SI.modlistPaddr, BigInt(PVH_MODLIST_ADDR));
    mem.writeU64(PVH_MODLIST_ADDR, BigInt(initrd.addr));
    mem.writeU64(PVH_MODLIST_ADDR + 8, BigInt(initrd.size));
  }
  mem.writeU64(PVH_INFO_ADDR + SI.memmapPaddr, BigInt(PVH_MEMMAP_ADDR));
  mem.writeU32(PVH_INFO_ADDR + SI.memmapEntries, e820.length);
  e820.forEach((e, i) => {
    const at = PVH_MEMMAP_ADDR + i * MEMMAP_ENTRY_SIZE;
    mem.writeU64(at, BigInt(e.addr));
    mem.writeU64(at + 8, BigInt(e.size));
    mem.writeU32(at + 16, e.type);
  });
}
