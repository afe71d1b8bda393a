/**
 * The bzImage real-mode setup header (Documentation/arch/x86/boot.rst, "The Real-Mode Kernel
 * Header"). Offsets are from the start of the file and equal offsets in boot_params.
 *
 * Threat note: the kernel file is user input and may be anything: truncated, a different
 * format, or crafted. Every field used to compute addresses or lengths is range-checked here
 * before the loader trusts it; the loader copies only bytes this parser proved to exist.
 */
import { BootError } from './boot-error.js';

/** boot.rst header field offsets used by tkvm. */
export const HDR = {
  setupSects: 0x1f1, // u8, 0 means 4
  syssize: 0x1f4, // u32, protected-mode code size in 16-byte paragraphs (2.04+)
  vidMode: 0x1fa, // u16
  bootFlag: 0x1fe, // u16, 0xaa55
  jump: 0x200, // u16 jump; byte 0x201 = header length - 0x202 + 0x200's jump offset
  header: 0x202, // u32 "HdrS"
  version: 0x206, // u16
  typeOfLoader: 0x210, // u8 (write)
  loadflags: 0x211, // u8
  code32Start: 0x214, // u32
  ramdiskImage: 0x218, // u32 (write)
  ramdiskSize: 0x21c, // u32 (write)
  heapEndPtr: 0x224, // u16 (write)
  cmdLinePtr: 0x228, // u32 (write)
  initrdAddrMax: 0x22c, // u32 (2.03+)
  kernelAlignment: 0x230, // u32 (2.05+)
  relocatableKernel: 0x234, // u8 (2.05+)
  xloadflags: 0x236, // u16 (2.12+)
  cmdlineSize: 0x238, // u32 (2.06+)
  prefAddress: 0x258, // u64 (2.10+)
  initSize: 0x260, // u32 (2.10+)
} as const;

/** "HdrS" read as a little-endian u32. */
export const HDRS_MAGIC = 0x5372_6448;
/** Oldest protocol tkvm loads: 2.06 (Linux 2.6.22) added cmdline_size, which we must honour. */
export const MIN_PROTOCOL = 0x206;
/** loadflags bit 0: protected-mode code loads at 0x100000 (a bzImage, not a zImage). */
export const LOADED_HIGH = 0x01;
/** loadflags bit 7: heap_end_ptr is valid. */
export const CAN_USE_HEAP = 0x80;
/** xloadflags bit 0: the kernel has the 64-bit entry point at load address + 0x200. */
export const XLF_KERNEL_64 = 0x01;
/** Offset of the 64-bit entry point from the load address (boot.rst "64-bit Boot Protocol"). */
export const STARTUP_64_OFFSET = 0x200;

/** What the loader needs from a validated setup header. */
export interface SetupHeader {
  readonly version: number;
  /** Bytes of real-mode setup code, boot sector included: (setup_sects + 1) * 512. */
  readonly setupBytes: number;
  /** Bytes of protected-mode kernel to load: syssize * 16. */
  readonly kernelBytes: number;
  /** Offset just past the header (0x202 + byte at 0x201): how much of it to copy. */
  readonly headerEnd: number;
  readonly loadflags: number;
  readonly relocatable: boolean;
  readonly kernelAlignment: number;
  readonly prefAddress: number;
  readonly initSize: number;
  readonly xloadflags: number;
  readonly cmdlineSize: number;
  readonly initrdAddrMax: number;
}

/** True when the file carries the "HdrS" magic of a Linux boot-protocol kernel. */
export function hasSetupHeader(file: Uint8Array): boolean {
  return file.length >= HDR.header + 4 && view(file).getUint32(HDR.header, true) === HDRS_MAGIC;
}

/** Parses and validates a bzImage's setup header for the 32/64-bit boot protocol. */
export function parseSetupHeader(file: Uint8Array): SetupHeader {
  if (!hasSetupHeader(file)) {
    throw new BootError('not-a-kernel', `not a bzImage: no "HdrS" magic at offset 0x202 (and not an ELF file); pass a Linux bzImage or a PVH ELF kernel to -kernel`, { size: file.length });
  }
  const v = view(file);
  const version = v.getUint16(HDR.version, true);
  const ver = `${version >> 8}.${(version & 0xff).toString().padStart(2, '0')}`;
  if (version < MIN_PROTOCOL) {
    throw new BootError('unsupported', `kernel uses boot protocol ${ver}; tkvm needs 2.06 or newer (Linux 2.6.22+)`, { version });
  }
  const headerEnd = HDR.jump + 2 + v.getUint8(HDR.jump + 1);
  const setupSects = v.getUint8(HDR.setupSects) || 4;
  const setupBytes = (setupSects + 1) * 512;
  if (file.length < Math.max(setupBytes, headerEnd, HDR.initSize + 4)) {
    throw new BootError('truncated', `truncated bzImage: ${file.length} bytes, but its setup code takes ${setupBytes} bytes`, { size: file.length, setupBytes });
  }
  if (v.getUint16(HDR.bootFlag, true) !== 0xaa55) {
    throw new BootError('corrupt', `bzImage boot_flag at 0x1fe is 0x${v.getUint16(HDR.bootFlag, true).toString(16)}, not 0xaa55`, {});
  }
  const loadflags = v.getUint8(HDR.loadflags);
  if ((loadflags & LOADED_HIGH) === 0) {
    throw new BootError('unsupported', 'kernel is a zImage (loadflags LOADED_HIGH clear): it must load below 1 MiB, which tkvm does not support; build a bzImage', { loadflags });
  }
  const kernelBytes = v.getUint32(HDR.syssize, true) * 16;
  if (kernelBytes === 0 || setupBytes + kernelBytes > file.length) {
    throw new BootError('truncated', `truncated bzImage: header says ${kernelBytes} bytes of kernel follow the ${setupBytes}-byte setup, file has ${file.length - setupBytes}`, { size: file.length, setupBytes, kernelBytes });
  }
  const relocatable = version >= 0x205 && v.getUint8(HDR.relocatableKernel) !== 0;
  const kernelAlignment = version >= 0x205 ? v.getUint32(HDR.kernelAlignment, true) : 0;
  if (relocatable && (kernelAlignment === 0 || (kernelAlignment & (kernelAlignment - 1)) !== 0)) {
    throw new BootError('corrupt', `bzImage kernel_alignment 0x${kernelAlignment.toString(16)} is not a power of two`, { kernelAlignment });
  }
  const pref = version >= 0x20a ? v.getBigUint64(HDR.prefAddress, true) : 0x10_0000n;
  const initSize = version >= 0x20a ? v.getUint32(HDR.initSize, true) : kernelBytes;
  return {
    version, setupBytes, kernelBytes, headerEnd, loadflags, relocatable, kernelAlignment,
    prefAddress: pref < 0x1_0000_0000n ? Number(pref) : 0x10_0000,
    initSize: Math.max(initSize, kernelBytes),
    xloadflags: version >= 0x20c ? v.getUint16(HDR.xloadflags, true) : 0,
    cmdlineSize: v.getUint32(HDR.cmdlineSize, true),
    initrdAddrMax: v.getUint32(HDR.initrdAddrMax, true),
  };
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
