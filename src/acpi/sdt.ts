/**
 * The header every ACPI system description table starts with (ACPI 6.5 section 5.2.6) and the
 * byte checksum the tables use. The OEM fields are QEMU's ("BOCHS ", "BXPC"), so a guest that keys
 * quirks on them sees the same values as under QEMU's pc machine.
 */

/** Size of the common header. */
export const SDT_HEADER_SIZE = 36;
/** Header field offsets. */
export const SDT = { SIGNATURE: 0, LENGTH: 4, REVISION: 8, CHECKSUM: 9, OEM_ID: 10, OEM_TABLE_ID: 16, OEM_REVISION: 24, CREATOR_ID: 28, CREATOR_REVISION: 32 } as const;
/** QEMU's OEM ID, OEM table ID and creator ID. */
export const OEM_ID = 'BOCHS ';
export const OEM_TABLE_ID = 'BXPC    ';
export const CREATOR_ID = 'BXPC';

/** Writes `text` as ASCII into `out` at `at`, padded with spaces to `width`. */
export function putAscii(out: Uint8Array, at: number, text: string, width: number): void {
  const padded = text.padEnd(width, ' ');
  for (let i = 0; i < width; i++) out[at + i] = padded.charCodeAt(i) & 0x7f;
}

/** The value that makes `bytes` sum to 0 mod 256 when stored in one of them that is now 0. */
export function checksumOf(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return (0x100 - sum) & 0xff;
}

/**
 * A table: header with `signature` and `revision`, then `body`. The checksum is filled in (the
 * linker/loader recomputes it after patching pointers, which is the same for unpatched fields).
 */
export function sdt(signature: string, revision: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(SDT_HEADER_SIZE + body.length);
  const dv = new DataView(out.buffer);
  putAscii(out, SDT.SIGNATURE, signature, 4);
  dv.setUint32(SDT.LENGTH, out.length, true);
  out[SDT.REVISION] = revision;
  putAscii(out, SDT.OEM_ID, OEM_ID, 6);
  putAscii(out, SDT.OEM_TABLE_ID, OEM_TABLE_ID, 8);
  dv.setUint32(SDT.OEM_REVISION, 1, true);
  putAscii(out, SDT.CREATOR_ID, CREATOR_ID, 4);
  dv.setUint32(SDT.CREATOR_REVISION, 1, true);
  out.set(body, SDT_HEADER_SIZE);
  out[SDT.CHECKSUM] = checksumOf(out);
  return out;
}
