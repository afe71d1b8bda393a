/**
 * The system BIOS image (SeaBIOS's bios.bin): loaded from a file and checked the way QEMU's pc
 * machine checks it (hw/i386/pc_sysfw.c): a whole number of 64 KiB, mapped read-only so that it
 * ends at 4 GiB, with its last 128 KiB (or all of a smaller image) also visible below 1 MiB at
 * 0xE0000-0xFFFFF ("isa-bios") while the chipset's PAM registers route that range to the ROM.
 */
import { readFileSync } from 'node:fs';
import { TkvmError } from '../errors.js';

/** Where Debian's seabios package puts its images; the first that exists is the default. */
export const DEFAULT_BIOS_PATHS = ['/usr/share/seabios/bios-256k.bin', '/usr/share/seabios/bios.bin'] as const;
/** BIOS images are whole 64 KiB blocks (QEMU refuses others). */
export const BIOS_BLOCK = 0x1_0000;
/** The largest image: 16 MiB, the top of the 32-bit space down to KVM's TSS pages at 0xfeffc000. */
export const BIOS_MAX = 0x100_0000;
/** Size of the ISA BIOS window below 1 MiB (0xE0000-0xFFFFF). */
export const ISA_BIOS_SIZE = 0x2_0000;
/** Start of the ISA BIOS window. */
export const ISA_BIOS_START = 0x10_0000 - ISA_BIOS_SIZE;
/** 4 GiB, where the BIOS image ends. */
export const FOUR_GIB = 0x1_0000_0000;

/** A checked BIOS image and where it goes. */
export interface BiosImage {
  /** The file it came from. */
  readonly path: string;
  /** The pristine image (never handed to the guest writable). */
  readonly bytes: Uint8Array;
  /** Guest-physical address of its first byte: 4 GiB - size. */
  readonly base: number;
}

/** Checks image bytes and computes the mapping; throws TkvmError('bad-bios') naming the problem. */
export function checkBiosImage(path: string, bytes: Uint8Array): BiosImage {
  if (bytes.length === 0 || bytes.length % BIOS_BLOCK !== 0) {
    throw new TkvmError('bad-bios', `BIOS image '${path}' is ${bytes.length} bytes; a PC BIOS must be a non-empty multiple of 64 KiB`, { path, size: bytes.length });
  }
  if (bytes.length > BIOS_MAX) {
    throw new TkvmError('bad-bios', `BIOS image '${path}' is ${bytes.length} bytes; at most ${BIOS_MAX / 2 ** 20} MiB fit below 4 GiB`, { path, size: bytes.length });
  }
  return { path, bytes, base: FOUR_GIB - bytes.length };
}

/** Reads and checks a BIOS image file. */
export function loadBiosImage(path: string): BiosImage {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new TkvmError('bad-bios', `could not load PC BIOS '${path}': ${(err as Error).message}`, { path }, err);
  }
  return checkBiosImage(path, bytes);
}

/** The offset in the image of the byte shown at ISA-window address `gpa` (0xE0000-0xFFFFF). */
export function isaBiosOffset(image: BiosImage, gpa: number): number | undefined {
  const window = Math.min(ISA_BIOS_SIZE, image.bytes.length);
  const start = 0x10_0000 - window;
  if (gpa < start || gpa >= 0x10_0000) return undefined;
  return image.bytes.length - window + (gpa - start);
}
