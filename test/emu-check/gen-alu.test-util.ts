/**
 * Generators for the two-operand ALU instructions (ADD OR ADC SBB AND SUB XOR CMP TEST) in all
 * their reg/reg, reg/mem, mem/reg and immediate forms at 8, 16 and 32 bits, with LOCK on memory
 * destinations (and the #UD forms of LOCK), and for INC/DEC/NEG/NOT.
 */
import { AF, CF, OF, PF, SF, STATUS, ZF } from './layout.test-util.js';
import { imm, osize, type SequenceBuilder, type Size } from './sequence.test-util.js';

const ALU_NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const LOGIC_SETS = CF | OF | SF | ZF | PF;

/** The flag effect of ALU operation `op` (0..7, the ModRM.reg of group 1). */
function aluEffect(op: number): { reads: number; sets: number; undef: number } {
  const logic = op === 1 || op === 4 || op === 6;
  return { reads: op === 2 || op === 3 ? CF : 0, sets: logic ? LOGIC_SETS : STATUS, undef: logic ? AF : 0 };
}

function pickSize(b: SequenceBuilder): Size {
  return b.rng.pick<Size>([8, 16, 32]);
}

/**
 * Sometimes a segment override on a memory operand: DS, SS, ES (flat, same result), CS (reads
 * fine, writes #GP: the code segment is not writable), FS and GS (null here: #GP).
 */
export function segmentOverride(b: SequenceBuilder): number[] {
  if (!b.rng.chance(0.12)) return [];
  return [b.rng.pick([0x3e, 0x36, 0x26, 0x3e, 0x36, 0x26, 0x2e, 0x64, 0x65])];
}

/** A LOCK prefix on a memory destination (sometimes), or rarely on a form where it is #UD. */
function lockFor(b: SequenceBuilder, memDest: boolean, writes: boolean): number[] {
  if (memDest && writes) return b.rng.chance(0.15) ? [0xf0] : [];
  return b.rng.chance(0.01) ? [0xf0] : [];
}

/** One ALU instruction in a random form. */
export function aluInstruction(b: SequenceBuilder): void {
  const rng = b.rng;
  const size = pickSize(b);
  const w = size === 8 ? 0 : 1;
  const test = rng.chance(0.12);
  const op = test ? -1 : rng.int(8);
  const writes = op !== 7 && op !== -1;
  const name = test ? 'test' : ALU_NAMES[op]!;
  const fx = test ? { sets: LOGIC_SETS, undef: AF } : aluEffect(op);
  const bytesOfImm = size === 8 ? 8 : size;
  const form = rng.int(4);
  const opsz = osize(size);
  if (form === 0 || (form === 1 && test)) {
    // r/m, reg (ModRM.rm is the destination)
    const mem = rng.chance(0.5);
    const code = test ? 0x84 + w : op * 8 + w;
    const reg = b.srcReg();
    if (mem) {
      const t = b.target(size / 8);
      const lock = lockFor(b, true, writes);
      b.instr(`${name}${size} [mem], r${reg}`, [...lock, ...segmentOverride(b), ...opsz, code, ...b.memOperand(reg, t)], fx);
    } else {
      const rm = writes ? b.destReg(size) : b.srcReg();
      b.instr(`${name}${size} r${rm}, r${reg}`, [...lockFor(b, false, writes), ...opsz, code, 0xc0 | (reg << 3) | rm], fx);
    }
  } else if (form === 1) {
    // reg, r/m (ModRM.reg is the destination)
    const reg = writes ? b.destReg(size) : b.srcReg();
    const code = op * 8 + 2 + w;
    if (rng.chance(0.5)) {
      const t = b.target(size / 8);
      b.instr(`${name}${size} r${reg}, [mem]`, [...lockFor(b, false, writes), ...opsz, ...segmentOverride(b), code, ...b.memOperand(reg, t)], fx);
    } else {
      b.instr(`${name}${size} r${reg}, r`, [...opsz, code, 0xc0 | (reg << 3) | b.srcReg()], fx);
    }
  } else if (form === 2) {
    // AL/AX/EAX, imm
    if (writes && b.pinned.has(0)) return;
    if (writes) b.writes(0);
    const code = test ? 0xa8 + w : op * 8 + 4 + w;
    b.instr(`${name}${size} acc, imm`, [...opsz, code, ...imm(bytesOfImm as Size, rng.interesting())], fx);
  } else {
    // group 1: 80/81/83 (and 82, the 8-bit alias valid outside 64-bit mode), or F6/F7 /0 for TEST
    let code: number;
    let immBytes: number[];
    if (test) {
      code = 0xf6 + w;
      immBytes = imm(bytesOfImm as Size, rng.interesting());
    } else if (size === 8) {
      code = rng.chance(0.2) ? 0x82 : 0x80;
      immBytes = [rng.interesting() & 0xff];
    } else if (rng.chance(0.5)) {
      code = 0x83;
      immBytes = [rng.interesting() & 0xff];
    } else {
      code = 0x81;
      immBytes = imm(size, rng.interesting());
    }
    const field = test ? 0 : op;
    if (rng.chance(0.5)) {
      const t = b.target(size / 8);
      const lock = lockFor(b, true, writes);
      b.instr(`${name}${size} [mem], imm (${code.toString(16)})`, [...lock, ...opsz, code, ...b.memOperand(field, t), ...immBytes], fx);
    } else {
      const rm = writes ? b.destReg(size) : b.srcReg();
      b.instr(`${name}${size} r${rm}, imm (${code.toString(16)})`, [...opsz, code, 0xc0 | (field << 3) | rm, ...immBytes], fx);
    }
  }
}

/** One INC, DEC, NEG or NOT in a random form. */
export function incDecNegNot(b: SequenceBuilder): void {
  const rng = b.rng;
  const size = pickSize(b);
  const w = size === 8 ? 0 : 1;
  const kind = rng.int(4);
  const name = ['inc', 'dec', 'not', 'neg'][kind]!;
  const fx = kind < 2 ? { sets: OF | SF | ZF | AF | PF } : kind === 3 ? { sets: STATUS } : {};
  const opsz = osize(size);
  if (kind < 2 && size !== 8 && rng.chance(0.4)) {
    const r = b.destReg(size);
    b.instr(`${name}${size} r${r} (short form)`, [...opsz, 0x40 + kind * 8 + r], fx);
    return;
  }
  const code = kind < 2 ? 0xfe + w : 0xf6 + w;
  const field = kind < 2 ? kind : kind;
  if (rng.chance(0.5)) {
    const t = b.target(size / 8);
    const lock = rng.chance(0.15) ? [0xf0] : [];
    b.instr(`${name}${size} [mem]`, [...lock, ...opsz, code, ...b.memOperand(field, t)], fx);
  } else {
    const r = b.destReg(size);
    b.instr(`${name}${size} r${r}`, [...opsz, code, 0xc0 | (field << 3) | r], fx);
  }
}

/** A sequence of 1..6 ALU instructions. */
export function aluSequence(b: SequenceBuilder): void {
  const n = b.rng.range(1, 6);
  for (let i = 0; i < n; i++) aluInstruction(b);
}

/** A sequence of 1..6 INC/DEC/NEG/NOT, sometimes mixed with an ALU instruction. */
export function incDecSequence(b: SequenceBuilder): void {
  const n = b.rng.range(1, 6);
  for (let i = 0; i < n; i++) {
    if (b.rng.chance(0.2)) aluInstruction(b);
    else incDecNegNot(b);
  }
}
