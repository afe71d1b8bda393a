/**
 * Integer SIMD lanes shared by MMX (8-byte registers) and SSE2 (16-byte registers): add/subtract
 * with wrap-around or saturation, multiplies, PMADDWD, PSADBW, averages, min/max, compares, packs,
 * unpacks, shifts and logic (SDM vol. 2 P* instructions). The operation reads the destination copy
 * `DA` and the source copy `SB` and leaves the result in `DA`; the dispatcher moves bytes in and out.
 */

/** Destination scratch (read and written). */
export const DA = new Uint8Array(16);
/** Source scratch. */
export const SB = new Uint8Array(16);
const T = new Uint8Array(16);

const a16 = new Uint16Array(DA.buffer);
const as16 = new Int16Array(DA.buffer);
const a32 = new Uint32Array(DA.buffer);
const as32 = new Int32Array(DA.buffer);
const as8 = new Int8Array(DA.buffer);
const b16 = new Uint16Array(SB.buffer);
const bs16 = new Int16Array(SB.buffer);
const b32 = new Uint32Array(SB.buffer);
const bs32 = new Int32Array(SB.buffer);
const bs8 = new Int8Array(SB.buffer);
const t16 = new Uint16Array(T.buffer);
const t32 = new Uint32Array(T.buffer);

function sat8s(v: number): number {
  return v > 127 ? 127 : v < -128 ? -128 : v;
}
function sat8u(v: number): number {
  return v > 255 ? 255 : v < 0 ? 0 : v;
}
function sat16s(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}
function sat16u(v: number): number {
  return v > 65535 ? 65535 : v < 0 ? 0 : v;
}

/** 32×32 → 64-bit unsigned product halves. */
const prod = { hi: 0, lo: 0 };
function mul32(a: number, b: number): void {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const mid = ah * bl + al * bh;
  const midLo = mid % 65536;
  let lo = ll + midLo * 65536;
  let carry = 0;
  if (lo >= 4294967296) {
    carry = Math.floor(lo / 4294967296);
    lo -= carry * 4294967296;
  }
  prod.lo = lo >>> 0;
  prod.hi = (ah * bh + (mid - midLo) / 65536 + carry) >>> 0;
}

/** Shift count from the source's low quadword, saturated to 64. */
function shiftCount(): number {
  if (b32[1] !== 0 || b32[0]! > 64) return 64;
  return b32[0]!;
}

/** Shifts each element of size `bits` in DA by `count`: kind 0 logical right, 1 arithmetic right, 2 left. */
export function shiftLanes(kind: number, bits: number, count: number, n: number): void {
  if (bits === 16) {
    for (let i = 0; i < n / 2; i++) {
      if (kind === 1) as16[i] = as16[i]! >> (count > 15 ? 15 : count);
      else if (count > 15) a16[i] = 0;
      else a16[i] = kind === 0 ? a16[i]! >>> count : a16[i]! << count;
    }
  } else if (bits === 32) {
    for (let i = 0; i < n / 4; i++) {
      if (kind === 1) as32[i] = as32[i]! >> (count > 31 ? 31 : count);
      else if (count > 31) a32[i] = 0;
      else a32[i] = kind === 0 ? a32[i]! >>> count : a32[i]! << count;
    }
  } else {
    for (let q = 0; q < n / 8; q++) {
      const lo = a32[2 * q]!;
      const hi = a32[2 * q + 1]!;
      if (count > 63) {
        a32[2 * q] = 0;
        a32[2 * q + 1] = 0;
      } else if (count === 0) continue;
      else if (kind === 0) {
        if (count >= 32) {
          a32[2 * q] = hi >>> (count - 32);
          a32[2 * q + 1] = 0;
        } else {
          a32[2 * q] = (lo >>> count) | (hi << (32 - count));
          a32[2 * q + 1] = hi >>> count;
        }
      } else if (count >= 32) {
        a32[2 * q + 1] = lo << (count - 32);
        a32[2 * q] = 0;
      } else {
        a32[2 * q + 1] = (hi << count) | (lo >>> (32 - count));
        a32[2 * q] = lo << count;
      }
    }
  }
}

/** PSLLDQ (left) / PSRLDQ (right) by `count` bytes on a 16-byte DA. */
export function byteShift(left: boolean, count: number): void {
  const c = count > 16 ? 16 : count;
  T.fill(0);
  for (let i = 0; i < 16; i++) {
    const src = left ? i - c : i + c;
    if (src >= 0 && src < 16) T[i] = DA[src]!;
  }
  DA.set(T);
}

function unpack(size: number, high: boolean, n: number): void {
  const half = n / 2;
  const base = high ? half : 0;
  for (let i = 0; i < half / size; i++) {
    for (let k = 0; k < size; k++) {
      T[2 * i * size + k] = DA[base + i * size + k]!;
      T[(2 * i + 1) * size + k] = SB[base + i * size + k]!;
    }
  }
  for (let i = 0; i < n; i++) DA[i] = T[i]!;
}

/** Executes integer SIMD opcode `opc` (0F map) on DA/SB with `n` bytes; false when not one of them. */
export function intOp(opc: number, n: number): boolean {
  const w = n / 2;
  const d = n / 4;
  switch (opc) {
    case 0x60:
      unpack(1, false, n);
      return true;
    case 0x61:
      unpack(2, false, n);
      return true;
    case 0x62:
      unpack(4, false, n);
      return true;
    case 0x6c:
      unpack(8, false, n);
      return true;
    case 0x68:
      unpack(1, true, n);
      return true;
    case 0x69:
      unpack(2, true, n);
      return true;
    case 0x6a:
      unpack(4, true, n);
      return true;
    case 0x6d:
      unpack(8, true, n);
      return true;
    case 0x63:
    case 0x67:
      for (let i = 0; i < n; i++) {
        const v = i < w ? as16[i]! : bs16[i - w]!;
        T[i] = opc === 0x63 ? sat8s(v) & 0xff : sat8u(v);
      }
      for (let i = 0; i < n; i++) DA[i] = T[i]!;
      return true;
    case 0x6b:
      for (let i = 0; i < d * 2; i++) {
        const v = i < d ? as32[i]! : bs32[i - d]!;
        t16[i] = sat16s(v) & 0xffff;
      }
      for (let i = 0; i < n; i++) DA[i] = T[i]!;
      return true;
    case 0x64:
      for (let i = 0; i < n; i++) DA[i] = as8[i]! > bs8[i]! ? 0xff : 0;
      return true;
    case 0x65:
      for (let i = 0; i < w; i++) a16[i] = as16[i]! > bs16[i]! ? 0xffff : 0;
      return true;
    case 0x66:
      for (let i = 0; i < d; i++) a32[i] = as32[i]! > bs32[i]! ? 0xffffffff : 0;
      return true;
    case 0x74:
      for (let i = 0; i < n; i++) DA[i] = DA[i] === SB[i] ? 0xff : 0;
      return true;
    case 0x75:
      for (let i = 0; i < w; i++) a16[i] = a16[i] === b16[i] ? 0xffff : 0;
      return true;
    case 0x76:
      for (let i = 0; i < d; i++) a32[i] = a32[i] === b32[i] ? 0xffffffff : 0;
      return true;
    case 0xd1:
      shiftLanes(0, 16, shiftCount(), n);
      return true;
    case 0xd2:
      shiftLanes(0, 32, shiftCount(), n);
      return true;
    case 0xd3:
      shiftLanes(0, 64, shiftCount(), n);
      return true;
    case 0xe1:
      shiftLanes(1, 16, shiftCount(), n);
      return true;
    case 0xe2:
      shiftLanes(1, 32, shiftCount(), n);
      return true;
    case 0xf1:
      shiftLanes(2, 16, shiftCount(), n);
      return true;
    case 0xf2:
      shiftLanes(2, 32, shiftCount(), n);
      return true;
    case 0xf3:
      shiftLanes(2, 64, shiftCount(), n);
      return true;
    case 0xd4:
    case 0xfb:
      for (let q = 0; q < n / 8; q++) {
        const sub = opc === 0xfb;
        const lo = sub ? a32[2 * q]! - b32[2 * q]! : a32[2 * q]! + b32[2 * q]!;
        const carry = sub ? (lo < 0 ? -1 : 0) : lo >= 4294967296 ? 1 : 0;
        a32[2 * q + 1] = (sub ? a32[2 * q + 1]! - b32[2 * q + 1]! : a32[2 * q + 1]! + b32[2 * q + 1]!) + carry;
        a32[2 * q] = lo;
      }
      return true;
    case 0xd5:
      for (let i = 0; i < w; i++) a16[i] = Math.imul(as16[i]!, bs16[i]!) & 0xffff;
      return true;
    case 0xe5:
      for (let i = 0; i < w; i++) a16[i] = (as16[i]! * bs16[i]!) >> 16;
      return true;
    case 0xe4:
      for (let i = 0; i < w; i++) a16[i] = (a16[i]! * b16[i]!) >>> 16;
      return true;
    case 0xf4:
      for (let q = 0; q < n / 8; q++) {
        mul32(a32[2 * q]!, b32[2 * q]!);
        a32[2 * q] = prod.lo;
        a32[2 * q + 1] = prod.hi;
      }
      return true;
    case 0xf5:
      for (let i = 0; i < d; i++) {
        as32[i] = as16[2 * i]! * bs16[2 * i]! + as16[2 * i + 1]! * bs16[2 * i + 1]!;
      }
      return true;
    case 0xf6:
      for (let q = 0; q < n / 8; q++) {
        let sum = 0;
        for (let k = 0; k < 8; k++) sum += Math.abs(DA[8 * q + k]! - SB[8 * q + k]!);
        a32[2 * q] = sum;
        a32[2 * q + 1] = 0;
      }
      return true;
    case 0xe0:
      for (let i = 0; i < n; i++) DA[i] = (DA[i]! + SB[i]! + 1) >>> 1;
      return true;
    case 0xe3:
      for (let i = 0; i < w; i++) a16[i] = (a16[i]! + b16[i]! + 1) >>> 1;
      return true;
    case 0xda:
      for (let i = 0; i < n; i++) DA[i] = Math.min(DA[i]!, SB[i]!);
      return true;
    case 0xde:
      for (let i = 0; i < n; i++) DA[i] = Math.max(DA[i]!, SB[i]!);
      return true;
    case 0xea:
      for (let i = 0; i < w; i++) as16[i] = Math.min(as16[i]!, bs16[i]!);
      return true;
    case 0xee:
      for (let i = 0; i < w; i++) as16[i] = Math.max(as16[i]!, bs16[i]!);
      return true;
    case 0xd8:
      for (let i = 0; i < n; i++) DA[i] = sat8u(DA[i]! - SB[i]!);
      return true;
    case 0xd9:
      for (let i = 0; i < w; i++) a16[i] = sat16u(a16[i]! - b16[i]!);
      return true;
    case 0xdc:
      for (let i = 0; i < n; i++) DA[i] = sat8u(DA[i]! + SB[i]!);
      return true;
    case 0xdd:
      for (let i = 0; i < w; i++) a16[i] = sat16u(a16[i]! + b16[i]!);
      return true;
    case 0xe8:
      for (let i = 0; i < n; i++) as8[i] = sat8s(as8[i]! - bs8[i]!);
      return true;
    case 0xe9:
      for (let i = 0; i < w; i++) as16[i] = sat16s(as16[i]! - bs16[i]!);
      return true;
    case 0xec:
      for (let i = 0; i < n; i++) as8[i] = sat8s(as8[i]! + bs8[i]!);
      return true;
    case 0xed:
      for (let i = 0; i < w; i++) as16[i] = sat16s(as16[i]! + bs16[i]!);
      return true;
    case 0xf8:
      for (let i = 0; i < n; i++) DA[i] = DA[i]! - SB[i]!;
      return true;
    case 0xf9:
      for (let i = 0; i < w; i++) a16[i] = a16[i]! - b16[i]!;
      return true;
    case 0xfa:
      for (let i = 0; i < d; i++) a32[i] = a32[i]! - b32[i]!;
      return true;
    case 0xfc:
      for (let i = 0; i < n; i++) DA[i] = DA[i]! + SB[i]!;
      return true;
    case 0xfd:
      for (let i = 0; i < w; i++) a16[i] = a16[i]! + b16[i]!;
      return true;
    case 0xfe:
      for (let i = 0; i < d; i++) a32[i] = a32[i]! + b32[i]!;
      return true;
    case 0x54:
    case 0xdb:
      for (let i = 0; i < d; i++) a32[i] = a32[i]! & b32[i]!;
      return true;
    case 0x55:
    case 0xdf:
      for (let i = 0; i < d; i++) a32[i] = ~a32[i]! & b32[i]!;
      return true;
    case 0x56:
    case 0xeb:
      for (let i = 0; i < d; i++) a32[i] = a32[i]! | b32[i]!;
      return true;
    case 0x57:
    case 0xef:
      for (let i = 0; i < d; i++) a32[i] = a32[i]! ^ b32[i]!;
      return true;
    default:
      return false;
  }
}

/** PSHUFW/PSHUFD (element size 2 or 4 over n bytes) and PSHUFLW/PSHUFHW (words of one half): DA ← shuffled SB. */
export function shuffle(kind: number, imm: number): void {
  // kind 0 PSHUFW (4 words), 1 PSHUFD (4 dwords), 2 PSHUFLW, 3 PSHUFHW
  T.set(SB);
  if (kind === 1) {
    for (let i = 0; i < 4; i++) a32[i] = t32[(imm >>> (2 * i)) & 3]!;
    return;
  }
  const base = kind === 3 ? 4 : 0;
  if (kind >= 2) DA.set(SB);
  for (let i = 0; i < 4; i++) a16[base + i] = t16[base + ((imm >>> (2 * i)) & 3)]!;
}
