/**
 * A small encoder for ACPI Machine Language (ACPI 6.5 chapter 20, "ACPI Machine Language
 * Specification"): just the terms tkvm's DSDT needs. Each function returns the encoded bytes of
 * one term; nest them to build a namespace, e.g.
 *   scope('\\_SB', [device('PCI0', [name('_HID', eisaId('PNP0A03'))])])
 */

/** One encoded AML term. */
export type Aml = Uint8Array;

/** Opcodes used here (ACPI 6.5 section 20.2). */
const OP = {
  ZERO: 0x00,
  ONE: 0x01,
  ONES: 0xff,
  NAME: 0x08,
  BYTE: 0x0a,
  WORD: 0x0b,
  DWORD: 0x0c,
  STRING: 0x0d,
  QWORD: 0x0e,
  SCOPE: 0x10,
  BUFFER: 0x11,
  PACKAGE: 0x12,
  EXT: 0x5b,
  EXT_DEVICE: 0x82,
  DUAL_NAME: 0x2e,
  MULTI_NAME: 0x2f,
  ROOT: 0x5c,
  PARENT: 0x5e,
} as const;

/** Concatenates terms. */
export function cat(parts: ReadonlyArray<Uint8Array | readonly number[]>): Aml {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * PkgLength (section 20.2.4) for a body of `bodyLength` bytes; the encoded length counts its own
 * bytes too. One byte holds up to 63; otherwise bits 7:6 of the lead byte give 1-3 more bytes.
 */
export function pkgLength(bodyLength: number): Aml {
  for (let extra = 0; extra <= 3; extra++) {
    const total = bodyLength + 1 + extra;
    if (extra === 0 && total < 0x40) return Uint8Array.of(total);
    if (extra > 0 && total < 2 ** (4 + 8 * extra)) {
      const out = new Uint8Array(1 + extra);
      out[0] = (extra << 6) | (total & 0x0f);
      for (let i = 1; i <= extra; i++) out[i] = (total >>> (4 + 8 * (i - 1))) & 0xff;
      return out;
    }
  }
  throw new RangeError(`AML package of ${bodyLength} bytes is longer than PkgLength can encode`);
}

/** A NameSeg: 1-4 characters of [A-Z0-9_] (first not a digit), padded with '_'. */
function nameSeg(seg: string): number[] {
  if (!/^[A-Z_][A-Z0-9_]{0,3}$/.test(seg)) throw new RangeError(`bad AML name segment '${seg}'`);
  const padded = seg.padEnd(4, '_');
  return [...padded].map((c) => c.charCodeAt(0));
}

/** A NameString: optional '\\' or '^' prefixes, then segments separated by '.'. */
export function nameString(path: string): Aml {
  let i = 0;
  const prefix: number[] = [];
  if (path.startsWith('\\')) {
    prefix.push(OP.ROOT);
    i = 1;
  } else {
    while (path[i] === '^') {
      prefix.push(OP.PARENT);
      i++;
    }
  }
  const rest = path.slice(i);
  const segs = rest === '' ? [] : rest.split('.');
  const body = segs.flatMap(nameSeg);
  if (segs.length === 0) return Uint8Array.from([...prefix, 0x00]); // NullName
  if (segs.length === 1) return Uint8Array.from([...prefix, ...body]);
  if (segs.length === 2) return Uint8Array.from([...prefix, OP.DUAL_NAME, ...body]);
  if (segs.length > 255) throw new RangeError(`AML name '${path}' has too many segments`);
  return Uint8Array.from([...prefix, OP.MULTI_NAME, segs.length, ...body]);
}

/** An integer as the shortest of Zero/One/Ones/ByteConst/WordConst/DWordConst/QWordConst. */
export function int(value: number | bigint): Aml {
  const v = BigInt(value);
  if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new RangeError(`AML integer ${v} is out of range`);
  if (v === 0n) return Uint8Array.of(OP.ZERO);
  if (v === 1n) return Uint8Array.of(OP.ONE);
  const le = (bytes: number): number[] => Array.from({ length: bytes }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
  if (v <= 0xffn) return Uint8Array.from([OP.BYTE, ...le(1)]);
  if (v <= 0xffffn) return Uint8Array.from([OP.WORD, ...le(2)]);
  if (v <= 0xffff_ffffn) return Uint8Array.from([OP.DWORD, ...le(4)]);
  return Uint8Array.from([OP.QWORD, ...le(8)]);
}

/** A DWordConst whatever the value (for fields a loader may patch later). */
export function dword(value: number): Aml {
  return Uint8Array.of(OP.DWORD, value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
}

/** A String: ASCII characters 0x01-0x7F, NUL-terminated. */
export function str(text: string): Aml {
  const codes = [...text].map((c) => c.charCodeAt(0));
  if (codes.some((c) => c < 1 || c > 0x7f)) throw new RangeError(`AML string '${text}' must be ASCII without NUL`);
  return Uint8Array.from([OP.STRING, ...codes, 0]);
}

/** A compressed EISA ID ("PNP0A03") as the DWordConst _HID/_CID use (ACPI 6.5 section 6.1.5). */
export function eisaId(id: string): Aml {
  if (!/^[A-Z]{3}[0-9A-F]{4}$/.test(id)) throw new RangeError(`bad EISA ID '${id}'`);
  const c = (i: number): number => id.charCodeAt(i) - 0x40;
  const product = parseInt(id.slice(3), 16);
  const big = ((c(0) << 26) | (c(1) << 21) | (c(2) << 16) | product) >>> 0;
  // Stored big-endian: the bytes of `big` from the most significant one.
  const v = (((big & 0xff) << 24) | ((big & 0xff00) << 8) | ((big >>> 8) & 0xff00) | (big >>> 24)) >>> 0;
  return dword(v);
}

/** Buffer (BufferSize = byte count) holding `bytes`. */
export function buffer(bytes: Uint8Array): Aml {
  const body = cat([int(bytes.length), bytes]);
  return cat([[OP.BUFFER], pkgLength(body.length), body]);
}

/** Package of data objects (at most 255 elements: DefPackage). */
export function pkg(elements: readonly Aml[]): Aml {
  if (elements.length > 255) throw new RangeError('an AML Package holds at most 255 elements');
  const body = cat([[elements.length], ...elements]);
  return cat([[OP.PACKAGE], pkgLength(body.length), body]);
}

/** Name(path, object). */
export function name(path: string, object: Aml): Aml {
  return cat([[OP.NAME], nameString(path), object]);
}

/** Scope(path) { terms }. */
export function scope(path: string, terms: readonly Aml[]): Aml {
  const body = cat([nameString(path), ...terms]);
  return cat([[OP.SCOPE], pkgLength(body.length), body]);
}

/** Device(path) { terms }. */
export function device(path: string, terms: readonly Aml[]): Aml {
  const body = cat([nameString(path), ...terms]);
  return cat([[OP.EXT, OP.EXT_DEVICE], pkgLength(body.length), body]);
}
