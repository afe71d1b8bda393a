/**
 * Direct kernel boot, like `qemu -kernel K -initrd I -append C`: detects whether K is a Linux
 * bzImage or a PVH ELF, writes kernel, initrd, command line, boot_params or hvm_start_info,
 * e820 map and MP table into guest RAM, and returns the vCPU state to start the BSP in.
 */
import { readFileSync } from 'node:fs';
import type { GuestMemory } from '../memory/guest-memory.js';
import type { RamRegion } from '../memory/layout.js';
import type { BootCpuState } from './cpu-state.js';
import { BootError } from './boot-error.js';
import { loadBzImage } from './bzimage.js';
import type { EntryMode } from './cpu-setup.js';
import { installDirectBootAcpi } from '../acpi/pc-acpi.js';
import type { AcpiTableSet } from '../acpi/table-set.js';
import { QEMU_KVM_RESERVED, buildE820, type E820Entry, type E820Options } from './e820.js';
import { isElf } from './elf.js';
import { writeMpTable, type MpTableInfo } from './mptable.js';
import { loadPvh } from './pvh.js';

/** What the machine passes for -kernel / -initrd / -append / -m / -smp. */
export interface DirectBootOptions {
  /** The kernel file; or give its bytes in `kernel`. */
  readonly kernelPath?: string;
  readonly kernel?: Uint8Array;
  /** The initrd file; or give its bytes in `initrd`. */
  readonly initrdPath?: string;
  readonly initrd?: Uint8Array;
  readonly cmdline?: string;
  /** Guest RAM layout, from pcRamRegions. */
  readonly ramRegions: readonly RamRegion[];
  /** vCPU count, for the MP table. */
  readonly cpus: number;
  /**
   * Ranges the machine reserves; see buildE820. The default reserves QEMU's KVM area
   * [0xfeffc000, 0xff000000): KVM_SET_IDENTITY_MAP_ADDR 0xfeffc000 and KVM_SET_TSS_ADDR
   * 0xfeffd000 (3 pages) fit it, as in QEMU; pass `reserved` if the machine uses other ones.
   */
  readonly e820?: E820Options;
  /** bzImage only: force the 32-bit entry ('protected') instead of the 64-bit one. */
  readonly entry?: EntryMode;
  /**
   * ACPI tables to place in the BIOS E-segment (RSDP at 0xE0000, where Linux searches), reserved
   * in e820 together with the F-segment; absent with -no-acpi.
   */
  readonly acpi?: AcpiTableSet;
}

/** What the machine needs to start the guest, and where things went (for logs and tests). */
export interface DirectBoot {
  readonly kind: 'bzimage' | 'pvh';
  /** BSP state; application processors wait for INIT/SIPI as usual. */
  readonly cpu: BootCpuState;
  /** The memory map given to the kernel; compare with its `BIOS-e820:` lines via formatE820. */
  readonly e820: E820Entry[];
  readonly initrd?: { readonly addr: number; readonly size: number };
  readonly mpTable: MpTableInfo;
  /** Where the ACPI RSDP went, when the machine has ACPI. */
  readonly acpiRsdp?: number;
  /** Every range written above 1 MiB (kernel code or segments, initrd), for logs and image dumps. */
  readonly loaded: ReadonlyArray<LoadedRange>;
}

/** One range of guest RAM a kernel or initrd was written to. */
export interface LoadedRange {
  readonly what: 'kernel' | 'initrd';
  readonly addr: number;
  readonly size: number;
}

function readInput(path: string | undefined, bytes: Uint8Array | undefined, what: string): Uint8Array | undefined {
  if (bytes !== undefined) return bytes;
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new BootError('not-found', `cannot read ${what} ${path}: ${code}`, { path }, err);
  }
}

/** Loads the kernel (bzImage or PVH ELF), initrd and boot tables into `mem`. */
export function loadKernel(mem: GuestMemory, o: DirectBootOptions): DirectBoot {
  const kernel = readInput(o.kernelPath, o.kernel, 'kernel');
  if (kernel === undefined) throw new BootError('not-found', 'no kernel given: pass -kernel', {});
  const initrd = readInput(o.initrdPath, o.initrd, 'initrd');
  for (const r of o.ramRegions) {
    if (!mem.contains(r.gpa, r.size)) throw new BootError('corrupt', `RAM region 0x${r.gpa.toString(16)}+0x${r.size.toString(16)} is not backed by guest memory`, { region: r });
  }
  const acpi = o.acpi === undefined ? undefined : installDirectBootAcpi(mem, o.acpi);
  const reserved = [...(o.e820?.reserved ?? [QEMU_KVM_RESERVED]), ...(acpi === undefined ? [] : [acpi])];
  const e820 = buildE820(o.ramRegions, { ...o.e820, reserved });
  const input = { kernel, initrd, cmdline: o.cmdline ?? '', ram: o.ramRegions, e820 };
  const mpTable = writeMpTable(mem, o.cpus);
  const tables = { mpTable, ...(acpi === undefined ? {} : { acpiRsdp: acpi.rsdp }) };
  if (isElf(kernel)) {
    if (o.entry === 'long') throw new BootError('unsupported', 'a PVH ELF kernel starts in 32-bit mode only', {});
    const r = loadPvh(mem, { ...input, rsdp: acpi?.rsdp });
    const loaded = [...r.segments.map((s) => ({ what: 'kernel' as const, ...s })), ...initrdRange(r.initrd)];
    return { kind: 'pvh', cpu: r.cpu, e820, ...tables, loaded, ...(r.initrd === undefined ? {} : { initrd: r.initrd }) };
  }
  const r = loadBzImage(mem, { ...input, entry: o.entry });
  const loaded = [{ what: 'kernel' as const, addr: r.loadAddr, size: r.header.kernelBytes }, ...initrdRange(r.initrd)];
  return { kind: 'bzimage', cpu: r.cpu, e820, ...tables, loaded, ...(r.initrd === undefined ? {} : { initrd: r.initrd }) };
}

function initrdRange(i: { addr: number; size: number } | undefined): LoadedRange[] {
  return i === undefined ? [] : [{ what: 'initrd', addr: i.addr, size: i.size }];
}
