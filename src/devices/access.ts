/**
 * Helpers shared by byte-register devices: wide port accesses are split into byte accesses at
 * consecutive offsets, as QEMU does for devices whose registers are one byte wide.
 */

/** Reads `data.length` consecutive byte registers starting at `offset` with `readByte`. */
export function readBytes(offset: number, data: Uint8Array, size: number, readByte: (reg: number) => number): void {
  for (let i = 0; i < data.length; i++) {
    const reg = offset + i;
    data[i] = reg < size ? readByte(reg) & 0xff : 0xff;
  }
}

/** Writes each byte of `data` to consecutive byte registers starting at `offset`. */
export function writeBytes(offset: number, data: Uint8Array, size: number, writeByte: (reg: number, value: number) => void): void {
  for (let i = 0; i < data.length; i++) {
    const reg = offset + i;
    if (reg < size) writeByte(reg, data[i]!);
  }
}

/** The little-endian value of an access of 1 to 4 bytes (wider accesses keep the low 4 bytes). */
export function leValue(data: Uint8Array): number {
  let v = 0;
  const n = Math.min(data.length, 4);
  for (let i = n - 1; i >= 0; i--) v = v * 256 + data[i]!;
  return v;
}

/** Fills `data` (1 to 4 bytes) with the little-endian bytes of `value`: the read side of leValue. */
export function fillLe(data: Uint8Array, value: number): void {
  for (let i = 0; i < data.length; i++) data[i] = i < 4 ? (value >>> (8 * i)) & 0xff : 0;
}
