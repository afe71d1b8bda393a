/**
 * qcow2 header (cluster 0): parsing with validation, and serialisation.
 *
 * Threat note: the header is untrusted input. Every offset and count is checked against the file
 * size and against QEMU's own limits (L1 <= 32 MiB, reftable <= 8 MiB, <= 65536 snapshots,
 * backing name <= 1023 bytes, extensions inside cluster 0) before anything is allocated from it,
 * and every u64 is converted to a number only after a range check. Unknown incompatible feature
 * bits refuse the open, naming the features from the image's own feature table when it has one.
 */
import { corrupt, invalidFormat, unsupported, safeOffset } from './util.js';

/** "QFI\xfb": the first four bytes of every qcow image. */
export const QCOW_MAGIC = 0x514649fb;

/** Incompatible feature bits (qcow2 spec, header byte 72). */
export const INCOMPAT_DIRTY = 1n << 0n;
/** Corrupt bit: the image must not be written except by repair. */
export const INCOMPAT_CORRUPT = 1n << 1n;
/** External data file: guest data lives in another file. */
export const INCOMPAT_DATA_FILE = 1n << 2n;
/** compression_type field is meaningful (non-zero). */
export const INCOMPAT_COMPRESSION = 1n << 3n;
/** Extended L2 entries (32 subclusters per cluster). */
export const INCOMPAT_EXTL2 = 1n << 4n;
/** Compatible bit 0: lazy refcounts. */
export const COMPAT_LAZY_REFCOUNTS = 1n << 0n;

const KNOWN_INCOMPAT = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2;

/** Header extension types (qcow2 spec). */
export const EXT_BACKING_FORMAT = 0xe2792aca;
/** Feature name table extension. */
export const EXT_FEATURE_TABLE = 0x6803f857;
/** External data file name extension. */
export const EXT_DATA_FILE = 0x44415441;
/** Full-disk encryption header pointer extension. */
export const EXT_CRYPTO = 0x0537be77;

/** QEMU's limits, used both to validate and to refuse creating what QEMU would refuse. */
export const MAX_L1_BYTES = 32 * 1024 * 1024;
/** Largest refcount table QEMU accepts. */
export const MAX_REFTABLE_BYTES = 8 * 1024 * 1024;
/** Most snapshots QEMU accepts. */
export const MAX_SNAPSHOTS = 65536;
/** Longest backing file name QEMU accepts. */
export const MAX_BACKING_NAME = 1023;

/** The parsed header; mutable because the driver rewrites it (dirty bit, resize, amend ...). */
export interface Qcow2Header {
  version: 2 | 3;
  clusterBits: number;
  size: number;
  cryptMethod: number;
  l1Size: number;
  l1TableOffset: number;
  refcountTableOffset: number;
  refcountTableClusters: number;
  nbSnapshots: number;
  snapshotsOffset: number;
  incompatible: bigint;
  compatible: bigint;
  autoclear: bigint;
  refcountOrder: number;
  headerLength: number;
  compressionType: number;
  backingFile?: string;
  backingFormat?: string;
  /** Extensions this driver does not interpret, kept verbatim on rewrite. */
  otherExtensions: { type: number; data: Uint8Array }[];
  /** Header bytes past 112 (future fields), kept verbatim. */
  tail: Uint8Array;
}

/** Number of entries in one L2 table. */
export function l2Entries(h: Qcow2Header): number {
  return (1 << h.clusterBits) / (h.incompatible & INCOMPAT_EXTL2 ? 16 : 8);
}

/** L1 entries needed to map `size` bytes. */
export function l1EntriesFor(size: number, clusterBits: number, extL2: boolean): number {
  const perL2 = ((1 << clusterBits) / (extL2 ? 16 : 8)) * (1 << clusterBits);
  return Math.ceil(size / perL2);
}

function bitNames(bits: bigint, table: Map<number, string>): string {
  const names: string[] = [];
  for (let b = 0; b < 64; b++) {
    if (bits & (1n << BigInt(b))) names.push(table.get(b) ?? `unknown incompatible feature bit ${b}`);
  }
  return names.join(', ');
}

/**
 * Parses and validates cluster 0. `head` holds the first bytes of the file (at least the whole
 * first cluster when the file has that many); `fileSize` bounds every table.
 */
export function parseHeader(head: Uint8Array, fileSize: number, path: string): Qcow2Header {
  const ctx = { path };
  if (head.length < 72) throw invalidFormat(`${path}: file too short (${head.length} bytes) to be a qcow2 image`, ctx);
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (dv.getUint32(0) !== QCOW_MAGIC) throw invalidFormat(`${path}: not a qcow2 image (bad magic)`, ctx);
  const version = dv.getUint32(4);
  if (version !== 2 && version !== 3) {
    throw unsupported(`${path}: qcow${version === 1 ? '' : '2'} version ${version} is not supported by the qcow2 driver`, { ...ctx, version });
  }
  const clusterBits = dv.getUint32(20);
  if (clusterBits < 9 || clusterBits > 21) {
    throw corrupt(`${path}: cluster_bits ${clusterBits} is outside 9..21 (cluster size must be 512 B..2 MiB)`, ctx);
  }
  const cs = 1 << clusterBits;
  let headerLength = 72;
  let incompatible = 0n, compatible = 0n, autoclear = 0n, refcountOrder = 4, compressionType = 0;
  if (version === 3) {
    if (head.length < 104) throw corrupt(`${path}: v3 header truncated`, ctx);
    incompatible = dv.getBigUint64(72);
    compatible = dv.getBigUint64(80);
    autoclear = dv.getBigUint64(88);
    refcountOrder = dv.getUint32(96);
    headerLength = dv.getUint32(100);
    if (headerLength < 104 || headerLength % 8 !== 0 || headerLength > cs) {
      throw corrupt(`${path}: header_length ${headerLength} is invalid (must be >= 104, a multiple of 8 and <= the cluster size ${cs})`, ctx);
    }
    if (headerLength > head.length) throw corrupt(`${path}: qcow2 header exceeds the end of the file`, ctx);
    if (headerLength >= 105) compressionType = dv.getUint8(104);
  }
  if (refcountOrder > 6) throw corrupt(`${path}: refcount_order ${refcountOrder} is larger than 6 (64-bit refcounts)`, ctx);

  // Feature names from the image (for error messages) and extension walk.
  const extEnd = Math.min(cs, head.length);
  const backingOffset64 = dv.getBigUint64(8);
  const backingSize = dv.getUint32(16);
  const otherExtensions: { type: number; data: Uint8Array }[] = [];
  const featureNames = new Map<number, string>([
    [0, 'dirty bit'], [1, 'corrupt bit'], [2, 'external data file'], [3, 'compression type'], [4, 'extended L2 entries'],
  ]);
  let backingFormat: string | undefined;
  let extLimit = extEnd;
  if (backingOffset64 !== 0n && backingOffset64 < BigInt(extLimit)) extLimit = Number(backingOffset64);
  let pos = headerLength;
  while (pos + 8 <= extLimit) {
    const type = dv.getUint32(pos);
    const len = dv.getUint32(pos + 4);
    if (type === 0) break;
    const dataStart = pos + 8;
    if (len > extLimit - dataStart) throw corrupt(`${path}: header extension ${type.toString(16)} too large (length ${len} at offset ${pos})`, ctx);
    const data = head.slice(dataStart, dataStart + len);
    if (type === EXT_BACKING_FORMAT) {
      backingFormat = new TextDecoder().decode(data);
    } else if (type === EXT_FEATURE_TABLE) {
      for (let i = 0; i + 48 <= len; i += 48) {
        const ftype = data[i] ?? 0;
        const fbit = data[i + 1] ?? 0;
        if (ftype !== 0) continue;
        const raw = data.subarray(i + 2, i + 48);
        const nul = raw.indexOf(0);
        featureNames.set(fbit, new TextDecoder().decode(nul < 0 ? raw : raw.subarray(0, nul)));
      }
    } else {
      otherExtensions.push({ type, data });
    }
    pos = dataStart + Math.ceil(len / 8) * 8;
  }

  const unknown = incompatible & ~KNOWN_INCOMPAT;
  if (unknown) throw unsupported(`${path}: Unsupported qcow2 feature(s): ${bitNames(unknown, featureNames)}`, { ...ctx, bits: unknown });
  if (incompatible & INCOMPAT_DATA_FILE) {
    throw unsupported(`${path}: images with an external data file are not supported (the data lives in another file named by the image)`, ctx);
  }
  const cryptMethod = dv.getUint32(32);
  if (cryptMethod !== 0) {
    throw unsupported(`${path}: encrypted qcow2 images (crypt_method ${cryptMethod === 1 ? 'AES' : cryptMethod === 2 ? 'LUKS' : cryptMethod}) are not supported; decrypt it with qemu-img convert first`, ctx);
  }
  if (compressionType > 1) throw unsupported(`${path}: unknown compression type ${compressionType}`, ctx);
  if ((compressionType !== 0) !== Boolean(incompatible & INCOMPAT_COMPRESSION)) {
    throw corrupt(`${path}: compression_type ${compressionType} disagrees with the compression-type incompatible feature bit`, ctx);
  }
  const extL2 = Boolean(incompatible & INCOMPAT_EXTL2);
  if (extL2 && clusterBits < 14) throw corrupt(`${path}: extended L2 entries need a cluster size of at least 16 KiB`, ctx);

  const size = safeOffset(dv.getBigUint64(24), 'virtual size', ctx);
  const l1Size = dv.getUint32(36);
  const l1TableOffset = safeOffset(dv.getBigUint64(40), 'L1 table offset', ctx);
  const refcountTableOffset = safeOffset(dv.getBigUint64(48), 'refcount table offset', ctx);
  const refcountTableClusters = dv.getUint32(56);
  const nbSnapshots = dv.getUint32(60);
  const snapshotsOffset = safeOffset(dv.getBigUint64(64), 'snapshot table offset', ctx);

  const checkTable = (what: string, off: number, bytes: number, max: number): void => {
    if (bytes > max) throw corrupt(`${path}: ${what} too large (${bytes} bytes, limit ${max})`, { ...ctx, offset: off });
    if (off % cs !== 0) throw corrupt(`${path}: Invalid ${what} offset ${off} (not aligned to the cluster size ${cs})`, { ...ctx, offset: off });
    if (bytes > 0 && (off < cs || off + bytes > fileSize)) {
      throw corrupt(`${path}: ${what} at offset ${off} (${bytes} bytes) lies outside the image file (${fileSize} bytes)`, { ...ctx, offset: off });
    }
  };
  if (refcountTableClusters === 0) throw corrupt(`${path}: the image has no refcount table`, ctx);
  checkTable('Reference count table', refcountTableOffset, refcountTableClusters * cs, MAX_REFTABLE_BYTES);
  checkTable('L1 table', l1TableOffset, l1Size * 8, MAX_L1_BYTES);
  if (l1Size < l1EntriesFor(size, clusterBits, extL2)) throw corrupt(`${path}: L1 table is too small for the virtual size ${size}`, ctx);
  if (nbSnapshots > MAX_SNAPSHOTS) throw corrupt(`${path}: too many snapshots (${nbSnapshots}, limit ${MAX_SNAPSHOTS})`, ctx);
  if (nbSnapshots > 0) checkTable('snapshot table', snapshotsOffset, nbSnapshots * 40, 64 * 1024 * 1024);

  let backingFile: string | undefined;
  if (backingOffset64 !== 0n) {
    if (backingSize > MAX_BACKING_NAME) {
      throw corrupt(`${path}: backing file name too long (${backingSize} bytes, limit ${MAX_BACKING_NAME})`, ctx);
    }
    if (backingOffset64 > BigInt(cs) || Number(backingOffset64) + backingSize > Math.min(cs, head.length)) {
      throw corrupt(`${path}: backing file name at offset ${backingOffset64} lies outside the header cluster`, ctx);
    }
    const off = Number(backingOffset64);
    backingFile = new TextDecoder().decode(head.subarray(off, off + backingSize));
  }
  return {
    version, clusterBits, size, cryptMethod, l1Size, l1TableOffset, refcountTableOffset,
    refcountTableClusters, nbSnapshots, snapshotsOffset, incompatible, compatible, autoclear,
    refcountOrder, headerLength, compressionType, otherExtensions,
    tail: version === 3 && headerLength > 112 ? head.slice(112, headerLength) : new Uint8Array(0),
    ...(backingFile !== undefined ? { backingFile } : {}),
    ...(backingFormat !== undefined ? { backingFormat } : {}),
  };
}

const FEATURES: [number, number, string][] = [
  [0, 0, 'dirty bit'], [0, 1, 'corrupt bit'], [0, 2, 'external data file'], [0, 3, 'compression type'],
  [0, 4, 'extended L2 entries'], [1, 0, 'lazy refcounts'], [2, 0, 'bitmaps'], [2, 1, 'raw external data'],
];

/** Serialises the header into a fresh cluster-sized buffer, laid out as QEMU lays it out. */
export function serializeHeader(h: Qcow2Header): Uint8Array {
  const cs = 1 << h.clusterBits;
  const out = new Uint8Array(cs);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, QCOW_MAGIC);
  dv.setUint32(4, h.version);
  dv.setUint32(20, h.clusterBits);
  dv.setBigUint64(24, BigInt(h.size));
  dv.setUint32(32, h.cryptMethod);
  dv.setUint32(36, h.l1Size);
  dv.setBigUint64(40, BigInt(h.l1TableOffset));
  dv.setBigUint64(48, BigInt(h.refcountTableOffset));
  dv.setUint32(56, h.refcountTableClusters);
  dv.setUint32(60, h.nbSnapshots);
  dv.setBigUint64(64, BigInt(h.snapshotsOffset));
  let pos = 72;
  if (h.version === 3) {
    dv.setBigUint64(72, h.incompatible);
    dv.setBigUint64(80, h.compatible);
    dv.setBigUint64(88, h.autoclear);
    dv.setUint32(96, h.refcountOrder);
    const len = Math.max(112, h.headerLength);
    dv.setUint32(100, len);
    out[104] = h.compressionType;
    out.set(h.tail.subarray(0, len - 112), 112);
    pos = len;
  }
  const tooBig = () => new Error('header does not fit in the first cluster');
  const putExt = (type: number, data: Uint8Array): void => {
    const padded = Math.ceil(data.length / 8) * 8;
    if (pos + 8 + padded + 8 > cs) throw corrupt(`qcow2 header extensions do not fit in one cluster (${cs} bytes)`, { cause: tooBig() });
    dv.setUint32(pos, type);
    dv.setUint32(pos + 4, data.length);
    out.set(data, pos + 8);
    pos += 8 + padded;
  };
  if (h.backingFormat !== undefined) putExt(EXT_BACKING_FORMAT, new TextEncoder().encode(h.backingFormat));
  if (h.version === 3) {
    const ft = new Uint8Array(FEATURES.length * 48);
    FEATURES.forEach(([t, b, name], i) => {
      ft[i * 48] = t;
      ft[i * 48 + 1] = b;
      ft.set(new TextEncoder().encode(name), i * 48 + 2);
    });
    putExt(EXT_FEATURE_TABLE, ft);
  }
  for (const e of h.otherExtensions) putExt(e.type, e.data);
  pos += 8; // end-of-extensions marker (zeros)
  if (h.backingFile !== undefined) {
    const name = new TextEncoder().encode(h.backingFile);
    if (name.length > MAX_BACKING_NAME) throw unsupported(`backing file name too long (${name.length} bytes, limit ${MAX_BACKING_NAME})`);
    if (pos + name.length > cs) throw corrupt(`backing file name does not fit in the header cluster`);
    dv.setBigUint64(8, BigInt(pos));
    dv.setUint32(16, name.length);
    out.set(name, pos);
  }
  return out;
}
