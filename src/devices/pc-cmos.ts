/**
 * The CMOS bytes QEMU's pc machine fills (hw/i386/pc.c pc_cmos_init and friends) and what reads
 * them: SeaBIOS (src/hw/rtc.h, src/fw/paravirt.c, src/boot.c) and old boot loaders. The RTC's own
 * registers and the century byte are kept by CmosRtc itself.
 */
import { TkvmError } from '../errors.js';
import { pcRamRegions } from '../memory/layout.js';
import type { CmosRtc } from './cmos-rtc.js';

/** Named CMOS bytes of the PC layout, as SeaBIOS and QEMU number them. */
export const PcCmos = {
  /** Floppy drive types, drive 0 in the high nibble (0 = none). */
  FLOPPY_TYPES: 0x10,
  /** Hard disk types, disk 0 high nibble (0xf = "see 0x19/0x1a"). */
  DISK_TYPES: 0x12,
  /** Equipment byte: bit 0 floppy present, 0x02 FPU, 0x04 PS/2 mouse, bits 7:6 floppies - 1. */
  EQUIPMENT: 0x14,
  /** Base memory in KiB, low/high byte (640). */
  BASE_MEM_LO: 0x15,
  BASE_MEM_HI: 0x16,
  /** Extended memory above 1 MiB in KiB (capped at 65535), low/high; mirrored at 0x30/0x31. */
  EXT_MEM_LO: 0x17,
  EXT_MEM_HI: 0x18,
  /** Extended hard-disk type of disk 0 / disk 1 (47 = user-defined, geometry below). */
  DISK0_EXT_TYPE: 0x19,
  DISK1_EXT_TYPE: 0x1a,
  /** Geometry block of disk 0 (9 bytes) and disk 1. */
  DISK0_PARAMS: 0x1b,
  DISK1_PARAMS: 0x24,
  /** Copy of 0x17/0x18 that SeaBIOS reads. */
  EXT_MEM2_LO: 0x30,
  EXT_MEM2_HI: 0x31,
  /** RAM between 16 MiB and 4 GiB in 64 KiB units, low/high (SeaBIOS's RamSize without fw_cfg). */
  MEM_ABOVE_16M_LO: 0x34,
  MEM_ABOVE_16M_HI: 0x35,
  /** Bit 0: skip the floppy boot-signature check; high nibble: third boot device. */
  BOOT_FLAGS3: 0x38,
  /** IDE BIOS translation, 2 bits per disk (0 none, 1 LBA, 2 large). */
  DISK_TRANSLATION: 0x39,
  /** First (low nibble) and second (high nibble) boot device: 1 floppy, 2 disk, 3 CD, 4 network. */
  BOOT_ORDER: 0x3d,
  /** RAM above 4 GiB in 64 KiB units, 3 bytes (SeaBIOS's RamSizeOver4G). */
  MEM_ABOVE_4G: 0x5b,
  /** Number of CPUs minus one. */
  CPU_COUNT_MINUS_ONE: 0x5f,
} as const;

/** A hard disk's BIOS geometry for the CMOS type-47 block. */
export interface CmosDiskGeometry {
  cylinders: number;
  heads: number;
  sectors: number;
  /** BIOS translation: 0 none, 1 LBA, 2 large (QEMU's default for big disks is LBA). */
  translation?: 0 | 1 | 2;
}

/** What fillPcCmos needs to know about the machine. */
export interface PcCmosConfig {
  /** Total guest RAM; split below/above 4 GiB like the pc machine (memory/layout.ts). */
  ramBytes: number;
  /** CPUs at start. */
  cpus: number;
  /** QEMU's -boot order letters: a floppy, c disk, d CD-ROM, n network; up to three. */
  bootOrder: string;
  /** Keep the floppy boot-signature check (QEMU's fd_bootchk, default true). */
  floppyBootCheck?: boolean;
  /** IDE primary master/slave disks, for the legacy geometry block (absent: no entry). */
  disks?: [CmosDiskGeometry | undefined, CmosDiskGeometry | undefined];
}

const BOOT_NIBBLE: Readonly<Record<string, number>> = { a: 1, c: 2, d: 3, n: 4 };

/** Writes the pc machine's CMOS fields into `rtc`, as QEMU does before the firmware runs.
 *  Throws TkvmError('bad-boot-order') for an order QEMU's pc machine rejects. */
export function fillPcCmos(rtc: CmosRtc, config: PcCmosConfig): void {
  const set16 = (lo: number, v: number): void => {
    rtc.setNvram(lo, v & 0xff);
    rtc.setNvram(lo + 1, (v >> 8) & 0xff);
  };
  const regions = pcRamRegions(config.ramBytes);
  const below4g = regions[0]?.size ?? 0;
  const above4g = regions[1]?.size ?? 0;
  set16(PcCmos.BASE_MEM_LO, Math.min(Math.floor(below4g / 1024), 640));
  const ext = Math.min(below4g > 0x10_0000 ? Math.floor((below4g - 0x10_0000) / 1024) : 0, 65535);
  set16(PcCmos.EXT_MEM_LO, ext);
  set16(PcCmos.EXT_MEM2_LO, ext);
  const above16m = Math.min(below4g > 0x100_0000 ? Math.floor((below4g - 0x100_0000) / 65536) : 0, 65535);
  set16(PcCmos.MEM_ABOVE_16M_LO, above16m);
  const high = Math.floor(above4g / 65536);
  rtc.setNvram(PcCmos.MEM_ABOVE_4G, high & 0xff);
  rtc.setNvram(PcCmos.MEM_ABOVE_4G + 1, Math.floor(high / 0x100) & 0xff);
  rtc.setNvram(PcCmos.MEM_ABOVE_4G + 2, Math.floor(high / 0x10000) & 0xff);
  rtc.setNvram(PcCmos.CPU_COUNT_MINUS_ONE, (config.cpus - 1) & 0xff);

  const order = config.bootOrder.toLowerCase();
  if (order.length > 3) {
    throw new TkvmError('bad-boot-order', `too many boot devices for pc: '${config.bootOrder}'`, { bootOrder: config.bootOrder });
  }
  const nibbles = [0, 0, 0];
  for (let i = 0; i < order.length; i++) {
    const n = BOOT_NIBBLE[order[i]!];
    if (n === undefined) {
      throw new TkvmError('bad-boot-order', `invalid boot device for pc: '${order[i]}'`, { bootOrder: config.bootOrder });
    }
    nibbles[i] = n;
  }
  rtc.setNvram(PcCmos.BOOT_ORDER, (nibbles[1]! << 4) | nibbles[0]!);
  rtc.setNvram(PcCmos.BOOT_FLAGS3, (nibbles[2]! << 4) | (config.floppyBootCheck === false ? 1 : 0));

  rtc.setNvram(PcCmos.FLOPPY_TYPES, 0); // no floppy controller yet
  rtc.setNvram(PcCmos.EQUIPMENT, 0x02 | 0x04); // FPU, PS/2 mouse port (QEMU sets both)

  const [d0, d1] = config.disks ?? [undefined, undefined];
  rtc.setNvram(PcCmos.DISK_TYPES, (d0 ? 0xf0 : 0) | (d1 ? 0x0f : 0));
  let translation = 0;
  if (d0) {
    writeDisk(rtc, PcCmos.DISK0_EXT_TYPE, PcCmos.DISK0_PARAMS, d0);
    translation |= d0.translation ?? 0;
  }
  if (d1) {
    writeDisk(rtc, PcCmos.DISK1_EXT_TYPE, PcCmos.DISK1_PARAMS, d1);
    translation |= (d1.translation ?? 0) << 2;
  }
  rtc.setNvram(PcCmos.DISK_TRANSLATION, translation);
}

/** The AT BIOS type-47 block: cylinders, heads, write precompensation 0xffff, control byte,
 *  landing zone = cylinders, sectors per track (QEMU cmos_init_hd). */
function writeDisk(rtc: CmosRtc, typeIndex: number, base: number, g: CmosDiskGeometry): void {
  rtc.setNvram(typeIndex, 47);
  rtc.setNvram(base, g.cylinders & 0xff);
  rtc.setNvram(base + 1, (g.cylinders >> 8) & 0xff);
  rtc.setNvram(base + 2, g.heads & 0xff);
  rtc.setNvram(base + 3, 0xff);
  rtc.setNvram(base + 4, 0xff);
  rtc.setNvram(base + 5, 0xc0 | ((g.heads > 8 ? 1 : 0) << 3));
  rtc.setNvram(base + 6, g.cylinders & 0xff);
  rtc.setNvram(base + 7, (g.cylinders >> 8) & 0xff);
  rtc.setNvram(base + 8, g.sectors & 0xff);
}
