/**
 * Reply data of the SCSI/MMC commands an ATAPI CD/DVD-ROM answers (SPC-3, MMC-5): INQUIRY,
 * REQUEST SENSE, READ CAPACITY, READ TOC/PMA/ATIP, MODE SENSE pages, GET CONFIGURATION,
 * GET EVENT STATUS NOTIFICATION, READ DISC INFORMATION and MECHANISM STATUS. Pure functions of
 * the drive's state; values follow QEMU's ide-cd so guests see the same drive.
 */

/** SCSI operation codes of the commands the CD-ROM implements. */
export const SCSI = {
  TEST_UNIT_READY: 0x00,
  REQUEST_SENSE: 0x03,
  INQUIRY: 0x12,
  MODE_SENSE_6: 0x1a,
  START_STOP_UNIT: 0x1b,
  PREVENT_ALLOW_MEDIUM_REMOVAL: 0x1e,
  READ_CAPACITY: 0x25,
  READ_10: 0x28,
  SEEK_10: 0x2b,
  READ_TOC: 0x43,
  GET_CONFIGURATION: 0x46,
  GET_EVENT_STATUS_NOTIFICATION: 0x4a,
  READ_DISC_INFORMATION: 0x51,
  MODE_SENSE_10: 0x5a,
  READ_12: 0xa8,
  SET_CD_SPEED: 0xbb,
  MECHANISM_STATUS: 0xbd,
} as const;

/** Sense keys. */
export const SENSE_KEY = {
  NO_SENSE: 0x0,
  NOT_READY: 0x2,
  MEDIUM_ERROR: 0x3,
  ILLEGAL_REQUEST: 0x5,
  UNIT_ATTENTION: 0x6,
  ABORTED_COMMAND: 0xb,
} as const;

/** Additional sense codes. */
export const ASC = {
  UNRECOVERED_READ_ERROR: 0x11,
  INVALID_OPCODE: 0x20,
  LBA_OUT_OF_RANGE: 0x21,
  INVALID_FIELD_IN_CDB: 0x24,
  MEDIUM_MAY_HAVE_CHANGED: 0x28,
  SAVING_PARAMETERS_NOT_SUPPORTED: 0x39,
  MEDIUM_NOT_PRESENT: 0x3a,
  MEDIUM_REMOVAL_PREVENTED: 0x53,
} as const;

/** CD sector size. */
export const CD_SECTOR = 2048;

/** Discs larger than an 80-minute CD are reported as DVD-ROM (as QEMU does). */
const CD_MAX_BYTES = 80 * 60 * 75 * CD_SECTOR;

/** MMC profile numbers. */
const PROFILE = { NONE: 0x0000, CD_ROM: 0x0008, DVD_ROM: 0x0010 } as const;

/** Big-endian 16-bit field of a CDB. */
export function be16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/** Big-endian 32-bit field of a CDB. */
export function be32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

function put32(b: Uint8Array, at: number, v: number): void {
  put16(b, at, Math.floor(v / 0x10000) & 0xffff);
  put16(b, at + 2, v & 0xffff);
}

function ascii(b: Uint8Array, at: number, len: number, s: string): void {
  const p = s.padEnd(len, ' ');
  for (let i = 0; i < len; i++) b[at + i] = p.charCodeAt(i) & 0x7f;
}

/** Standard INQUIRY data (36 bytes) of a removable CD/DVD device. */
export function inquiryData(product: string, revision: string): Uint8Array {
  const b = new Uint8Array(36);
  b[0] = 0x05; // CD/DVD device
  b[1] = 0x80; // removable
  b[2] = 0x00;
  b[3] = 0x21; // ATAPI, response data format 1
  b[4] = 36 - 5;
  ascii(b, 8, 8, 'QEMU');
  ascii(b, 16, 16, product);
  ascii(b, 32, 4, revision);
  return b;
}

/** Fixed-format sense data (18 bytes). */
export function senseData(key: number, asc: number, ascq: number): Uint8Array {
  const b = new Uint8Array(18);
  b[0] = 0x70; // current error, fixed format
  b[2] = key;
  b[7] = 10; // additional length
  b[12] = asc;
  b[13] = ascq;
  return b;
}

/** READ CAPACITY: last LBA and the 2048-byte block length. */
export function readCapacityData(sectors: number): Uint8Array {
  const b = new Uint8Array(8);
  put32(b, 0, Math.max(0, sectors - 1));
  put32(b, 4, CD_SECTOR);
  return b;
}

/** Writes an address in LBA or MSF form (MSF counts the 2-second pregap). */
function putAddress(b: Uint8Array, at: number, lba: number, msf: boolean): void {
  if (!msf) return put32(b, at, lba);
  const f = lba + 150;
  b[at] = 0;
  b[at + 1] = Math.floor(f / (75 * 60)) & 0xff;
  b[at + 2] = Math.floor(f / 75) % 60;
  b[at + 3] = f % 75;
}

/**
 * READ TOC/PMA/ATIP of a single-session, single-track data disc: format 0 (TOC), 1 (session
 * info) or 2 (full TOC); undefined for a format or start track that is invalid.
 */
export function readTocData(sectors: number, format: number, msf: boolean, startTrack: number): Uint8Array | undefined {
  if (format === 0) {
    if (startTrack > 1 && startTrack !== 0xaa) return undefined;
    const tracks: Array<[number, number]> = startTrack <= 1 ? [[1, 0], [0xaa, sectors]] : [[0xaa, sectors]];
    const b = new Uint8Array(4 + 8 * tracks.length);
    put16(b, 0, b.length - 2);
    b[2] = 1; // first track
    b[3] = 1; // last track
    tracks.forEach(([track, lba], i) => {
      const d = 4 + 8 * i;
      b[d + 1] = 0x14; // ADR 1, data track
      b[d + 2] = track;
      putAddress(b, d + 4, lba, msf);
    });
    return b;
  }
  if (format === 1) {
    const b = new Uint8Array(12);
    put16(b, 0, 10);
    b[2] = 1; // first session
    b[3] = 1; // last session
    b[5] = 0x14;
    b[6] = 1; // first track of the last session
    putAddress(b, 8, 0, msf);
    return b;
  }
  if (format === 2) {
    // Points A0 (first track), A1 (last track), A2 (lead-out), then track 1; always MSF.
    const points: Array<[number, number, number, number]> = [
      [0xa0, 1, 0, 0],
      [0xa1, 1, 0, 0],
      [0xa2, ...msfOf(sectors)],
      [1, ...msfOf(0)],
    ];
    const b = new Uint8Array(4 + 11 * points.length);
    put16(b, 0, b.length - 2);
    b[2] = 1;
    b[3] = 1;
    points.forEach(([point, m, s, f], i) => {
      const d = 4 + 11 * i;
      b[d] = 1; // session
      b[d + 1] = 0x14;
      b[d + 3] = point;
      b[d + 8] = m;
      b[d + 9] = s;
      b[d + 10] = f;
    });
    return b;
  }
  return undefined;
}

function msfOf(lba: number): [number, number, number] {
  const b = new Uint8Array(4);
  putAddress(b, 0, lba, true);
  return [b[1]!, b[2]!, b[3]!];
}

/** Page 01h (read error recovery) body. */
function errorRecoveryPage(changeable: boolean): Uint8Array {
  return Uint8Array.of(0x01, 0x06, 0x00, changeable ? 0 : 0x05, 0, 0, 0, 0);
}

/** Page 2Ah (CD capabilities and mechanical status). */
function capabilitiesPage(changeable: boolean, locked: boolean): Uint8Array {
  const p = new Uint8Array(20);
  p[0] = 0x2a;
  p[1] = 0x12;
  if (changeable) return p;
  p[2] = 0x3b; // reads CD-R, CD-RW, method 2, DVD-ROM
  p[4] = 0x71; // audio play, composite, multisession, mode 2 form 1/2
  p[5] = 0x60; // ISRC, UPC
  p[6] = 0x29 | (locked ? 0x02 : 0); // lock supported, eject, tray loading mechanism
  put16(p, 8, 704); // maximum speed (kB/s)
  put16(p, 10, 2); // volume levels
  put16(p, 12, 512); // buffer size (KiB)
  put16(p, 14, 704); // current speed
  return p;
}

/**
 * MODE SENSE(6) or (10) data for `page` (01h, 2Ah or 3Fh for all) and page control `pc`;
 * a string names the error: "invalid" (unknown page) or "saving" (saved values asked for).
 */
export function modeSenseData(page: number, pc: number, ten: boolean, locked: boolean): Uint8Array | 'invalid' | 'saving' {
  if (pc === 3) return 'saving';
  const changeable = pc === 1;
  const pages: Uint8Array[] = [];
  if (page === 0x01 || page === 0x3f) pages.push(errorRecoveryPage(changeable));
  if (page === 0x2a || page === 0x3f) pages.push(capabilitiesPage(changeable, locked));
  if (pages.length === 0) return 'invalid';
  const head = ten ? 8 : 4;
  const len = head + pages.reduce((n, p) => n + p.length, 0);
  const b = new Uint8Array(len);
  if (ten) {
    put16(b, 0, len - 2);
    b[2] = 0x70; // medium type as QEMU reports it
  } else {
    b[0] = len - 1;
    b[1] = 0x70;
  }
  let at = head;
  for (const p of pages) {
    b.set(p, at);
    at += p.length;
  }
  return b;
}

/** A feature descriptor: code, version, persistent/current flags and its body. */
function feature(code: number, flags: number, body: number[]): number[] {
  return [code >> 8, code & 0xff, flags, body.length, ...body];
}

/**
 * GET CONFIGURATION data for request type `rt` (0 all, 1 current, 2 one) from feature `start`;
 * `discBytes` undefined without a readable medium. Undefined for a reserved request type.
 */
export function configurationData(discBytes: number | undefined, rt: number, start: number): Uint8Array | undefined {
  if (rt === 3) return undefined;
  const profile = discBytes === undefined ? PROFILE.NONE : discBytes > CD_MAX_BYTES ? PROFILE.DVD_ROM : PROFILE.CD_ROM;
  const features: Array<{ code: number; bytes: number[] }> = [
    { code: 0x0000, bytes: feature(0x0000, 0x03, [PROFILE.DVD_ROM >> 8, PROFILE.DVD_ROM & 0xff, profile === PROFILE.DVD_ROM ? 1 : 0, 0, PROFILE.CD_ROM >> 8, PROFILE.CD_ROM & 0xff, profile === PROFILE.CD_ROM ? 1 : 0, 0]) },
    { code: 0x0001, bytes: feature(0x0001, 0x03, [0, 0, 0, 2]) }, // core: ATAPI
    { code: 0x0003, bytes: feature(0x0003, 0x03, [0x29, 0, 0, 0]) }, // removable medium: tray, eject, lock
  ];
  const chosen = features.filter((f) => (rt === 2 ? f.code === start : f.code >= start));
  const body = chosen.flatMap((f) => f.bytes);
  const b = new Uint8Array(8 + body.length);
  put32(b, 0, b.length - 4);
  put16(b, 6, profile);
  b.set(body, 8);
  return b;
}

/** Media event codes of GET EVENT STATUS NOTIFICATION. */
export const MEDIA_EVENT = { NONE: 0, EJECT_REQUEST: 1, NEW_MEDIA: 2, MEDIA_REMOVAL: 3 } as const;

/**
 * GET EVENT STATUS NOTIFICATION (polled) for the requested class mask: the media class only.
 * `event` is the pending media event code; `trayOpen`/`present` describe the media status.
 */
export function eventStatusData(classes: number, event: number, trayOpen: boolean, present: boolean): Uint8Array {
  const MEDIA_CLASS = 1 << 4;
  if ((classes & MEDIA_CLASS) === 0) {
    return Uint8Array.of(0, 0, 0x80, MEDIA_CLASS); // no event available
  }
  return Uint8Array.of(0, 4, 0x04, MEDIA_CLASS, event, (trayOpen ? 1 : 0) | (present ? 2 : 0), 0, 0);
}

/** READ DISC INFORMATION of a finalised single-session data disc. */
export function discInformationData(): Uint8Array {
  const b = new Uint8Array(34);
  put16(b, 0, 32);
  b[2] = 0x0e; // last session complete, disc finalised
  b[3] = 1; // first track on disc
  b[4] = 1; // sessions
  b[5] = 1; // first track of the last session
  b[6] = 1; // last track of the last session
  b[7] = 0x20; // unrestricted use
  return b;
}

/** MECHANISM STATUS of a single-slot drive, idle, at LBA 0. */
export function mechanismStatusData(): Uint8Array {
  const b = new Uint8Array(8);
  b[5] = 1; // slots
  return b;
}
