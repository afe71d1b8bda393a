/**
 * Bit readers and FSE/Huffman table construction for the zstd decoder (RFC 8878, sections 4.1
 * and 4.2). Kept apart from the frame/block logic in zstd.ts.
 *
 * Threat note: all input is untrusted. Readers never index outside their slice (missing bits
 * read as zero and are detected by the caller), table sizes are bounded by the accuracy-log
 * limits of the RFC, and every malformed description throws ZstdError.
 */

/** Malformed zstd data; converted to a corrupt-image BlockError by the caller. */
export class ZstdError extends Error {}

/** Forward little-endian bit reader (FSE table descriptions). */
export class ForwardBits {
  private bit = 0;
  constructor(private readonly src: Uint8Array, private readonly start: number, private readonly end: number) {}

  /** Reads `n` (<= 24) bits, least significant first. */
  read(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const p = this.bit + i;
      const byte = this.start + (p >> 3);
      if (byte >= this.end) throw new ZstdError('FSE table description runs past its data');
      v |= (((this.src[byte] ?? 0) >> (p & 7)) & 1) << i;
    }
    this.bit += n;
    return v;
  }

  /** Peeks `n` bits without consuming (missing bits read as zero). */
  peek(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const p = this.bit + i;
      const byte = this.start + (p >> 3);
      if (byte < this.end) v |= (((this.src[byte] ?? 0) >> (p & 7)) & 1) << i;
    }
    return v;
  }

  /** Skips `n` bits. */
  skip(n: number): void {
    this.bit += n;
  }

  /** Bytes consumed so far, rounded up. */
  bytesUsed(): number {
    return Math.ceil(this.bit / 8);
  }
}

/** Backward bit reader (Huffman and FSE streams): starts after the final marker bit. */
export class BackwardBits {
  /** Bits still unread below the current position; negative after an overrun. */
  pos: number;
  constructor(private readonly src: Uint8Array, private readonly start: number, end: number) {
    if (end <= start) throw new ZstdError('empty bitstream');
    const last = src[end - 1] ?? 0;
    if (last === 0) throw new ZstdError('bitstream has no end marker');
    this.pos = (end - start - 1) * 8 + (31 - Math.clz32(last));
  }

  /** Returns the next `n` (<= 31) bits without consuming them; bits below the start read as zero. */
  peek(n: number): number {
    if (n === 0) return 0;
    const lo = this.pos - n;
    let v = 0;
    for (let i = n - 1; i >= 0; i--) {
      const p = lo + i;
      v = v * 2 + (p >= 0 ? ((this.src[this.start + (p >> 3)] ?? 0) >> (p & 7)) & 1 : 0);
    }
    return v;
  }

  /** Reads `n` bits. */
  read(n: number): number {
    const v = this.peek(n);
    this.pos -= n;
    return v;
  }

  /** Consumes `n` bits already peeked. */
  skip(n: number): void {
    this.pos -= n;
  }
}

/** One FSE decoding table: symbol, bits to read and baseline per state. */
export interface FseTable {
  readonly log: number;
  readonly symbol: Uint16Array;
  readonly nbBits: Uint8Array;
  readonly baseline: Uint32Array;
}

/** Reads an FSE table description (RFC 8878 4.1.1); returns normalized counts and accuracy log. */
export function readFseCounts(r: ForwardBits, maxLog: number, maxSymbol: number): { counts: Int32Array; log: number } {
  const log = r.read(4) + 5;
  if (log > maxLog) throw new ZstdError(`FSE accuracy log ${log} exceeds ${maxLog}`);
  const counts = new Int32Array(maxSymbol + 1);
  let remaining = (1 << log) + 1;
  let threshold = 1 << log;
  let nbBits = log + 1;
  let sym = 0;
  let previous0 = false;
  while (remaining > 1 && sym <= maxSymbol) {
    if (previous0) {
      let n = sym;
      for (;;) {
        const rep = r.read(2);
        n += rep;
        if (rep !== 3) break;
      }
      if (n > maxSymbol + 1) throw new ZstdError('FSE zero-run past the last symbol');
      sym = n;
      if (sym > maxSymbol) break;
    }
    const max = 2 * threshold - 1 - remaining;
    let count: number;
    const low = r.peek(nbBits - 1);
    if (low < max) {
      count = low;
      r.skip(nbBits - 1);
    } else {
      count = r.peek(nbBits);
      if (count >= threshold) count -= max;
      r.skip(nbBits);
    }
    count--;
    remaining -= Math.abs(count);
    counts[sym++] = count;
    previous0 = count === 0;
    while (remaining < threshold) {
      nbBits--;
      threshold >>= 1;
    }
  }
  if (remaining !== 1) throw new ZstdError('FSE probabilities do not sum to the table size');
  return { counts, log };
}

/** Builds the decoding table for normalized `counts` (RFC 8878 4.1.1, "FSE table construction"). */
export function buildFseTable(counts: Int32Array, log: number): FseTable {
  const size = 1 << log;
  const symbol = new Uint16Array(size);
  const nbBits = new Uint8Array(size);
  const baseline = new Uint32Array(size);
  const next = new Uint32Array(counts.length);
  let high = size - 1;
  for (let s = 0; s < counts.length; s++) {
    if (counts[s] === -1) {
      symbol[high--] = s;
      next[s] = 1;
    } else next[s] = Math.max(0, counts[s] ?? 0);
  }
  const step = (size >> 1) + (size >> 3) + 3;
  const mask = size - 1;
  let pos = 0;
  for (let s = 0; s < counts.length; s++) {
    const c = counts[s] ?? 0;
    for (let i = 0; i < c; i++) {
      symbol[pos] = s;
      do pos = (pos + step) & mask; while (pos > high);
    }
  }
  if (pos !== 0) throw new ZstdError('FSE table spread did not cover the table');
  for (let u = 0; u < size; u++) {
    const s = symbol[u] ?? 0;
    const ns = next[s] ?? 1;
    next[s] = ns + 1;
    const bits = log - (31 - Math.clz32(ns));
    nbBits[u] = bits;
    baseline[u] = (ns << bits) - size;
  }
  return { log, symbol, nbBits, baseline };
}

/** Table for "RLE" mode: one symbol, no bits. */
export function rleTable(sym: number): FseTable {
  return { log: 0, symbol: Uint16Array.of(sym), nbBits: Uint8Array.of(0), baseline: Uint32Array.of(0) };
}

/** A Huffman decoding table indexed by the next maxBits bits. */
export interface HuffTable {
  readonly maxBits: number;
  readonly symbol: Uint8Array;
  readonly bits: Uint8Array;
}

/** Builds the Huffman table from weights (the last weight already appended). */
export function buildHuffTable(weights: Uint8Array): HuffTable {
  let total = 0;
  for (const w of weights) if (w > 0) total += 1 << (w - 1);
  const maxBits = 31 - Math.clz32(total);
  if (total !== 1 << maxBits || maxBits > 11 || maxBits < 1) throw new ZstdError('invalid Huffman weights');
  const size = 1 << maxBits;
  const symbol = new Uint8Array(size);
  const bits = new Uint8Array(size);
  const start = new Uint32Array(maxBits + 2);
  let acc = 0;
  for (let w = 1; w <= maxBits; w++) {
    start[w] = acc;
    let n = 0;
    for (const x of weights) if (x === w) n++;
    acc += n << (w - 1);
  }
  for (let s = 0; s < weights.length; s++) {
    const w = weights[s] ?? 0;
    if (w === 0) continue;
    const len = 1 << (w - 1);
    const at = start[w] ?? 0;
    symbol.fill(s, at, at + len);
    bits.fill(maxBits + 1 - w, at, at + len);
    start[w] = at + len;
  }
  return { maxBits, symbol, bits };
}

/** Reads a Huffman tree description (RFC 8878 4.2.1); returns the table and bytes consumed. */
export function readHuffTree(src: Uint8Array, at: number, end: number): { table: HuffTable; size: number } {
  const header = src[at] ?? 0;
  const weights: number[] = [];
  let size: number;
  if (header >= 128) {
    const n = header - 127;
    size = 1 + Math.ceil(n / 2);
    if (at + size > end) throw new ZstdError('Huffman weights past the end of the block');
    for (let i = 0; i < n; i++) {
      const b = src[at + 1 + (i >> 1)] ?? 0;
      weights.push(i % 2 === 0 ? b >> 4 : b & 15);
    }
  } else {
    size = 1 + header;
    if (at + size > end || header === 0) throw new ZstdError('Huffman weights past the end of the block');
    const fr = new ForwardBits(src, at + 1, at + size);
    const { counts, log } = readFseCounts(fr, 6, 255);
    const table = buildFseTable(counts, log);
    const br = new BackwardBits(src, at + 1 + fr.bytesUsed(), at + size);
    let s1 = br.read(log);
    let s2 = br.read(log);
    for (;;) {
      if (weights.length > 255) throw new ZstdError('too many Huffman weights');
      weights.push(table.symbol[s1] ?? 0);
      s1 = (table.baseline[s1] ?? 0) + br.read(table.nbBits[s1] ?? 0);
      if (br.pos < 0) { weights.push(table.symbol[s2] ?? 0); break; }
      weights.push(table.symbol[s2] ?? 0);
      s2 = (table.baseline[s2] ?? 0) + br.read(table.nbBits[s2] ?? 0);
      if (br.pos < 0) { weights.push(table.symbol[s1] ?? 0); break; }
    }
  }
  let total = 0;
  for (const w of weights) {
    if (w > 11) throw new ZstdError('Huffman weight too large');
    if (w > 0) total += 1 << (w - 1);
  }
  if (total === 0) throw new ZstdError('Huffman weights are all zero');
  const pow = 1 << (32 - Math.clz32(total));
  const rest = pow - total;
  if ((rest & (rest - 1)) !== 0 || weights.length > 255) throw new ZstdError('Huffman weights do not complete a tree');
  weights.push(31 - Math.clz32(rest) + 1);
  return { table: buildHuffTable(Uint8Array.from(weights)), size };
}
