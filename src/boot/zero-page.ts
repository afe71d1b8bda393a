/**
 * Linux's boot_params ("zero page"), the block a 32/64-bit boot loader hands the kernel in ESI/RSI.
 * Offsets from Documentation/arch/x86/zero-page.rst and arch/x86/include/uapi/asm/bootparam.h.
 */
import type { GuestMemory } from '../memory/guest-memory.js';
import { BootError } from './boot-error.js';
import { writeE820Entries, type E820Entry } from './e820.js';
import { CAN_USE_HEAP, HDR } from './setup-header.js';

/** boot_params field offsets outside the setup header. */
export const ZP = {
  screenInfo: 0x000, // struct screen_info (0x40 bytes): the console the firmware left
  acpiRsdpAddr: 0x070, // u64
  extRamdiskImage: 0x0c0, // u32, high 32 bits of ramdisk_image
  extRamdiskSize: 0x0c4, // u32
  extCmdLinePtr: 0x0c8, // u32
  e820Entries: 0x1e8, // u8
  sentinel: 0x1ef, // u8, must stay 0 for loaders that copy the header
  hdr: 0x1f1, // struct setup_header starts here
  hdrMaxEnd: 0x290, // edd_mbr_sig_buffer: the header may not reach past this
  e820Table: 0x2d0, // struct boot_e820_entry[128], 20 bytes each
} as const;
/** Size of boot_params. */
export const ZERO_PAGE_SIZE = 0x1000;
/** Entries boot_params.e820_table holds (E820_MAX_ENTRIES_ZEROPAGE). */
export const ZERO_PAGE_E820_MAX = 128;
/** type_of_loader for a boot loader without an assigned id (boot.rst). */
export const LOADER_UNDEFINED = 0xff;
/** heap_end_ptr QEMU writes: cmdline (0x20000) - setup (0x10000) - 0x200; used by the 16-bit entry only. */
export const HEAP_END_PTR = 0xfe00;

/**
 * struct screen_info offsets (arch/x86/include/uapi/asm/bootparam.h via linux/screen_info.h) that
 * the kernel's real-mode setup fills from INT 10h before a 16-bit entry.
 */
export const SCREEN_INFO = {
  origX: 0x00, // u8, cursor column
  origY: 0x01, // u8, cursor row
  origVideoPage: 0x04, // u16, active display page
  origVideoMode: 0x06, // u8, INT 10h AH=0Fh mode number
  origVideoCols: 0x07, // u8
  origVideoEgaBx: 0x0a, // u16, INT 10h AH=12h BL=10h result BX: BH 0 = colour, BL 3 = 256 KiB
  origVideoLines: 0x0e, // u8
  origVideoIsVga: 0x0f, // u8, 1 = VGA text (VIDEO_TYPE_VGAC)
  origVideoPoints: 0x10, // u16, character height in scan lines
} as const;

/**
 * Records the console a PC BIOS leaves for a boot loader: colour VGA text mode 3, 80x25, 8x16
 * font, page 0, cursor at the top left of a blank screen. A 32-bit entry skips the kernel's
 * real-mode setup that would read this with INT 10h, so without it vgacon finds no screen and
 * console=tty0 shows nothing.
 */
export function writeVgaTextScreenInfo(mem: GuestMemory, zeroPage: number): void {
  const at = zeroPage + ZP.screenInfo;
  mem.writeU8(at + SCREEN_INFO.origX, 0);
  mem.writeU8(at + SCREEN_INFO.origY, 0);
  mem.writeU16(at + SCREEN_INFO.origVideoPage, 0);
  mem.writeU8(at + SCREEN_INFO.origVideoMode, 3);
  mem.writeU8(at + SCREEN_INFO.origVideoCols, 80);
  mem.writeU16(at + SCREEN_INFO.origVideoEgaBx, 0x0003);
  mem.writeU8(at + SCREEN_INFO.origVideoLines, 25);
  mem.writeU8(at + SCREEN_INFO.origVideoIsVga, 1);
  mem.writeU16(at + SCREEN_INFO.origVideoPoints, 16);
}

/** What the loader decided, to be recorded in boot_params. */
export interface ZeroPageFields {
  readonly code32Start: number;
  readonly cmdlinePtr: number;
  readonly ramdisk?: { readonly addr: number; readonly size: number };
  readonly e820: readonly E820Entry[];
}

/**
 * Writes boot_params at `gpa`: zeroed, the kernel's own setup header [0x1f1, headerEnd) copied
 * in (boot.rst: "copy the setup header into the zero page"), then the loader's fields and the
 * VGA text console of a PC's firmware (the pc machine's default adapter; with -vga none the kernel's
 * vgacon then drives an absent adapter, whose memory and ports ignore it).
 */
export function writeZeroPage(mem: GuestMemory, gpa: number, kernel: Uint8Array, headerEnd: number, f: ZeroPageFields): void {
  if (f.e820.length > ZERO_PAGE_E820_MAX) {
    throw new BootError('corrupt', `e820 map has ${f.e820.length} entries; boot_params holds ${ZERO_PAGE_E820_MAX}`, { entries: f.e820.length });
  }
  mem.fill(gpa, ZERO_PAGE_SIZE);
  mem.write(gpa + ZP.hdr, kernel.subarray(ZP.hdr, Math.min(headerEnd, ZP.hdrMaxEnd)));
  mem.writeU8(gpa + HDR.typeOfLoader, LOADER_UNDEFINED);
  mem.writeU8(gpa + HDR.loadflags, mem.readU8(gpa + HDR.loadflags) | CAN_USE_HEAP);
  mem.writeU16(gpa + HDR.heapEndPtr, HEAP_END_PTR);
  mem.writeU32(gpa + HDR.code32Start, f.code32Start);
  mem.writeU32(gpa + HDR.cmdLinePtr, f.cmdlinePtr);
  mem.writeU32(gpa + HDR.ramdiskImage, f.ramdisk?.addr ?? 0);
  mem.writeU32(gpa + HDR.ramdiskSize, f.ramdisk?.size ?? 0);
  writeVgaTextScreenInfo(mem, gpa);
  mem.writeU8(gpa + ZP.e820Entries, f.e820.length);
  writeE820Entries(mem, gpa + ZP.e820Table, f.e820);
}
