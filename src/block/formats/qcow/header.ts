/**
 * The qcow (version 1) header: parse and validate untrusted bytes, and build the header qemu's
 * create writes. Layout from QEMU's block/qcow.c: 48 big-endian bytes, then the backing name.
 * Threat note: every field is attacker-controlled; sizes are bounded before anything is
 * allocated from them (CVE-2014-0222/0223 were overflows here in QEMU).
 */
import { BlockError } from '../../driver.js';

/** "QFI\xfb", shared with qcow2; the version field tells them apart. */
export const QCOW_MAGIC = 0x514649fb;
/** Size of the fixed header. */
export const QCOW_HEADER_SIZE = 48;
/** Largest L1 table we accept, bounding memory (QEMU's own bound is INT_MAX/8 entries). */
const MAX_L1_BYTES = 32 << 20;

/** Parsed, validated qcow header. */
export interface QcowHeader {
  readonly backingFileOffset: number;
  readonly backingFileSize: number;
  readonly mtime: number;
  readonly size: number;
  readonly clusterBits: number;
  readonly l2Bits: number;
  readonly cryptMethod: number;
  readonly l1TableOffset: number;
  /** Derived: ceil(size / 2^(clusterBits+l2Bits)). */
  readonly l1Size: number;
}

function corrupt(path: string, msg: string): BlockError {
  return new BlockError('corrupt-image', msg, { path });
}

/** True when the bytes start with a qcow version 1 header. */
export function isQcowHead(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return v.getUint32(0) === QCOW_MAGIC && v.getUint32(4) === 1;
}

/** Parses and checks a header read from the start of `path`, with qemu's messages. */
export function parseQcowHeader(buf: Uint8Array, path: string): QcowHeader {
  if (buf.length < QCOW_HEADER_SIZE) throw corrupt(path, 'Image not in qcow format (file too short)');
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (v.getUint32(0) !== QCOW_MAGIC) throw new BlockError('invalid-format', 'Image not in qcow format', { path });
  const version = v.getUint32(4);
  if (version !== 1) {
    throw new BlockError('unsupported-feature', `Unsupported qcow version ${version}`, { path, version });
  }
  const backingFileOffset = v.getBigUint64(8);
  const backingFileSize = v.getUint32(16);
  const size = v.getBigUint64(24);
  const clusterBits = v.getUint8(32);
  const l2Bits = v.getUint8(33);
  const cryptMethod = v.getUint32(36);
  const l1TableOffset = v.getBigUint64(40);
  if (size <= 1n) throw corrupt(path, 'Image size is too small (must be at least 2 bytes)');
  if (clusterBits < 9 || clusterBits > 16) throw corrupt(path, 'Cluster size must be between 512 and 64k');
  if (l2Bits < 9 - 3 || l2Bits > 16 - 3) throw corrupt(path, 'L2 table size must be between 512 and 64k');
  if (cryptMethod > 1) throw corrupt(path, 'invalid encryption method in qcow header');
  if (cryptMethod === 1) {
    throw new BlockError('unsupported-feature', 'AES-encrypted qcow images are not supported; ' +
      'convert them with qemu-img first', { path });
  }
  const shift = BigInt(clusterBits + l2Bits);
  const l1Size = (size + (1n << shift) - 1n) >> shift;
  if (size > BigInt(Number.MAX_SAFE_INTEGER) || l1Size * 8n > BigInt(MAX_L1_BYTES)) {
    throw corrupt(path, 'Image too large');
  }
  if (l1TableOffset > BigInt(Number.MAX_SAFE_INTEGER) - l1Size * 8n) throw corrupt(path, 'Invalid L1 table offset');
  if (backingFileOffset !== 0n) {
    if (backingFileSize > 1023 || backingFileOffset > 0x7fffffffn) throw corrupt(path, 'Backing file name too long');
  }
  return {
    backingFileOffset: Number(backingFileOffset),
    backingFileSize: backingFileOffset === 0n ? 0 : backingFileSize,
    mtime: v.getUint32(20),
    size: Number(size),
    clusterBits,
    l2Bits,
    cryptMethod,
    l1TableOffset: Number(l1TableOffset),
    l1Size: Number(l1Size),
  };
}

/** Layout qemu's create uses: header, backing name, L1 at the next multiple of 8. */
export interface QcowLayout {
  readonly header: Uint8Array;
  readonly l1TableOffset: number;
  readonly l1Size: number;
}

/**
 * Builds the bytes qemu-img writes for `create -f qcow`: 4 KiB clusters and 512-entry L2 tables
 * without a backing file; 512-byte clusters and 4096-entry L2 tables with one (so guest sector
 * writes never need copy-on-write). `size` is rounded up to 512 like qemu.
 */
export function buildQcowHeader(size: number, backingFile: string | undefined): QcowLayout {
  const name = backingFile === undefined ? new Uint8Array(0) : new TextEncoder().encode(backingFile);
  if (name.length > 1023) throw new BlockError('unsupported-feature', 'Backing file name too long', {});
  const clusterBits = backingFile === undefined ? 12 : 9;
  const l2Bits = backingFile === undefined ? 9 : 12;
  const rounded = Math.ceil(size / 512) * 512;
  const l1TableOffset = (QCOW_HEADER_SIZE + name.length + 7) & ~7;
  const shift = 2 ** (clusterBits + l2Bits);
  const l1Size = Math.ceil(rounded / shift);
  const header = new Uint8Array(l1TableOffset);
  const v = new DataView(header.buffer);
  v.setUint32(0, QCOW_MAGIC);
  v.setUint32(4, 1);
  v.setBigUint64(8, BigInt(name.length > 0 ? QCOW_HEADER_SIZE : 0));
  v.setUint32(16, name.length);
  v.setBigUint64(24, BigInt(rounded));
  v.setUint8(32, clusterBits);
  v.setUint8(33, l2Bits);
  v.setBigUint64(40, BigInt(l1TableOffset));
  header.set(name, QCOW_HEADER_SIZE);
  return { header, l1TableOffset, l1Size };
}
