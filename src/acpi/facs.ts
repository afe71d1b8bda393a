/**
 * The Firmware ACPI Control Structure (ACPI 1.0b section 5.2.6; ACPI 6.5 section 5.2.10): 64
 * bytes, 64-byte aligned, with no checksum. All fields are zero as on QEMU's pc machine (no
 * hardware signature, no waking vector until an OS sets one, global lock free).
 */
import { putAscii } from './sdt.js';

/** Size of the FACS, and the alignment the spec requires for it. */
export const FACS_LENGTH = 64;

/** Builds the FACS. */
export function buildFacs(): Uint8Array {
  const out = new Uint8Array(FACS_LENGTH);
  putAscii(out, 0, 'FACS', 4);
  new DataView(out.buffer).setUint32(4, FACS_LENGTH, true);
  return out;
}
