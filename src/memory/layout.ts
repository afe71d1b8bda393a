/**
 * The guest-physical map of the `pc` machine, in one place (like QEMU's i440FX):
 * RAM from 0 up to the PCI hole, the rest above 4 GiB; firmware and devices in the hole.
 */

/** Start of RAM above 4 GiB. */
export const HIGH_RAM_START = 0x1_0000_0000;
/** When RAM reaches this much, low RAM is cut at LOW_RAM_LIMIT_SPLIT (QEMU's pc rule). */
export const LOW_RAM_MAX = 0xe000_0000;
/** Where low RAM ends when RAM does not fit below LOW_RAM_MAX: 3 GiB, gigabyte-aligned. */
export const LOW_RAM_LIMIT_SPLIT = 0xc000_0000;
/** The 640 KiB conventional-memory limit; [0xa0000, 0x100000) is VGA and ROM space. */
export const CONVENTIONAL_END = 0xa_0000;
/** IOAPIC MMIO base. */
export const IOAPIC_BASE = 0xfec0_0000;
/** Local APIC MMIO base. */
export const LAPIC_BASE = 0xfee0_0000;

/** One region of guest RAM. */
export interface RamRegion {
  readonly gpa: number;
  readonly size: number;
}

/** Splits `ramBytes` of RAM into the pc machine's low and high regions. */
export function pcRamRegions(ramBytes: number): RamRegion[] {
  const low = ramBytes >= LOW_RAM_MAX ? LOW_RAM_LIMIT_SPLIT : ramBytes;
  const regions: RamRegion[] = [{ gpa: 0, size: low }];
  if (ramBytes > low) regions.push({ gpa: HIGH_RAM_START, size: ramBytes - low });
  return regions;
}
