/**
 * Generators for the condition-code consumers: SETcc, CMOVcc (register and memory: the load
 * happens, and may fault, whatever the condition), Jcc rel8/rel32, JMP, JECXZ/JCXZ and
 * LOOP/LOOPE/LOOPNE, all jumping forward over random instructions, mixed with ALU instructions
 * that produce the flags.
 */
import { CF, ECX, OF, PF, SF, ZF } from './layout.test-util.js';
import { aluInstruction, incDecNegNot } from './gen-alu.test-util.js';
import { imm, osize, type SequenceBuilder, type Size } from './sequence.test-util.js';

/** The flags condition `cc` (0..15) reads. */
export function conditionReads(cc: number): number {
  return [OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF][cc]!;
}

function setcc(b: SequenceBuilder): void {
  const cc = b.rng.int(16);
  const operand = b.rng.chance(0.4) ? b.memOperand(0, b.target(1)) : [0xc0 | b.destReg(8)];
  b.instr(`set${cc.toString(16)}`, [0x0f, 0x90 + cc, ...operand], { reads: conditionReads(cc) });
}

function cmovcc(b: SequenceBuilder): void {
  const cc = b.rng.int(16);
  const size = b.rng.pick<Size>([16, 32]);
  const dest = b.destReg(size);
  const operand = b.rng.chance(0.4) ? b.memOperand(dest, b.target(size / 8, 0.05)) : [0xc0 | (dest << 3) | b.srcReg()];
  b.instr(`cmov${cc.toString(16)}${size} r${dest}`, [...osize(size), 0x0f, 0x40 + cc, ...operand], { reads: conditionReads(cc) });
}

/** A forward branch over 0..3 random instructions; flags undefined on either path stay undefined. */
function branch(b: SequenceBuilder): void {
  const rng = b.rng;
  const kind = rng.int(10);
  const cc = rng.int(16);
  let head: number[];
  let reads = 0;
  let rel32 = false;
  let text: string;
  if (kind <= 4) {
    rel32 = kind >= 3;
    head = rel32 ? [0x0f, 0x80 + cc] : [0x70 + cc];
    reads = conditionReads(cc);
    text = `j${cc.toString(16)}${rel32 ? ' rel32' : ''}`;
  } else if (kind === 5) {
    rel32 = rng.chance(0.5);
    head = rel32 ? [0xe9] : [0xeb];
    text = 'jmp';
  } else if (kind === 6) {
    head = rng.chance(0.2) ? [0x67, 0xe3] : [0xe3];
    text = head.length === 2 ? 'jcxz' : 'jecxz';
    if (!b.isAssigned(ECX) && !b.pinned.has(ECX)) b.setReg(ECX, rng.chance(0.5) ? rng.pick([0, 0x10000, 0xffff0000]) : rng.interesting());
  } else {
    if (b.pinned.has(ECX)) return;
    const which = rng.int(3); // LOOPNE, LOOPE, LOOP
    head = [...(rng.chance(0.15) ? [0x67] : []), 0xe0 + which];
    reads = which < 2 ? ZF : 0;
    b.writes(ECX);
    if (!b.isAssigned(ECX)) b.setReg(ECX, rng.chance(0.5) ? rng.pick([1, 2, 0, 0x10001]) : rng.interesting());
    text = ['loopne', 'loope', 'loop'][which]!;
  }
  if (reads & b.undef) b.defineFlags();
  const before = b.undef;
  const at = b.bytes.length + head.length;
  b.instr(text, [...head, ...(rel32 ? imm(32, 0) : [0])], {});
  const start = b.bytes.length;
  const n = rng.int(4);
  for (let i = 0; i < n; i++) body(b);
  const dist = b.bytes.length - start;
  if (!rel32 && dist > 127) throw new Error('branch body too long for rel8');
  if (rel32) for (let i = 0; i < 4; i++) b.bytes[at + i] = (dist >>> (8 * i)) & 0xff;
  else b.bytes[at] = dist;
  b.undef |= before;
}

function body(b: SequenceBuilder): void {
  const k = b.rng.int(5);
  if (k === 0) incDecNegNot(b);
  else if (k === 1) setcc(b);
  else if (k === 2) cmovcc(b);
  else aluInstruction(b);
}

/** A sequence of 2..8 instructions mixing flag producers with SETcc, CMOVcc and branches. */
export function conditionSequence(b: SequenceBuilder): void {
  const n = b.rng.range(2, 8);
  for (let i = 0; i < n; i++) {
    const k = b.rng.int(6);
    if (k === 0) setcc(b);
    else if (k === 1) cmovcc(b);
    else if (k <= 3) branch(b);
    else aluInstruction(b);
  }
}
