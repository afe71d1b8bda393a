/**
 * Generators for MUL and IMUL in all forms (one-operand F6/F7, two-operand 0F AF, three-operand
 * 69/6B) and for DIV/IDIV, including quotient overflow and division by zero (#DE).
 */
import { CF, EAX, EDX, OF, STATUS } from './layout.test-util.js';
import { imm, osize, sizeMask, type SequenceBuilder, type Size } from './sequence.test-util.js';

const MUL_UNDEF = STATUS & ~(CF | OF);

function pickSize(b: SequenceBuilder): Size {
  return b.rng.pick<Size>([8, 16, 32]);
}

/** One multiplication in a random form. */
export function multiply(b: SequenceBuilder): void {
  const rng = b.rng;
  const form = rng.int(4);
  if (form === 0) {
    const size = pickSize(b);
    const signed = rng.chance(0.5);
    b.setReg(EAX, rng.interesting());
    b.setReg(EDX, rng.interesting());
    b.writes(EAX);
    b.writes(EDX);
    const field = signed ? 5 : 4;
    const w = size === 8 ? 0 : 1;
    const bytes = rng.chance(0.5) ? b.memOperand(field, b.target(size / 8)) : [0xc0 | (field << 3) | b.srcReg()];
    b.instr(`${signed ? 'imul' : 'mul'}${size} r/m`, [...osize(size), 0xf6 + w, ...bytes], { sets: CF | OF, undef: MUL_UNDEF });
    return;
  }
  const size = rng.pick<Size>([16, 32]);
  const dest = b.destReg(size);
  const src = rng.chance(0.5) ? b.memOperand(dest, b.target(size / 8)) : [0xc0 | (dest << 3) | b.srcReg()];
  if (form === 1) b.instr(`imul${size} r${dest}, r/m`, [...osize(size), 0x0f, 0xaf, ...src], { sets: CF | OF, undef: MUL_UNDEF });
  else if (form === 2) b.instr(`imul${size} r${dest}, r/m, imm8`, [...osize(size), 0x6b, ...src, rng.interesting() & 0xff], { sets: CF | OF, undef: MUL_UNDEF });
  else b.instr(`imul${size} r${dest}, r/m, imm`, [...osize(size), 0x69, ...src, ...imm(size, rng.interesting())], { sets: CF | OF, undef: MUL_UNDEF });
}

/** One DIV or IDIV; the dividend usually chosen so the quotient fits, sometimes not, sometimes /0. */
export function divide(b: SequenceBuilder): void {
  const rng = b.rng;
  const size = pickSize(b);
  const signed = rng.chance(0.5);
  const field = signed ? 7 : 6;
  const w = size === 8 ? 0 : 1;
  const mask = sizeMask(size);
  // The divisor: a register (not EAX/EDX, which hold the dividend) or memory, value chosen.
  let divisor = rng.chance(0.05) ? 0 : rng.interesting() & mask;
  if (divisor === 0 && rng.chance(0.5)) divisor = 1 + rng.int(mask);
  b.setReg(EAX, rng.interesting());
  b.setReg(EDX, rng.interesting());
  b.writes(EAX);
  b.writes(EDX);
  let operand: number[];
  if (rng.chance(0.5)) {
    const addr = b.scratchAddress(4);
    b.poke32(addr, (rng.u32() & ~mask) | divisor);
    operand = b.memOperand(field, addr);
  } else {
    let r: number;
    do r = rng.int(8);
    while (r === 4 || (size === 8 ? (r & 3) === EAX : r === EAX || r === EDX) || b.isAssigned(size === 8 ? r & 3 : r));
    const full = size === 8 ? r & 3 : r;
    const cur = b.isAssigned(full) ? b.regs[full]! : rng.u32();
    b.setReg(full, size === 8 && r >= 4 ? (cur & ~0xff00) | (divisor << 8) : (cur & ~mask) | divisor);
    operand = [0xc0 | (field << 3) | r];
  }
  // A dividend whose quotient fits most of the time: high part below the divisor (by magnitude).
  if (rng.chance(0.7) && divisor !== 0) {
    const q = rng.u32() & mask;
    const high = divisor > 1 ? rng.int(Math.min(divisor, 0x7fffffff)) & (mask >>> 1) : 0;
    if (size === 8) b.setReg(EAX, (b.regs[EAX]! & 0xffff0000) | ((high & 0x7f) << 8) | (q & 0xff));
    else if (size === 16) {
      b.setReg(EAX, (b.regs[EAX]! & 0xffff0000) | (q & 0xffff));
      b.setReg(EDX, (b.regs[EDX]! & 0xffff0000) | (high & 0x7fff));
    } else {
      b.setReg(EAX, q);
      b.setReg(EDX, high);
    }
  }
  b.instr(`${signed ? 'idiv' : 'div'}${size} ${divisor === 0 ? '(by zero)' : ''}`, [...osize(size), 0xf6 + w, ...operand], { undef: STATUS });
}

/** One MUL/IMUL, preceded sometimes by an ALU-free setup (a single instruction per sequence). */
export function mulSequence(b: SequenceBuilder): void {
  multiply(b);
}

/** One DIV/IDIV per sequence. */
export function divSequence(b: SequenceBuilder): void {
  divide(b);
}
