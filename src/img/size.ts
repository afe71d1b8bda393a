/** qemu's size syntax (qemu_strtosz) and its human-readable size printing (size_to_str). */

const SUFFIX_SHIFT: Record<string, number> = { B: 0, K: 10, M: 20, G: 30, T: 40, P: 50, E: 60 };

/**
 * Parses "6G", "512M", "1.5T", "65536", "64k", "0x1000": a number with an optional binary suffix
 * (b/k/K/M/G/T/P/E, case-insensitive). Returns undefined when malformed, negative, or beyond what
 * tkvm can address exactly (2^53 - 1 bytes).
 */
export function parseSize(text: string, defaultSuffix = 'B'): number | undefined {
  const m = /^\s*(0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]*)?|\.[0-9]+)([bBkKmMgGtTpPeE]?)$/.exec(text);
  if (m === null) return undefined;
  const num = m[1] as string;
  const suffix = (m[2] === '' ? defaultSuffix : (m[2] as string)).toUpperCase();
  const shift = SUFFIX_SHIFT[suffix];
  if (shift === undefined) return undefined;
  const isHex = /^0x/i.test(num);
  if (isHex && m[2] !== '' && m[2]?.toUpperCase() !== 'B') return undefined;
  const base = isHex ? Number.parseInt(num, 16) : Number(num);
  if (!Number.isFinite(base)) return undefined;
  if (num.includes('.') && shift === 0) return undefined; // fractions need a unit, like qemu
  const value = Math.floor(base * 2 ** shift);
  if (!Number.isSafeInteger(value)) return undefined;
  return value;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** qemu's size_to_str: "6 GiB", "28 KiB", "1.5 MiB" (three significant digits). */
export function humanSize(bytes: number): string {
  let i = 0;
  if (bytes > 0) {
    const exp = Math.floor(Math.log2(bytes / (1000 / 1024))) + 1;
    i = Math.trunc((exp - 1) / 10);
  }
  i = Math.max(0, Math.min(i, UNITS.length - 1));
  const v = bytes / 2 ** (i * 10);
  return `${Number(v.toPrecision(3))} ${UNITS[i]}`;
}
