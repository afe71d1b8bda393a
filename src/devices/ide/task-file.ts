/**
 * The command block registers of one IDE device (ATA8-ACS "task file"). Both devices on a channel
 * see every register write; each keeps its own copy so that reads after a reset return each
 * device's signature. Writes push the previous value into the "previous content" (HOB) byte that
 * 48-bit commands use.
 */
import { DEV } from './ata-constants.js';

/** Register offsets in the command block (0x1F0 + n). */
export const REG = {
  DATA: 0,
  /** Read: error; write: features. */
  ERROR_FEATURE: 1,
  SECTOR_COUNT: 2,
  LBA_LOW: 3,
  LBA_MID: 4,
  LBA_HIGH: 5,
  DEVICE: 6,
  /** Read: status; write: command. */
  STATUS_COMMAND: 7,
} as const;

/** One device's task file. */
export class TaskFile {
  feature = 0;
  hobFeature = 0;
  sectorCount = 0;
  hobSectorCount = 0;
  lbaLow = 0;
  hobLbaLow = 0;
  lbaMid = 0;
  hobLbaMid = 0;
  lbaHigh = 0;
  hobLbaHigh = 0;
  device = 0;

  /** A host write of command-block register `reg` (1-6). */
  write(reg: number, v: number): void {
    switch (reg) {
      case REG.ERROR_FEATURE:
        this.hobFeature = this.feature;
        this.feature = v;
        break;
      case REG.SECTOR_COUNT:
        this.hobSectorCount = this.sectorCount;
        this.sectorCount = v;
        break;
      case REG.LBA_LOW:
        this.hobLbaLow = this.lbaLow;
        this.lbaLow = v;
        break;
      case REG.LBA_MID:
        this.hobLbaMid = this.lbaMid;
        this.lbaMid = v;
        break;
      case REG.LBA_HIGH:
        this.hobLbaHigh = this.lbaHigh;
        this.lbaHigh = v;
        break;
      case REG.DEVICE:
        this.device = v;
        break;
    }
  }

  /** A host read of register `reg` (2-6); `hob` selects the previous-content bytes. */
  read(reg: number, hob: boolean): number {
    switch (reg) {
      case REG.SECTOR_COUNT:
        return hob ? this.hobSectorCount : this.sectorCount;
      case REG.LBA_LOW:
        return hob ? this.hobLbaLow : this.lbaLow;
      case REG.LBA_MID:
        return hob ? this.hobLbaMid : this.lbaMid;
      case REG.LBA_HIGH:
        return hob ? this.hobLbaHigh : this.lbaHigh;
      case REG.DEVICE:
        return this.device;
      default:
        return 0;
    }
  }

  /** Loads a reset signature: count 1, LBA low 1, mid/high as given (ATA 0/0, ATAPI 0x14/0xEB). */
  loadSignature(mid: number, high: number): void {
    this.sectorCount = 1;
    this.lbaLow = 1;
    this.lbaMid = mid;
    this.lbaHigh = high;
    this.hobSectorCount = this.hobLbaLow = this.hobLbaMid = this.hobLbaHigh = 0;
    this.device = 0;
  }

  /** The device register selects device 1. */
  get dev1(): boolean {
    return (this.device & DEV.DEV1) !== 0;
  }

  /** The 28-bit LBA of a non-48-bit command. */
  get lba28(): number {
    return ((this.device & 0x0f) << 24 | this.lbaHigh << 16 | this.lbaMid << 8 | this.lbaLow) >>> 0;
  }

  /** The 48-bit LBA of an EXT command. */
  get lba48(): number {
    const high = this.hobLbaHigh * 0x10000 + this.hobLbaMid * 0x100 + this.hobLbaLow;
    return high * 2 ** 24 + (this.lbaHigh << 16 | this.lbaMid << 8 | this.lbaLow);
  }

  /** Stores a 28- or 48-bit LBA back (commands that report an address). */
  setLba(lba: number, ext: boolean): void {
    this.lbaLow = lba & 0xff;
    this.lbaMid = (lba >>> 8) & 0xff;
    this.lbaHigh = (lba >>> 16) & 0xff;
    if (ext) {
      const hi = Math.floor(lba / 2 ** 24);
      this.hobLbaLow = hi & 0xff;
      this.hobLbaMid = (hi >>> 8) & 0xff;
      this.hobLbaHigh = (hi >>> 16) & 0xff;
    } else this.device = (this.device & 0xf0) | ((lba >>> 24) & 0x0f);
  }

  /** The sector count of a 28-bit command (0 means 256). */
  get count28(): number {
    return this.sectorCount === 0 ? 256 : this.sectorCount;
  }

  /** The sector count of a 48-bit command (0 means 65536). */
  get count48(): number {
    const n = this.hobSectorCount << 8 | this.sectorCount;
    return n === 0 ? 65536 : n;
  }

  /** ATAPI byte count limit (LBA mid/high). */
  get byteCount(): number {
    return this.lbaHigh << 8 | this.lbaMid;
  }

  /** Sets the ATAPI byte count of the current DRQ block. */
  set byteCount(n: number) {
    this.lbaMid = n & 0xff;
    this.lbaHigh = (n >>> 8) & 0xff;
  }
}
