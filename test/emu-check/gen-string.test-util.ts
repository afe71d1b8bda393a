/**
 * Generators for the string instructions (MOVS CMPS STOS LODS SCAS at 8/16/32 bits) with and
 * without REP/REPE/REPNE, both directions, source segment overrides, counts from 0 up, and runs
 * off the end of the data area (a #PF part-way, with ECX/ESI/EDI showing the progress made).
 */
import { DATA_BASE, DATA_SIZE, DF, ECX, EDI, ESI, STATUS } from './layout.test-util.js';
import { osize, type SequenceBuilder, type Size } from './sequence.test-util.js';

/** One string instruction from a chosen ESI/EDI/ECX and direction. */
export function stringOp(b: SequenceBuilder): void {
  const rng = b.rng;
  const size = rng.pick<Size>([8, 16, 32]);
  const op = rng.pick(['movs', 'cmps', 'stos', 'lods', 'scas'] as const);
  const base = { movs: 0xa4, cmps: 0xa6, stos: 0xaa, lods: 0xac, scas: 0xae }[op] + (size === 8 ? 0 : 1);
  const compares = op === 'cmps' || op === 'scas';
  const rep = rng.int(3); // none, F3, F2 (F2 only where it means REPNE)
  const prefix = rep === 1 || (rep === 2 && !compares) ? [0xf3] : rep === 2 ? [0xf2] : [];
  const down = rng.chance(0.5);
  b.eflags = down ? b.eflags | DF : b.eflags & ~DF;
  const count = prefix.length ? (rng.chance(0.1) ? 0 : rng.chance(0.8) ? rng.range(1, 40) : rng.range(41, 300)) : rng.u32() & 0xffff;
  b.setReg(ECX, (prefix.length && rng.chance(0.8) ? 0 : rng.u32() & 0xffff0000) | count);
  const place = (): number => {
    if (rng.chance(0.04)) return rng.chance(0.5) ? DATA_BASE + DATA_SIZE - rng.range(0, 64) : DATA_BASE + rng.range(0, 64);
    return DATA_BASE + 0x400 + rng.int(0xc00) - (rng.chance(0.3) ? rng.int(4) : 0);
  };
  const esi = place();
  let edi = compares && op === 'cmps' && rng.chance(0.3) ? esi : place();
  // Which of CMPS's two reads faults first when both would is not architectural (this AMD host
  // reads ES:EDI first): at most one CMPS operand faults.
  const inside = (a: number): boolean => a >= DATA_BASE + 0x100 && a < DATA_BASE + DATA_SIZE - 0x200;
  if (op === 'cmps' && !inside(esi)) edi = DATA_BASE + 0x400 + rng.int(0x800);
  b.setReg(ESI, esi);
  b.setReg(EDI, edi);
  b.writes(ESI);
  b.writes(EDI);
  b.writes(ECX);
  b.writes(0);
  const override = op !== 'stos' && op !== 'scas' && rng.chance(0.2) ? [rng.pick([0x26, 0x2e, 0x36, 0x3e])] : [];
  const addr16 = op !== 'cmps' && rng.chance(0.02) ? [0x67] : [];
  const order = rng.chance(0.5) ? [...prefix, ...override] : [...override, ...prefix];
  // The CMPS/SCAS flags with a zero count under REP stay as they were (defined).
  b.instr(`${prefix.length ? (prefix[0] === 0xf3 ? 'rep ' : 'repne ') : ''}${op}${size}${down ? ' (std)' : ''} ecx=${count}`,
    [...order, ...addr16, ...osize(size), base], compares ? { sets: STATUS } : {});
}

/** One string instruction per sequence. */
export function stringSequence(b: SequenceBuilder): void {
  if (b.rng.chance(0.3)) b.setReg(0, b.rng.pick([0, 0xffffffff, b.rng.u32()]));
  stringOp(b);
}

/** The ESI/EDI/ECX registers a string case uses (for messages). */
export const STRING_REGS = [ESI, EDI, ECX];
