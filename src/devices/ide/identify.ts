/**
 * IDENTIFY DEVICE and IDENTIFY PACKET DEVICE data (ATA8-ACS 7.16/7.17): 256 little-endian words
 * with the strings, geometry, capacity and transfer modes drivers read. Values follow what QEMU's
 * IDE devices report so that guests see the same drives.
 */
import { MAX_MULT_SECTORS } from './ata-constants.js';

/** Disk geometry (cylinders, heads, sectors per track). */
export interface Chs {
  readonly cylinders: number;
  readonly heads: number;
  readonly sectors: number;
}

/** Identity strings of a drive (QEMU defaults: "QEMU HARDDISK", "QM0000n", "2.5+"). */
export interface DriveIdentity {
  readonly model: string;
  readonly serial: string;
  readonly firmware: string;
}

/**
 * The default geometry of a disk of `sectors` 512-byte sectors: 16 heads, 63 sectors per track,
 * cylinders clamped to 2..16383 (QEMU's guess for disks without a partition-table hint).
 */
export function defaultChs(sectors: number): Chs {
  const cylinders = Math.max(2, Math.min(16383, Math.floor(sectors / (16 * 63))));
  return { cylinders, heads: 16, sectors: 63 };
}

/** A 256-word IDENTIFY block being built. */
class Words {
  readonly w = new Uint16Array(256);
  set(i: number, v: number): void {
    this.w[i] = v & 0xffff;
  }
  /** ATA strings: two characters per word, first character in the high byte, space padded. */
  str(first: number, words: number, s: string): void {
    const padded = s.padEnd(words * 2, ' ').slice(0, words * 2);
    for (let i = 0; i < words; i++) {
      this.w[first + i] = (charByte(padded, 2 * i) << 8) | charByte(padded, 2 * i + 1);
    }
  }
  /** A 32-bit value over two words, low word first. */
  u32(i: number, v: number): void {
    this.w[i] = v & 0xffff;
    this.w[i + 1] = Math.floor(v / 0x10000) & 0xffff;
  }
  /** Word 255: signature 0xA5 and the checksum that makes the 512 bytes sum to 0 mod 256. */
  bytes(): Uint8Array {
    const out = new Uint8Array(512);
    this.w[255] = 0x00a5;
    for (let i = 0; i < 256; i++) {
      out[2 * i] = this.w[i]! & 0xff;
      out[2 * i + 1] = this.w[i]! >> 8;
    }
    let sum = 0;
    for (let i = 0; i < 511; i++) sum += out[i]!;
    out[511] = (256 - (sum & 0xff)) & 0xff;
    return out;
  }
}

function charByte(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 0x20 && c < 0x7f ? c : 0x20;
}

/** Transfer mode state kept per device and reflected in words 62/63/88. */
export interface TransferModes {
  /** Selected multiword DMA mode (0-2) or -1. */
  mwdma: number;
  /** Selected Ultra DMA mode (0-5) or -1. */
  udma: number;
}

/** Power-on transfer modes (QEMU selects MWDMA2 and no UDMA). */
export function defaultModes(): TransferModes {
  return { mwdma: 2, udma: -1 };
}

/** Device-state fields of an ATA disk's IDENTIFY data. */
export interface DiskIdentifyState {
  readonly id: DriveIdentity;
  readonly totalSectors: number;
  /** Default geometry. */
  readonly chs: Chs;
  /** Geometry set by INITIALIZE DEVICE PARAMETERS (current translation). */
  readonly current: Chs;
  readonly multSectors: number;
  readonly writeCache: boolean;
  readonly modes: TransferModes;
}

/** IDENTIFY DEVICE data of an ATA hard disk. */
export function identifyDisk(s: DiskIdentifyState): Uint8Array {
  const w = new Words();
  const lba28 = Math.min(s.totalSectors, 0x0fff_ffff);
  w.set(0, 0x0040); // fixed device
  w.set(1, s.chs.cylinders);
  w.set(3, s.chs.heads);
  w.set(4, 512 * s.chs.sectors); // obsolete: bytes per track
  w.set(5, 512); // obsolete: bytes per sector
  w.set(6, s.chs.sectors);
  w.str(10, 10, s.id.serial);
  w.set(20, 3); // obsolete buffer type
  w.set(21, 512); // obsolete buffer size
  w.set(22, 4); // obsolete ECC bytes
  w.str(23, 4, s.id.firmware);
  w.str(27, 20, s.id.model);
  w.set(47, 0x8000 | MAX_MULT_SECTORS);
  w.set(48, 1); // dword I/O (obsolete)
  w.set(49, (1 << 11) | (1 << 9) | (1 << 8)); // IORDY, LBA, DMA
  w.set(50, 0x4000);
  w.set(51, 0x200); // PIO timing mode 2 (obsolete)
  w.set(52, 0x200);
  w.set(53, 1 | 2 | 4); // words 54-58, 64-70 and 88 valid
  w.set(54, s.current.cylinders);
  w.set(55, s.current.heads);
  w.set(56, s.current.sectors);
  w.u32(57, Math.min(s.current.cylinders * s.current.heads * s.current.sectors, 0xffff_ffff));
  if (s.multSectors > 0) w.set(59, 0x100 | s.multSectors);
  w.u32(60, lba28);
  dmaWords(w, s.modes);
  w.set(80, 0xf0); // ATA-4 to ATA-7
  w.set(81, 0x16);
  w.set(82, (1 << 14) | (1 << 5)); // NOP, write cache supported
  w.set(83, (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10)); // FLUSH CACHE EXT, FLUSH CACHE, 48-bit
  w.set(84, 1 << 14);
  w.set(85, (1 << 14) | (s.writeCache ? 1 << 5 : 0));
  w.set(86, (1 << 13) | (1 << 12) | (1 << 10));
  w.set(87, 1 << 14);
  w.set(93, 1 | (1 << 14) | 0x2000); // device 0 passed, 80-conductor cable detected
  const total = s.totalSectors;
  w.u32(100, total % 2 ** 32);
  w.u32(102, Math.floor(total / 2 ** 32));
  return w.bytes();
}

/** IDENTIFY PACKET DEVICE data of an ATAPI CD/DVD-ROM. */
export function identifyCdrom(id: DriveIdentity, modes: TransferModes): Uint8Array {
  const w = new Words();
  // Word 0: ATAPI (10b), CD-ROM class 05h, removable, 50 us DRQ, 12-byte packets.
  w.set(0, (2 << 14) | (5 << 8) | (1 << 7) | (2 << 5));
  w.str(10, 10, id.serial);
  w.set(20, 3);
  w.set(21, 512);
  w.set(22, 4);
  w.str(23, 4, id.firmware);
  w.str(27, 20, id.model);
  w.set(48, 1);
  w.set(49, (1 << 11) | (1 << 9) | (1 << 8)); // IORDY, LBA, DMA
  w.set(53, 2 | 4); // words 64-70 and 88 valid
  dmaWords(w, modes);
  w.set(71, 30); // bus release time (ns)
  w.set(72, 30); // service time
  w.set(80, 0x1e); // ATAPI-1 to ATAPI-4
  w.set(82, 1 << 4); // PACKET feature set
  w.set(84, 1 << 14);
  w.set(85, 1 << 4);
  w.set(87, 1 << 14);
  w.set(93, 1 | (1 << 14) | 0x2000);
  return w.bytes();
}

/** Words 62-68 and 88: supported and selected DMA modes, PIO modes and cycle times. */
function dmaWords(w: Words, m: TransferModes): void {
  w.set(62, 0x07); // single-word DMA 0-2 supported (obsolete)
  w.set(63, 0x07 | (m.mwdma >= 0 ? 0x100 << m.mwdma : 0));
  w.set(64, 0x03); // PIO 3 and 4
  w.set(65, 120);
  w.set(66, 120);
  w.set(67, 120);
  w.set(68, 120);
  w.set(88, 0x3f | (m.udma >= 0 ? 0x100 << m.udma : 0));
}

/**
 * SET FEATURES 03h (set transfer mode) with mode value `v` from the sector count register;
 * returns false for a mode the device does not support (the command then aborts).
 */
export function setTransferMode(m: TransferModes, v: number): boolean {
  const mode = v & 0x07;
  switch (v >> 3) {
    case 0: // PIO default (0x00, 0x01 = disable IORDY)
      return mode <= 1;
    case 1: // PIO flow control mode 0-4
      return mode <= 4;
    case 2: // single-word DMA 0-2
      if (mode > 2) return false;
      m.mwdma = -1;
      m.udma = -1;
      return true;
    case 4: // multiword DMA 0-2
      if (mode > 2) return false;
      m.mwdma = mode;
      m.udma = -1;
      return true;
    case 8: // Ultra DMA 0-5
      if (mode > 5) return false;
      m.udma = mode;
      m.mwdma = -1;
      return true;
    default:
      return false;
  }
}

/** SET FEATURES subcommands accepted as no-ops (look-ahead, reverting to defaults, APM, AAM...). */
export const NOP_FEATURES: ReadonlySet<number> = new Set([0x05, 0x42, 0x55, 0x66, 0x67, 0x69, 0x85, 0x96, 0x9a, 0xaa, 0xc2, 0xcc]);
