/**
 * Register bits and command codes of ATA/ATAPI-7 and ATA8-ACS used by the IDE models.
 */

/** Status register bits. */
export const ST = {
  ERR: 0x01,
  /** Obsolete index bit; ATAPI "CHECK" is ERR. */
  IDX: 0x02,
  CORR: 0x04,
  DRQ: 0x08,
  /** Device seek complete (obsolete, still set by drives). */
  DSC: 0x10,
  DF: 0x20,
  DRDY: 0x40,
  BSY: 0x80,
} as const;

/** Error register bits. */
export const ERR = {
  /** Diagnostic code "device 0 passed" after reset/EXECUTE DEVICE DIAGNOSTIC. */
  DIAG_PASSED: 0x01,
  ABRT: 0x04,
  IDNF: 0x10,
  UNC: 0x40,
} as const;

/** Device control register bits (0x3F6). */
export const DC = { NIEN: 0x02, SRST: 0x04, HOB: 0x80 } as const;

/** Device register bits. */
export const DEV = { DEV1: 0x10, LBA: 0x40 } as const;

/** ATAPI interrupt reason bits (sector count register during PACKET). */
export const IREASON = { COD: 0x01, IO: 0x02 } as const;

/** The command codes the models implement. */
export const CMD = {
  NOP: 0x00,
  DEVICE_RESET: 0x08,
  RECALIBRATE: 0x10,
  READ_SECTORS: 0x20,
  READ_SECTORS_NORETRY: 0x21,
  READ_SECTORS_EXT: 0x24,
  READ_DMA_EXT: 0x25,
  READ_MULTIPLE_EXT: 0x29,
  WRITE_SECTORS: 0x30,
  WRITE_SECTORS_NORETRY: 0x31,
  WRITE_SECTORS_EXT: 0x34,
  WRITE_DMA_EXT: 0x35,
  WRITE_MULTIPLE_EXT: 0x39,
  READ_VERIFY: 0x40,
  READ_VERIFY_NORETRY: 0x41,
  READ_VERIFY_EXT: 0x42,
  SEEK: 0x70,
  EXECUTE_DEVICE_DIAGNOSTIC: 0x90,
  INITIALIZE_DEVICE_PARAMETERS: 0x91,
  PACKET: 0xa0,
  IDENTIFY_PACKET_DEVICE: 0xa1,
  READ_MULTIPLE: 0xc4,
  WRITE_MULTIPLE: 0xc5,
  SET_MULTIPLE_MODE: 0xc6,
  READ_DMA: 0xc8,
  READ_DMA_NORETRY: 0xc9,
  WRITE_DMA: 0xca,
  WRITE_DMA_NORETRY: 0xcb,
  STANDBY_IMMEDIATE: 0xe0,
  IDLE_IMMEDIATE: 0xe1,
  STANDBY: 0xe2,
  IDLE: 0xe3,
  CHECK_POWER_MODE: 0xe5,
  SLEEP: 0xe6,
  FLUSH_CACHE: 0xe7,
  FLUSH_CACHE_EXT: 0xea,
  IDENTIFY_DEVICE: 0xec,
  SET_FEATURES: 0xef,
  READ_NATIVE_MAX_ADDRESS: 0xf8,
  READ_NATIVE_MAX_ADDRESS_EXT: 0x27,
} as const;

/** ATA sector size. */
export const SECTOR = 512;

/** The most sectors one READ/WRITE MULTIPLE block may hold (IDENTIFY word 47). */
export const MAX_MULT_SECTORS = 16;
