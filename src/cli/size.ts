/**
 * Byte sizes written the way QEMU reads them (qemu_strtosz, util/cutils.c in QEMU 7.2), checked
 * against qemu-system-x86_64 -m:
 * - an optional '+' and leading blanks, then decimal digits (leading zeros are decimal: 010 = 10)
 *   or 0x-hex;
 * - an optional fraction (`1.5G`, `1.G`) that needs an explicit suffix other than `b`;
 * - one suffix b, k, M, G, T, P, E in either case (powers of 1024); without one the caller's
 *   default unit applies (MiB for -m);
 * - fractional bytes are truncated; the value must stay below 2^64.
 */

/** Multipliers of the suffix letters, lower-cased. */
const UNITS: Readonly<Record<string, bigint>> = {
  b: 1n,
  k: 1n << 10n,
  m: 1n << 20n,
  g: 1n << 30n,
  t: 1n << 40n,
  p: 1n << 50n,
  e: 1n << 60n,
};

const SIZE_RE = /^[ \t\n\v\f\r]*\+?(?:(0[xX][0-9a-fA-F]+)|([0-9]+)(?:\.([0-9]*))?)([bBkKmMgGtTpPeE]?)$/;

/**
 * Parses a QEMU size. Returns the byte count as a bigint, or undefined when QEMU would reject
 * the text ("Parameter 'size' expects a non-negative number below 2^64").
 */
export function parseQemuSize(text: string, defaultUnit: 'b' | 'k' | 'm' | 'g'): bigint | undefined {
  const m = SIZE_RE.exec(text);
  if (m === null) return undefined;
  const [, hex, whole, fraction, suffix = ''] = m;
  const unit = UNITS[(suffix === '' ? defaultUnit : suffix).toLowerCase()];
  if (unit === undefined) return undefined;
  let bytes: bigint;
  if (hex !== undefined) {
    bytes = BigInt(hex) * unit;
  } else {
    if (fraction !== undefined && (suffix === '' || suffix.toLowerCase() === 'b')) return undefined;
    bytes = BigInt(whole ?? '0') * unit;
    if (fraction !== undefined && fraction !== '') {
      // Exact: fraction digits / 10^n of one unit, truncated to whole bytes.
      bytes += (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length);
    }
  }
  return bytes < 1n << 64n ? bytes : undefined;
}

/** Formats a byte count compactly for messages: 268435456 -> "256M". */
export function formatSize(bytes: number | bigint): string {
  const b = BigInt(bytes);
  for (const [suffix, unit] of [['T', 1n << 40n], ['G', 1n << 30n], ['M', 1n << 20n], ['K', 1n << 10n]] as const) {
    if (b >= unit && b % unit === 0n) return `${b / unit}${suffix}`;
  }
  return `${b}`;
}
