/**
 * Generators for the shifts and rotates (ROL ROR RCL RCR SHL SHR SAR by 1, CL and imm8, counts 0,
 * 1, up to and past the operand size) and for SHLD/SHRD, one instruction per sequence so that the
 * SDM's count-dependent undefined flags and results can be masked exactly.
 */
import { AF, CF, ECX, OF, PF, SF, STATUS, ZF } from './layout.test-util.js';
import { osize, sizeMask, type SequenceBuilder, type Size } from './sequence.test-util.js';

const NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];

function count(b: SequenceBuilder, size: number): number {
  const rng = b.rng;
  return rng.chance(0.7)
    ? rng.pick([0, 1, 2, 3, size - 1, size, size + 1, 8, 9, 15, 16, 17, 31, 32, 33, 63, 0x80, 0xff, 0xe1])
    : rng.int(256);
}

/** Destination of a one-operand r/m instruction: a writable register or memory; ModRM bytes. */
function rmOperand(b: SequenceBuilder, field: number, size: Size): { bytes: number[]; reg: number; addr: number } {
  if (b.rng.chance(0.5)) {
    const addr = b.target(size / 8);
    return { bytes: b.memOperand(field, addr), reg: -1, addr };
  }
  const reg = b.destReg(size);
  return { bytes: [0xc0 | (field << 3) | reg], reg, addr: -1 };
}

/** One shift or rotate with its count form and the flags the SDM leaves undefined for that count. */
export function shiftRotate(b: SequenceBuilder): void {
  const rng = b.rng;
  const size = rng.pick<Size>([8, 16, 32]);
  const op = rng.pick([0, 1, 2, 3, 4, 5, 7]);
  const form = rng.pick(['1', 'cl', 'imm'] as const);
  const n = form === '1' ? 1 : count(b, size);
  if (form === 'cl') b.setReg(ECX, (rng.u32() & ~0xff) | n);
  const w = size === 8 ? 0 : 1;
  const rm = rmOperand(b, op, size);
  const code = form === '1' ? 0xd0 + w : form === 'cl' ? 0xd2 + w : 0xc0 + w;
  const bytes = [...osize(size), code, ...rm.bytes, ...(form === 'imm' ? [n] : [])];
  const masked = n & 31;
  let fx: { sets?: number; undef?: number; reads?: number } = {};
  if (masked !== 0) {
    const ofUndef = masked === 1 ? 0 : OF;
    if (op < 4) fx = { sets: CF | (OF & ~ofUndef), undef: ofUndef };
    else {
      const cfUndef = (op === 4 || op === 5) && masked >= size ? CF : 0;
      fx = { sets: (STATUS & ~AF & ~ofUndef & ~cfUndef), undef: AF | ofUndef | cfUndef };
    }
  }
  b.instr(`${NAMES[op]}${size} ${rm.reg >= 0 ? `r${rm.reg}` : '[mem]'}, ${form === '1' ? 1 : form === 'cl' ? `cl=${n}` : n}`, bytes, fx);
}

/** One SHLD or SHRD (imm8 or CL), masking the result and flags when the count exceeds the operand size. */
export function doubleShift(b: SequenceBuilder): void {
  const rng = b.rng;
  const size = rng.pick<Size>([16, 32]);
  const right = rng.chance(0.5);
  const byCl = rng.chance(0.5);
  const n = count(b, size);
  if (byCl) b.setReg(ECX, (rng.u32() & ~0xff) | n);
  const src = b.srcReg();
  const rm = rmOperand(b, src, size);
  const code = (right ? 0xac : 0xa4) + (byCl ? 1 : 0);
  const bytes = [...osize(size), 0x0f, code, ...rm.bytes, ...(byCl ? [] : [n])];
  const masked = n & 31;
  let fx: { sets?: number; undef?: number } = {};
  if (masked > size) {
    fx = { undef: STATUS };
    if (rm.reg >= 0) b.regMask[rm.reg] = sizeMask(size);
    else b.maskMemory(rm.addr, size / 8);
  } else if (masked !== 0) {
    fx = { sets: CF | SF | ZF | PF | (masked === 1 ? OF : 0), undef: AF | (masked === 1 ? 0 : OF) };
  }
  b.instr(`${right ? 'shrd' : 'shld'}${size} ${rm.reg >= 0 ? `r${rm.reg}` : '[mem]'}, r${src}, ${byCl ? `cl=${n}` : n}`, bytes, fx);
}
