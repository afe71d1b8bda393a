/**
 * Generators for the BCD adjusts (DAA DAS AAA AAS AAM AAD, valid outside 64-bit mode) with AL, AH,
 * AF and CF across their adjust boundaries, and for the small flag and accumulator instructions
 * (CBW CWDE CWD CDQ LAHF SAHF CLC STC CMC CLD STD XLAT).
 */
import { AF, CF, EAX, EBX, EDX, OF, PF, SF, STATUS, ZF } from './layout.test-util.js';
import type { SequenceBuilder } from './sequence.test-util.js';
import { aluInstruction } from './gen-alu.test-util.js';

/** One BCD adjust on a chosen AX, with AF and CF random. */
export function bcdAdjust(b: SequenceBuilder): void {
  const rng = b.rng;
  const al = rng.chance(0.5) ? rng.int(256) : rng.pick([0x00, 0x09, 0x0a, 0x0f, 0x10, 0x19, 0x99, 0x9a, 0x9f, 0xa0, 0xf9, 0xfa, 0xff, 0x05, 0x06]);
  const ah = rng.chance(0.5) ? rng.int(256) : rng.pick([0, 1, 0x7f, 0x80, 0xff, 0x09]);
  b.setReg(EAX, (rng.u32() & 0xffff0000) | (ah << 8) | al);
  b.writes(EAX);
  const kind = rng.int(6);
  switch (kind) {
    case 0:
      b.instr('daa', [0x27], { reads: AF | CF, sets: STATUS & ~OF, undef: OF });
      break;
    case 1:
      b.instr('das', [0x2f], { reads: AF | CF, sets: STATUS & ~OF, undef: OF });
      break;
    case 2:
      b.instr('aaa', [0x37], { reads: AF, sets: AF | CF, undef: OF | SF | ZF | PF });
      break;
    case 3:
      b.instr('aas', [0x3f], { reads: AF, sets: AF | CF, undef: OF | SF | ZF | PF });
      break;
    case 4: {
      const base = rng.chance(0.7) ? 10 : rng.chance(0.1) ? 0 : rng.int(256);
      b.instr(`aam ${base}`, [0xd4, base], { sets: SF | ZF | PF, undef: OF | AF | CF });
      break;
    }
    default: {
      const base = rng.chance(0.7) ? 10 : rng.int(256);
      b.instr(`aad ${base}`, [0xd5, base], { sets: SF | ZF | PF, undef: OF | AF | CF });
    }
  }
}

/** One of the accumulator and flag instructions. */
export function flagOrAccumulator(b: SequenceBuilder): void {
  const rng = b.rng;
  const k = rng.int(12);
  if (k <= 5 && (b.pinned.has(EAX) || (k >= 2 && k <= 3 && b.pinned.has(EDX)))) return;
  switch (k) {
    case 0:
      b.writes(EAX);
      b.instr('cbw', [0x66, 0x98]);
      break;
    case 1:
      b.writes(EAX);
      b.instr('cwde', [0x98]);
      break;
    case 2:
      b.writes(EDX);
      b.instr('cwd', [0x66, 0x99]);
      break;
    case 3:
      b.writes(EDX);
      b.instr('cdq', [0x99]);
      break;
    case 4:
      b.writes(EAX);
      b.instr('lahf', [0x9f], { reads: SF | ZF | AF | PF | CF });
      break;
    case 5:
      b.writes(EAX);
      b.instr('mov ah, imm; sahf', [0xb4, rng.int(256), 0x9e], { sets: SF | ZF | AF | PF | CF });
      break;
    case 6:
      b.instr('clc', [0xf8], { sets: CF });
      break;
    case 7:
      b.instr('stc', [0xf9], { sets: CF });
      break;
    case 8:
      b.instr('cmc', [0xf5], { reads: CF, sets: CF });
      break;
    case 9:
      b.instr(rng.chance(0.5) ? 'cld' : 'std', [rng.chance(0.5) ? 0xfc : 0xfd]);
      break;
    case 10: {
      // XLAT: AL = [EBX + AL] (DS, or a segment override)
      if (b.pinned.has(EAX)) return;
      if (!b.pinned.has(EBX) && !b.isAssigned(EBX)) b.pin(EBX, b.scratchAddress(256) - (b.rng.chance(0.5) ? 0 : 0));
      if (!b.pinned.has(EBX)) return;
      if (b.regs[EBX]! < 0x2000_0000 || b.regs[EBX]! > 0x2000_0f00) return;
      b.writes(EAX);
      b.instr('xlat', [...(rng.chance(0.2) ? [rng.pick([0x2e, 0x36, 0x3e, 0x26])] : []), 0xd7]);
      break;
    }
    default:
      aluInstruction(b);
  }
}

/** One BCD adjust per sequence (the AH results of AAA/AAS differ by vendor past AL = 0xF9). */
export function bcdSequence(b: SequenceBuilder): void {
  bcdAdjust(b);
}

/** A sequence of 1..8 flag and accumulator instructions mixed with ALU ones. */
export function miscSequence(b: SequenceBuilder): void {
  const n = b.rng.range(1, 8);
  for (let i = 0; i < n; i++) flagOrAccumulator(b);
}
