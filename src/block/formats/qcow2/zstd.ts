/**
 * A zstd decoder (RFC 8878: frames, raw/RLE/compressed blocks, Huffman literals, FSE sequences,
 * repeat offsets), enough to read qcow2 clusters compressed with compression_type=zstd. No
 * dictionaries (qcow2 never uses them). Output is capped: decoding stops with an error rather
 * than produce more than the caller's limit.
 *
 * Threat note: the input comes from the image. Every length is checked against the remaining
 * input and the output limit before copying, match offsets are checked against the bytes
 * produced so far, and table descriptions are bounded (see zstd-bits.ts).
 */
import {
  BackwardBits, buildFseTable, ForwardBits, type FseTable, type HuffTable, readFseCounts, readHuffTree, rleTable, ZstdError,
} from './zstd-bits.js';

/** Error for malformed zstd data, re-exported for callers of zstdDecompress. */
export { ZstdError } from './zstd-bits.js';

const LL_BASE = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];
const LL_BITS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
const ML_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
  35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539,
];
const ML_BITS = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
];
const LL_DEFAULT = [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1];
const ML_DEFAULT = [
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
];
const OF_DEFAULT = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];

const LL_PREDEF = buildFseTable(Int32Array.from(LL_DEFAULT), 6);
const ML_PREDEF = buildFseTable(Int32Array.from(ML_DEFAULT), 6);
const OF_PREDEF = buildFseTable(Int32Array.from(OF_DEFAULT), 5);

interface FrameState {
  huff: HuffTable | undefined;
  ll: FseTable | undefined;
  ml: FseTable | undefined;
  of: FseTable | undefined;
  rep: [number, number, number];
}

class Output {
  len = 0;
  constructor(readonly buf: Uint8Array) {}
  room(n: number): void {
    if (this.len + n > this.buf.length) throw new ZstdError(`decompressed data exceeds ${this.buf.length} bytes`);
  }
}

/**
 * Decodes zstd frames from `src` into `out` until it is full (trailing input is ignored, as QEMU
 * does); returns the number of bytes produced.
 */
export function zstdDecompress(src: Uint8Array, out: Uint8Array): number {
  const o = new Output(out);
  let p = 0;
  while (o.len < out.length) {
    if (p + 4 > src.length) break;
    const magic = (src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16) | (src[p + 3]! << 24)) >>> 0;
    p += 4;
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      if (p + 4 > src.length) throw new ZstdError('truncated skippable frame');
      const n = (src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16) | (src[p + 3]! << 24)) >>> 0;
      p += 4 + n;
      continue;
    }
    if (magic !== 0xfd2fb528) {
      if (o.len === 0) throw new ZstdError(`bad zstd frame magic 0x${magic.toString(16)}`);
      break;
    }
    p = decodeFrame(src, p, o);
  }
  return o.len;
}

function decodeFrame(src: Uint8Array, p: number, o: Output): number {
  const fhd = src[p++];
  if (fhd === undefined) throw new ZstdError('truncated frame header');
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  const checksum = (fhd >> 2) & 1;
  const dictFlag = fhd & 3;
  if (fhd & 8) throw new ZstdError('reserved bit set in frame header');
  if (!single) p++;
  const dictBytes = [0, 1, 2, 4][dictFlag] ?? 0;
  let dictId = 0;
  for (let i = 0; i < dictBytes; i++) dictId |= (src[p + i] ?? 0) << (8 * i);
  p += dictBytes;
  if (dictId !== 0) throw new ZstdError('zstd dictionaries are not supported');
  p += fcsFlag === 0 ? single : [0, 2, 4, 8][fcsFlag] ?? 0;
  const st: FrameState = { huff: undefined, ll: undefined, ml: undefined, of: undefined, rep: [1, 4, 8] };
  const frameStart = o.len;
  for (;;) {
    if (p + 3 > src.length) throw new ZstdError('truncated block header');
    const bh = src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16);
    p += 3;
    const last = bh & 1;
    const type = (bh >> 1) & 3;
    const size = bh >> 3;
    if (type === 1) {
      if (p >= src.length) throw new ZstdError('truncated RLE block');
      o.room(size);
      o.buf.fill(src[p]!, o.len, o.len + size);
      o.len += size;
      p += 1;
    } else {
      if (p + size > src.length) throw new ZstdError('block runs past the end of the data');
      if (type === 0) {
        o.room(size);
        o.buf.set(src.subarray(p, p + size), o.len);
        o.len += size;
      } else if (type === 2) {
        decodeBlock(src, p, p + size, o, st, frameStart);
      } else {
        throw new ZstdError('reserved block type');
      }
      p += size;
    }
    if (last) break;
  }
  return p + (checksum ? 4 : 0);
}

function decodeBlock(src: Uint8Array, p: number, end: number, o: Output, st: FrameState, frameStart: number): void {
  // Literals section.
  const b0 = src[p] ?? 0;
  const ltype = b0 & 3;
  const sf = (b0 >> 2) & 3;
  let regen: number;
  let literals: Uint8Array;
  if (ltype === 0 || ltype === 1) {
    let hs: number;
    if (sf === 0 || sf === 2) { regen = b0 >> 3; hs = 1; }
    else if (sf === 1) { regen = (b0 >> 4) + ((src[p + 1] ?? 0) << 4); hs = 2; }
    else { regen = (b0 >> 4) + ((src[p + 1] ?? 0) << 4) + ((src[p + 2] ?? 0) << 12); hs = 3; }
    p += hs;
    if (regen > 131072) throw new ZstdError('literals section too large');
    if (ltype === 0) {
      if (p + regen > end) throw new ZstdError('raw literals past the end of the block');
      literals = src.subarray(p, p + regen);
      p += regen;
    } else {
      if (p >= end) throw new ZstdError('RLE literals past the end of the block');
      literals = new Uint8Array(regen).fill(src[p]!);
      p += 1;
    }
  } else {
    let hs: number, bits: number;
    const streams = sf === 0 ? 1 : 4;
    if (sf <= 1) { hs = 3; bits = 10; } else if (sf === 2) { hs = 4; bits = 14; } else { hs = 5; bits = 18; }
    let h = 0;
    for (let i = hs - 1; i >= 0; i--) h = h * 256 + (src[p + i] ?? 0);
    const mask = 2 ** bits;
    regen = Math.floor(h / 16) % mask;
    const csize = Math.floor(h / 16 / mask) % mask;
    p += hs;
    if (p + csize > end) throw new ZstdError('compressed literals past the end of the block');
    let q = p;
    if (ltype === 2) {
      const t = readHuffTree(src, q, p + csize);
      st.huff = t.table;
      q += t.size;
    } else if (!st.huff) throw new ZstdError('treeless literals without a previous Huffman table');
    literals = decodeHuffLiterals(src, q, p + csize, regen, streams, st.huff!);
    p += csize;
  }
  // Sequences section.
  if (p >= end) {
    o.room(literals.length);
    o.buf.set(literals, o.len);
    o.len += literals.length;
    return;
  }
  let nbSeq = src[p++] ?? 0;
  if (nbSeq >= 128) {
    if (nbSeq < 255) nbSeq = ((nbSeq - 128) << 8) + (src[p++] ?? 0);
    else { nbSeq = (src[p] ?? 0) + ((src[p + 1] ?? 0) << 8) + 0x7f00; p += 2; }
  }
  if (nbSeq === 0) {
    o.room(literals.length);
    o.buf.set(literals, o.len);
    o.len += literals.length;
    return;
  }
  const modes = src[p++] ?? 0;
  const pick = (mode: number, predef: FseTable, prev: FseTable | undefined, maxLog: number, maxSym: number): FseTable => {
    if (mode === 0) return predef;
    if (mode === 1) {
      if (p >= end) throw new ZstdError('RLE sequence table past the end of the block');
      return rleTable(src[p++]!);
    }
    if (mode === 2) {
      const fr = new ForwardBits(src, p, end);
      const { counts, log } = readFseCounts(fr, maxLog, maxSym);
      p += fr.bytesUsed();
      return buildFseTable(counts, log);
    }
    if (!prev) throw new ZstdError('repeat sequence table without a previous table');
    return prev;
  };
  st.ll = pick(modes >> 6, LL_PREDEF, st.ll, 9, 35);
  st.of = pick((modes >> 4) & 3, OF_PREDEF, st.of, 8, 31);
  st.ml = pick((modes >> 2) & 3, ML_PREDEF, st.ml, 9, 52);
  const ll = st.ll, of = st.of, ml = st.ml;
  const br = new BackwardBits(src, p, end);
  let sLL = br.read(ll.log), sOF = br.read(of.log), sML = br.read(ml.log);
  let lit = 0;
  const rep = st.rep;
  for (let i = 0; i < nbSeq; i++) {
    const ofCode = of.symbol[sOF] ?? 0;
    const mlCode = ml.symbol[sML] ?? 0;
    const llCode = ll.symbol[sLL] ?? 0;
    if (ofCode > 31 || mlCode > 52 || llCode > 35) throw new ZstdError('invalid sequence code');
    const ofValue = 2 ** ofCode + br.read(ofCode);
    const mlen = (ML_BASE[mlCode] ?? 0) + br.read(ML_BITS[mlCode] ?? 0);
    const llen = (LL_BASE[llCode] ?? 0) + br.read(LL_BITS[llCode] ?? 0);
    let offset: number;
    if (ofValue > 3) {
      offset = ofValue - 3;
      rep[2] = rep[1]; rep[1] = rep[0]; rep[0] = offset;
    } else {
      const idx = llen === 0 ? ofValue : ofValue - 1;
      if (idx === 0) offset = rep[0];
      else if (idx === 1) { offset = rep[1]; rep[1] = rep[0]; rep[0] = offset; }
      else if (idx === 2) { offset = rep[2]; rep[2] = rep[1]; rep[1] = rep[0]; rep[0] = offset; }
      else { offset = rep[0] - 1; rep[2] = rep[1]; rep[1] = rep[0]; rep[0] = offset; }
    }
    if (i < nbSeq - 1) {
      sLL = (ll.baseline[sLL] ?? 0) + br.read(ll.nbBits[sLL] ?? 0);
      sML = (ml.baseline[sML] ?? 0) + br.read(ml.nbBits[sML] ?? 0);
      sOF = (of.baseline[sOF] ?? 0) + br.read(of.nbBits[sOF] ?? 0);
    }
    if (lit + llen > literals.length) throw new ZstdError('sequence uses more literals than decoded');
    o.room(llen + mlen);
    o.buf.set(literals.subarray(lit, lit + llen), o.len);
    o.len += llen;
    lit += llen;
    if (offset <= 0 || offset > o.len - frameStart) throw new ZstdError(`match offset ${offset} reaches before the start of the data`);
    const from = o.len - offset;
    for (let k = 0; k < mlen; k++) o.buf[o.len + k] = o.buf[from + k]!;
    o.len += mlen;
  }
  if (br.pos < 0) throw new ZstdError('sequence bitstream overrun');
  const rest = literals.length - lit;
  o.room(rest);
  o.buf.set(literals.subarray(lit), o.len);
  o.len += rest;
}

function decodeHuffLiterals(src: Uint8Array, p: number, end: number, regen: number, streams: number, t: HuffTable): Uint8Array {
  const out = new Uint8Array(regen);
  const one = (start: number, stop: number, from: number, to: number): void => {
    const br = new BackwardBits(src, start, stop);
    for (let i = from; i < to; i++) {
      const idx = br.peek(t.maxBits);
      out[i] = t.symbol[idx] ?? 0;
      br.skip(t.bits[idx] ?? 0);
    }
    if (br.pos !== 0) throw new ZstdError('Huffman stream not fully consumed');
  };
  if (streams === 1) {
    one(p, end, 0, regen);
    return out;
  }
  if (p + 6 > end) throw new ZstdError('literal jump table past the end');
  const s1 = src[p]! | (src[p + 1]! << 8);
  const s2 = src[p + 2]! | (src[p + 3]! << 8);
  const s3 = src[p + 4]! | (src[p + 5]! << 8);
  const a = p + 6, b = a + s1, c = b + s2, d = c + s3;
  if (d > end) throw new ZstdError('literal streams past the end');
  const seg = Math.ceil(regen / 4);
  one(a, b, 0, Math.min(seg, regen));
  one(b, c, seg, Math.min(2 * seg, regen));
  one(c, d, 2 * seg, Math.min(3 * seg, regen));
  one(d, end, 3 * seg, regen);
  return out;
}
