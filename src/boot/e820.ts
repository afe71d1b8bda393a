/**
 * The BIOS e820 memory map tkvm reports to a directly booted kernel (boot_params.e820_table,
 * PVH's hvm_start_info memmap), shaped like the map QEMU's pc machine + SeaBIOS give Linux.
 *
 * Reference, measured here with Debian's 6.1 cloud kernel (`qemu-system-x86_64 -m 256 -kernel`):
 *   BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable     (1)
 *   BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved   (2)
 *   BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved   (3)
 *   BIOS-e820: [mem 0x0000000000100000-0x000000000ffdffff] usable     (4)
 *   BIOS-e820: [mem 0x000000000ffe0000-0x000000000fffffff] reserved   (5)
 *   BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved   (6)
 *   BIOS-e820: [mem 0x000000fd00000000-0x000000ffffffffff] reserved   (7)
 * and with -m 4096 also `0x0000000100000000-0x000000013fffffff usable` (high RAM, QEMU's
 * etc/e820 RAM entry above 4 GiB), low RAM then ending at 0xc0000000.
 * (1)-(3): SeaBIOS src/memmap.c / post.c: conventional memory up to the 1 KiB EBDA at 0x9fc00,
 *   EBDA reserved, the BIOS F-segment reserved. tkvm keeps the same: the MP table lives there.
 * (4): QEMU's etc/e820 RAM entry below 4 GiB from 1 MiB on.
 * (5): SeaBIOS's own high tables (ACPI/SMBIOS, BUILD_MAX_HIGHTABLE): no SeaBIOS runs on tkvm's
 *   direct boot, so this RAM stays usable.
 * (6): SeaBIOS reserves the 256 KiB BIOS flash alias below 4 GiB (src/fw/paravirt.c
 *   qemu_early_e820); kept, so the firmware area looks the same to the guest.
 * KVM: QEMU's kvm_arch_init moves KVM's identity-map page + TSS to 0xfeffc000 and reserves
 *   16 KiB there in e820 (visible only under -enable-kvm); tkvm reserves what the machine uses.
 * (7): QEMU reserves the AMD HyperTransport hole [1 TiB - 12 GiB, 1 TiB) on AMD CPUs only
 *   (hw/i386/pc.c); optional here.
 * The LAPIC and IOAPIC pages are not in QEMU's map (Linux reserves them from the MP/ACPI
 * tables), so they are not in ours either.
 */
import type { GuestMemory } from '../memory/guest-memory.js';
import { CONVENTIONAL_END, HIGH_RAM_START, type RamRegion } from '../memory/layout.js';
import { BootError } from './boot-error.js';

/** e820 type of usable RAM (ACPI spec, "Address Range Types"). */
export const E820_RAM = 1;
/** e820 type of reserved memory. */
export const E820_RESERVED = 2;

/** One e820 range: [addr, addr + size) of `type`. addr and size are byte counts below 2^53. */
export interface E820Entry {
  readonly addr: number;
  readonly size: number;
  readonly type: number;
}

/** Start of the 1 KiB Extended BIOS Data Area SeaBIOS keeps at the top of conventional memory. */
export const EBDA_START = 0x9_fc00;
/** Start of the BIOS F-segment, reserved up to 1 MiB. */
export const BIOS_SEGMENT_START = 0xf_0000;
/** 1 MiB: where extended RAM starts. */
export const EXTENDED_RAM_START = 0x10_0000;
/** The 256 KiB BIOS flash alias below 4 GiB that SeaBIOS reserves. */
export const BIOS_FLASH = { addr: 0xfffc_0000, size: 0x4_0000 } as const;
/** Where QEMU puts KVM's identity-map page and TSS (3 pages) with its 16 KiB e820 reservation. */
export const QEMU_KVM_RESERVED = { addr: 0xfeff_c000, size: 0x4000 } as const;
/** AMD HyperTransport hole QEMU reserves on AMD CPUs: [1 TiB - 12 GiB, 1 TiB). */
export const AMD_HT_HOLE = { addr: 0xfd_0000_0000, size: 0x3_0000_0000 } as const;
/** Size of one boot_params.e820_table entry: u64 addr, u64 size, u32 type (packed). */
export const E820_ENTRY_SIZE = 20;

/** What besides RAM the machine wants reserved. */
export interface E820Options {
  /** Ranges the machine uses below 4 GiB (e.g. KVM's TSS/identity map); default QEMU_KVM_RESERVED. */
  readonly reserved?: ReadonlyArray<{ readonly addr: number; readonly size: number }>;
  /** Add QEMU's AMD HyperTransport hole reservation (QEMU does on AMD hosts). Default false. */
  readonly amdHyperTransportHole?: boolean;
}

/**
 * Builds the e820 map for pc RAM regions (from pcRamRegions): sorted, non-overlapping, adjacent
 * ranges of one type merged, as Linux's e820__update_table would print it.
 */
export function buildE820(ram: readonly RamRegion[], options: E820Options = {}): E820Entry[] {
  const low = ram.find((r) => r.gpa === 0);
  if (low === undefined || low.size < 2 * EXTENDED_RAM_START) {
    throw new BootError('no-room', `direct kernel boot needs at least 2 MiB of RAM from address 0; got ${low?.size ?? 0} bytes`, { ram });
  }
  const out: E820Entry[] = [
    { addr: 0, size: EBDA_START, type: E820_RAM },
    { addr: EBDA_START, size: CONVENTIONAL_END - EBDA_START, type: E820_RESERVED },
    { addr: BIOS_SEGMENT_START, size: EXTENDED_RAM_START - BIOS_SEGMENT_START, type: E820_RESERVED },
    { addr: EXTENDED_RAM_START, size: low.size - EXTENDED_RAM_START, type: E820_RAM },
  ];
  for (const r of options.reserved ?? [QEMU_KVM_RESERVED]) out.push({ addr: r.addr, size: r.size, type: E820_RESERVED });
  out.push({ addr: BIOS_FLASH.addr, size: BIOS_FLASH.size, type: E820_RESERVED });
  for (const r of ram) {
    if (r.gpa === 0) continue;
    if (r.gpa < HIGH_RAM_START) throw new BootError('unsupported', `RAM region at 0x${r.gpa.toString(16)} is neither low RAM nor above 4 GiB`, { region: r });
    out.push({ addr: r.gpa, size: r.size, type: E820_RAM });
  }
  if (options.amdHyperTransportHole === true) out.push({ addr: AMD_HT_HOLE.addr, size: AMD_HT_HOLE.size, type: E820_RESERVED });
  return normalize(out);
}

/** Sorts and merges adjacent same-type entries; overlapping entries are a VMM bug. */
function normalize(entries: E820Entry[]): E820Entry[] {
  const sorted = entries.filter((e) => e.size > 0).sort((a, b) => a.addr - b.addr);
  const out: E820Entry[] = [];
  for (const e of sorted) {
    const prev = out[out.length - 1];
    if (prev !== undefined && e.addr < prev.addr + prev.size) {
      throw new BootError('corrupt', `e820 ranges overlap at 0x${e.addr.toString(16)}: a reserved range lies inside RAM`, { prev, next: e });
    }
    if (prev !== undefined && prev.type === e.type && prev.addr + prev.size === e.addr) out[out.length - 1] = { ...prev, size: prev.size + e.size };
    else out.push(e);
  }
  return out;
}

/** Linux's name for an e820 type (arch/x86/kernel/e820.c e820_print_type). */
function typeName(type: number): string {
  switch (type) {
    case 1:
    case 128: return 'usable';
    case 2: return 'reserved';
    case 0xefffffff: return 'soft reserved';
    case 3: return 'ACPI data';
    case 4: return 'ACPI NVS';
    case 5: return 'unusable';
    case 7:
    case 12: return `persistent (type ${type})`;
    default: return `type ${type}`;
  }
}

/**
 * The lines Linux prints for this map (e820__print_table: `%s: [mem %#018Lx-%#018Lx] `), e.g.
 * `BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable`, so a boot test can compare.
 */
export function formatE820(entries: readonly E820Entry[], who = 'BIOS-e820'): string[] {
  const h = (n: number): string => '0x' + n.toString(16).padStart(16, '0');
  return entries.map((e) => `${who}: [mem ${h(e.addr)}-${h(e.addr + e.size - 1)}] ${typeName(e.type)}`);
}

/** Writes entries as packed boot_params-style e820 records (u64 addr, u64 size, u32 type). */
export function writeE820Entries(mem: GuestMemory, gpa: number, entries: readonly E820Entry[]): void {
  entries.forEach((e, i) => {
    const at = gpa + i * E820_ENTRY_SIZE;
    mem.writeU64(at, BigInt(e.addr));
    mem.writeU64(at + 8, BigInt(e.size));
    mem.writeU32(at + 16, e.type);
  });
}
