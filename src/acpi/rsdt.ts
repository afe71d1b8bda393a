/**
 * The Root System Description Table (ACPI 6.5 section 5.2.7): 32-bit pointers to the other tables
 * (here: offsets into the table blob that the loader relocates), and the Root System Description
 * Pointer (section 5.2.5), revision 0 as on QEMU's pc machine: 20 bytes, "RSD PTR ", a checksum
 * over those 20 bytes, the OEM ID and the RSDT's address.
 */
import { OEM_ID, checksumOf, putAscii, sdt, SDT_HEADER_SIZE } from './sdt.js';

/** Builds the RSDT pointing at the tables at `offsets`. */
export function buildRsdt(offsets: readonly number[]): Uint8Array {
  const body = new Uint8Array(offsets.length * 4);
  const dv = new DataView(body.buffer);
  offsets.forEach((o, i) => dv.setUint32(i * 4, o, true));
  return sdt('RSDT', 1, body);
}

/** Offset of RSDT entry `index` in the RSDT. */
export function rsdtEntryOffset(index: number): number {
  return SDT_HEADER_SIZE + index * 4;
}

/** Size of a revision-0 RSDP; RSDP field offsets. */
export const RSDP_V1_LENGTH = 20;
export const RSDP = { SIGNATURE: 0, CHECKSUM: 8, OEM_ID: 9, REVISION: 15, RSDT_ADDRESS: 16 } as const;

/** Builds a revision-0 RSDP pointing at `rsdtAddress` (an address, or an offset the loader relocates). */
export function buildRsdp(rsdtAddress: number): Uint8Array {
  const out = new Uint8Array(RSDP_V1_LENGTH);
  putAscii(out, RSDP.SIGNATURE, 'RSD PTR ', 8);
  putAscii(out, RSDP.OEM_ID, OEM_ID, 6);
  out[RSDP.REVISION] = 0;
  new DataView(out.buffer).setUint32(RSDP.RSDT_ADDRESS, rsdtAddress, true);
  out[RSDP.CHECKSUM] = checksumOf(out);
  return out;
}
