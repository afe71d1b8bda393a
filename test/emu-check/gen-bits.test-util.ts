/**
 * Generators for the bit instructions (BT BTS BTR BTC with register and imm8 offsets, including
 * bit-string offsets that reach outside the addressed operand; BSF/BSR with a zero source, whose
 * destination the SDM leaves undefined) and the moves that widen or reorder (MOVZX MOVSX BSWAP).
 */
import { AF, CF, DATA_BASE, OF, PF, SF, STATUS, ZF } from './layout.test-util.js';
import { osize, sizeMask, type SequenceBuilder, type Size } from './sequence.test-util.js';

const BT_UNDEF = OF | SF | AF | PF;

/** One BT/BTS/BTR/BTC, register or memory operand, register or immediate bit offset. */
export function bitTest(b: SequenceBuilder): void {
  const rng = b.rng;
  const size = rng.pick<Size>([16, 32]);
  const op = rng.int(4); // BT BTS BTR BTC
  const names = ['bt', 'bts', 'btr', 'btc'];
  const useImm = rng.chance(0.4);
  const mem = rng.chance(0.6);
  const fx = { sets: CF, undef: BT_UNDEF };
  if (useImm) {
    const bit = rng.chance(0.5) ? rng.int(256) : rng.pick([0, 1, size - 1, size, size + 1, 31, 32, 255]);
    const field = 4 + op;
    if (mem) {
      const lock = op > 0 && rng.chance(0.15) ? [0xf0] : op === 0 && rng.chance(0.02) ? [0xf0] : [];
      b.instr(`${names[op]}${size} [mem], ${bit}`, [...lock, ...osize(size), 0x0f, 0xba, ...b.memOperand(field, b.target(size / 8)), bit], fx);
    } else {
      const r = op === 0 ? b.srcReg() : b.destReg(size);
      b.instr(`${names[op]}${size} r${r}, ${bit}`, [...osize(size), 0x0f, 0xba, 0xc0 | (field << 3) | r, bit], fx);
    }
    return;
  }
  const code = [0xa3, 0xab, 0xb3, 0xbb][op]!;
  // The offset register: chosen first (so it is no address base), small signed for memory forms.
  let off: number;
  do off = rng.int(8);
  while (off === 4 || b.isAssigned(off));
  const small = rng.range(-300, 300);
  b.setReg(off, mem ? (size === 16 ? (rng.u32() & 0xffff0000) | (small & 0xffff) : small) >>> 0 : rng.interesting());
  if (mem) {
    const addr = DATA_BASE + 0x200 + rng.int(0xc00);
    const lock = op > 0 && rng.chance(0.15) ? [0xf0] : [];
    b.instr(`${names[op]}${size} [mem], r${off}`, [...lock, ...osize(size), 0x0f, code, ...b.memOperand(off, addr)], fx);
  } else {
    const r = op === 0 ? b.srcReg() : b.destReg(size);
    b.instr(`${names[op]}${size} r${r}, r${off}`, [...osize(size), 0x0f, code, 0xc0 | (off << 3) | r], fx);
  }
}

/** One BSF/BSR; with a zero source the destination is masked (undefined on Intel). */
export function bitScan(b: SequenceBuilder): void {
  const rng = b.rng;
  const size = rng.pick<Size>([16, 32]);
  const reverse = rng.chance(0.5);
  const dest = b.destReg(size);
  const zero = rng.chance(0.25);
  let source: number;
  let operand: number[];
  if (rng.chance(0.5)) {
    const addr = b.scratchAddress(4);
    const value = zero ? 0 : rng.interesting();
    b.poke32(addr, value);
    source = value & sizeMask(size);
    operand = b.memOperand(dest, addr);
  } else {
    let r: number;
    do r = rng.int(8);
    while (r === 4 || (b.isAssigned(r) && r !== dest));
    if (!b.isAssigned(r)) b.setReg(r, zero ? rng.u32() & ~sizeMask(size) : rng.interesting());
    source = b.regs[r]! & sizeMask(size);
    operand = [0xc0 | (dest << 3) | r];
  }
  if (source === 0) b.regMask[dest] = sizeMask(size);
  b.instr(`${reverse ? 'bsr' : 'bsf'}${size} r${dest}, ${source === 0 ? '0' : 'nonzero'}`, [...osize(size), 0x0f, reverse ? 0xbd : 0xbc, ...operand], { sets: ZF, undef: STATUS & ~ZF });
}

/** MOVZX/MOVSX from 8 or 16 bits, or BSWAP (the 16-bit form's result is undefined: masked). */
export function widenOrSwap(b: SequenceBuilder): void {
  const rng = b.rng;
  if (rng.chance(0.25)) {
    const r = b.destReg(32);
    if (rng.chance(0.1)) {
      b.regMask[r] = 0xffff;
      b.instr(`bswap16 r${r} (undefined)`, [0x66, 0x0f, 0xc8 + r]);
    } else b.instr(`bswap r${r}`, [0x0f, 0xc8 + r]);
    return;
  }
  const size = rng.pick<Size>([16, 32]);
  const from = rng.chance(0.5) ? 8 : 16;
  const signed = rng.chance(0.5);
  const dest = b.destReg(size);
  const code = (signed ? 0xbe : 0xb6) + (from === 16 ? 1 : 0);
  const operand = rng.chance(0.5) ? b.memOperand(dest, b.target(from / 8)) : [0xc0 | (dest << 3) | b.srcReg()];
  b.instr(`mov${signed ? 'sx' : 'zx'}${size} r${dest}, ${from}-bit`, [...osize(size), 0x0f, code, ...operand]);
}

/** One BT-family instruction per sequence. */
export function bitTestSequence(b: SequenceBuilder): void {
  bitTest(b);
}

/** One BSF/BSR per sequence. */
export function bitScanSequence(b: SequenceBuilder): void {
  bitScan(b);
}

/** 1..6 MOVZX/MOVSX/BSWAP (a masked BSWAP16 ends the sequence). */
export function widenSequence(b: SequenceBuilder): void {
  const n = b.rng.range(1, 6);
  for (let i = 0; i < n; i++) {
    widenOrSwap(b);
    if (b.regMask.some((m) => m !== 0)) return;
  }
}
