/**
 * Lazy arithmetic flags: ALU instructions record their operands and result; CF/PF/AF/ZF/SF/OF are
 * computed only when something reads them. The carry and overflow formulas hold with a carry or
 * borrow in, so ADC/SBB share the ADD/SUB records.
 */
import { AF, ARITH_FLAGS, CF, OF, PF, SF, ZF } from './constants.js';
import type { Core } from './core.js';

/** Lazy operation kinds. */
export const L_ADD = 0, L_SUB = 1, L_RESULT = 2;

/** Parity flag per low result byte (PF set when the number of one bits is even). */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let n = i, bits = 0;
  while (n) { bits += n & 1; n >>= 1; }
  PARITY[i] = bits & 1 ? 0 : PF;
}

function signBit(size: number): number {
  return size === 4 ? 0x80000000 : size === 2 ? 0x8000 : 0x80;
}

function lazyFlag(c: Core, flag: number): boolean {
  const a = c.lA, b = c.lB, r = c.lR, sign = signBit(c.lSize);
  switch (flag) {
    case CF:
      if (c.lOp === L_ADD) return (((a & b) | ((a | b) & ~r)) & sign) !== 0;
      return (((~a & b) | (~(a ^ b) & r)) & sign) !== 0;
    case OF:
      if (c.lOp === L_ADD) return (((a ^ r) & (b ^ r)) & sign) !== 0;
      return (((a ^ b) & (a ^ r)) & sign) !== 0;
    case AF:
      return ((a ^ b ^ r) & 0x10) !== 0;
    case ZF:
      return (r & (sign | (sign - 1))) === 0;
    case SF:
      return (r & sign) !== 0;
    default:
      return PARITY[r & 0xff] !== 0;
  }
}

/** Reads one arithmetic flag. */
export function getFlag(c: Core, flag: number): boolean {
  if (c.lMask & flag) return lazyFlag(c, flag);
  return (c.flags & flag) !== 0;
}

/** Carry flag as 0 or 1. */
export function carry(c: Core): number {
  if (c.lMask & CF) return lazyFlag(c, CF) ? 1 : 0;
  return c.flags & CF;
}

/** The full EFLAGS value with the lazy flags computed. */
export function getFlags(c: Core): number {
  let f = c.flags;
  const m = c.lMask;
  if (m) {
    f &= ~m;
    if (m & CF && lazyFlag(c, CF)) f |= CF;
    if (m & PF && lazyFlag(c, PF)) f |= PF;
    if (m & AF && lazyFlag(c, AF)) f |= AF;
    if (m & ZF && lazyFlag(c, ZF)) f |= ZF;
    if (m & SF && lazyFlag(c, SF)) f |= SF;
    if (m & OF && lazyFlag(c, OF)) f |= OF;
  }
  return f;
}

/** Makes every flag concrete in c.flags. */
export function materialize(c: Core): void {
  if (c.lMask) {
    c.flags = getFlags(c);
    c.lMask = 0;
  }
}

/** Sets or clears arithmetic flags eagerly (after materializing the rest). */
export function setFlagBits(c: Core, mask: number, values: number): void {
  materialize(c);
  c.flags = (c.flags & ~mask) | (values & mask);
}

/** Records an add-like result (ADD, ADC, INC with preserveCf). */
export function lazyAdd(c: Core, a: number, b: number, r: number, size: number): void {
  c.lOp = L_ADD; c.lA = a; c.lB = b; c.lR = r; c.lSize = size; c.lMask = ARITH_FLAGS;
}

/** Records a subtract-like result (SUB, SBB, CMP, NEG, DEC). */
export function lazySub(c: Core, a: number, b: number, r: number, size: number): void {
  c.lOp = L_SUB; c.lA = a; c.lB = b; c.lR = r; c.lSize = size; c.lMask = ARITH_FLAGS;
}

/** Records a result whose ZF/SF/PF follow from it while `fixed` (CF/OF/AF bits) are set eagerly to `values`. */
export function lazyResult(c: Core, r: number, size: number, fixed: number, values: number): void {
  c.flags = (c.flags & ~ARITH_FLAGS) | (values & fixed);
  c.lOp = L_RESULT; c.lR = r; c.lSize = size; c.lMask = ZF | SF | PF;
}

/** INC/DEC: like ADD/SUB of 1 but CF keeps its value. */
export function lazyIncDec(c: Core, a: number, r: number, size: number, dec: boolean): void {
  const cf = carry(c);
  c.flags = (c.flags & ~CF) | cf;
  c.lOp = dec ? L_SUB : L_ADD; c.lA = a; c.lB = 1; c.lR = r; c.lSize = size; c.lMask = ARITH_FLAGS & ~CF;
}

/** Evaluates condition code `cc` (0-15, the low nibble of Jcc/SETcc/CMOVcc). */
export function condition(c: Core, cc: number): boolean {
  let v: boolean;
  switch (cc >> 1) {
    case 0: v = getFlag(c, OF); break;
    case 1: v = getFlag(c, CF); break;
    case 2: v = getFlag(c, ZF); break;
    case 3: v = getFlag(c, CF) || getFlag(c, ZF); break;
    case 4: v = getFlag(c, SF); break;
    case 5: v = getFlag(c, PF); break;
    case 6: v = getFlag(c, SF) !== getFlag(c, OF); break;
    default: v = getFlag(c, ZF) || getFlag(c, SF) !== getFlag(c, OF); break;
  }
  return (cc & 1) ? !v : v;
}
