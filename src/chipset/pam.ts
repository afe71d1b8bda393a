/**
 * The i440FX's Programmable Attribute Map (Intel 82441FX PMC datasheet, registers PAM0-PAM6 at
 * config offsets 0x59-0x5F): 13 segments of the 0xC0000-0xFFFFF range, each routed by two bits
 * to the PCI bus (the BIOS ROM), to DRAM, or split between them.
 *   PAM0 bits 5:4  0xF0000-0xFFFFF (64 KiB)
 *   PAM1..PAM6     two 16 KiB segments each, low nibble first: 0xC0000, 0xC4000, ... 0xEC000
 * In each field bit 0 (RE) sends reads to DRAM and bit 1 (WE) sends writes to DRAM; a clear bit
 * sends that kind of access to PCI.
 */

/** Config offset of PAM0. */
export const PAM0 = 0x59;
/** Number of PAM registers (PAM0..PAM6). */
export const PAM_REGISTERS = 7;
/** Bits of the registers that exist (the rest read 0). */
export const PAM_MASKS: readonly number[] = [0x30, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33];

/** How one segment is decoded: bit 0 reads from DRAM, bit 1 writes to DRAM. */
export type PamMode = 0 | 1 | 2 | 3;
/** PamMode values by name. */
export const PAM_MODE = { PCI: 0, READ_RAM: 1, WRITE_RAM: 2, RAM: 3 } as const;

/** One PAM segment: its range and which register field controls it. */
export interface PamSegment {
  readonly base: number;
  readonly size: number;
  /** Config offset of the register. */
  readonly register: number;
  /** Bit position of the two-bit field in that register. */
  readonly shift: number;
}

/** The 13 segments in address order: 12 x 16 KiB from 0xC0000, then 64 KiB at 0xF0000. */
export const PAM_SEGMENTS: readonly PamSegment[] = [
  ...Array.from({ length: 12 }, (_, i) => ({ base: 0xc_0000 + i * 0x4000, size: 0x4000, register: PAM0 + 1 + (i >> 1), shift: (i & 1) * 4 })),
  { base: 0xf_0000, size: 0x1_0000, register: PAM0, shift: 4 },
];

/** The mode of every segment for PAM register bytes `regs` (PAM0 first). */
export function pamModes(regs: ArrayLike<number>): PamMode[] {
  return PAM_SEGMENTS.map((s) => (((regs[s.register - PAM0] ?? 0) >> s.shift) & 3) as PamMode);
}
