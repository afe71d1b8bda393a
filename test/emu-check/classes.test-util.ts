/**
 * The instruction classes the real-CPU comparison covers, and how their cases are generated from
 * a base seed (each case from its own seed, so any one case replays alone).
 */
import { Rng, mix32 } from './rng.test-util.js';
import { SequenceBuilder } from './sequence.test-util.js';
import type { Case } from './layout.test-util.js';
import { aluSequence, incDecSequence } from './gen-alu.test-util.js';
import { bcdSequence, miscSequence } from './gen-bcd.test-util.js';
import { bitScanSequence, bitTestSequence, widenSequence } from './gen-bits.test-util.js';
import { conditionSequence } from './gen-cond.test-util.js';
import { leaSequence } from './gen-lea.test-util.js';
import { moveSequence } from './gen-mov.test-util.js';
import { divSequence, mulSequence } from './gen-muldiv.test-util.js';
import { doubleShift, shiftRotate } from './gen-shift.test-util.js';
import { alignmentSequence, stackSequence } from './gen-stack.test-util.js';
import { stringSequence } from './gen-string.test-util.js';
import { exchangeSequence } from './gen-xchg.test-util.js';

/** One instruction class: a name and a generator that appends one sequence to a builder. */
export interface InstructionClass {
  readonly name: string;
  /** What it covers, for test names. */
  readonly covers: string;
  readonly generate: (b: SequenceBuilder) => void;
}

/** Every class, in the order the tests run them. */
export const CLASSES: readonly InstructionClass[] = [
  { name: 'alu', covers: 'ADD OR ADC SBB AND SUB XOR CMP TEST, reg/reg reg/mem mem/reg imm, 8/16/32-bit, LOCK', generate: aluSequence },
  { name: 'mov', covers: 'MOV (88-8B, C6/C7, B0-BF, moffs, from Sreg), NOP r/m, segment overrides', generate: moveSequence },
  { name: 'incdec', covers: 'INC DEC NEG NOT (short and ModRM forms, 8/16/32-bit, LOCK)', generate: incDecSequence },
  { name: 'shift', covers: 'ROL ROR RCL RCR SHL SHR SAR by 1, CL and imm8, counts 0..255', generate: shiftRotate },
  { name: 'shld', covers: 'SHLD SHRD by imm8 and CL, 16/32-bit, counts past the operand size', generate: doubleShift },
  { name: 'mul', covers: 'MUL IMUL (F6/F7, 0F AF, 69, 6B), 8/16/32-bit', generate: mulSequence },
  { name: 'div', covers: 'DIV IDIV 8/16/32-bit, quotient overflow and #DE', generate: divSequence },
  { name: 'bcd', covers: 'DAA DAS AAA AAS AAM AAD (AAM 0: #DE)', generate: bcdSequence },
  { name: 'misc', covers: 'CBW CWDE CWD CDQ LAHF SAHF CLC STC CMC CLD STD XLAT with ALU', generate: miscSequence },
  { name: 'bittest', covers: 'BT BTS BTR BTC reg/mem, reg/imm8 offsets, LOCK', generate: bitTestSequence },
  { name: 'bitscan', covers: 'BSF BSR 16/32-bit, zero sources', generate: bitScanSequence },
  { name: 'widen', covers: 'MOVZX MOVSX BSWAP', generate: widenSequence },
  { name: 'cond', covers: 'SETcc CMOVcc Jcc JMP JECXZ LOOPcc with ALU', generate: conditionSequence },
  { name: 'string', covers: 'MOVS CMPS STOS LODS SCAS, REP/REPE/REPNE, both directions, overrides, #PF part-way', generate: stringSequence },
  { name: 'xchg', covers: 'XCHG XADD CMPXCHG CMPXCHG8B, LOCK', generate: exchangeSequence },
  { name: 'stack', covers: 'PUSH POP (reg imm mem sreg) PUSHF POPF PUSHA POPA ENTER LEAVE, 16/32-bit', generate: stackSequence },
  { name: 'align', covers: 'EFLAGS.AC set by POPF at CPL 3: #AC on misaligned stack and data accesses', generate: alignmentSequence },
  { name: 'lea', covers: 'LEA in every 16/32-bit addressing form, 16-bit-address loads', generate: leaSequence },
];

function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The seed of case `index` of a class under a base seed. */
export function caseSeed(base: number, cls: string, index: number): number {
  return mix32((mix32(base ^ nameHash(cls)) + index) >>> 0);
}

/** Generates one case from its own seed. */
export function generateCase(cls: InstructionClass, seed: number): Case {
  const b = new SequenceBuilder(new Rng(seed), cls.name, seed);
  cls.generate(b);
  return b.finish();
}

/** Generates `count` cases of a class (or only the case with seed `only`). */
export function generateCases(cls: InstructionClass, base: number, count: number, only?: number): Case[] {
  if (only !== undefined) return [generateCase(cls, only)];
  const out: Case[] = [];
  for (let i = 0; i < count; i++) out.push(generateCase(cls, caseSeed(base, cls.name, i)));
  return out;
}
