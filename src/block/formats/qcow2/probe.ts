/**
 * Recognising a qcow2 file by its first bytes, kept apart from the driver so the format registry
 * can probe without loading it.
 */
import { QCOW_MAGIC } from './header.js';

/** Probe score of a file head: 100 for "QFI\xfb" with version 2 or later, else 0. */
export function probeQcow2(head: Uint8Array): number {
  if (head.length < 8) return 0;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return dv.getUint32(0) === QCOW_MAGIC && dv.getUint32(4) >= 2 ? 100 : 0;
}
