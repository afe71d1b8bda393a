/**
 * Generators for LEA in every 16 and 32-bit addressing form (each ModRM mod/rm, each SIB
 * scale/index/base, the disp32 and disp16 specials) at 16 and 32-bit operand sizes, the #UD of a
 * register operand, and 16-bit-address loads (they fault below 64 KiB on both sides: CR2 compared).
 */
import { imm, osize, type SequenceBuilder, type Size } from './sequence.test-util.js';

/** ModRM (+SIB +displacement) with a random mod 0..2 in 32-bit or 16-bit addressing. */
function randomAddressing(b: SequenceBuilder, reg: number, a16: boolean): number[] {
  const rng = b.rng;
  const mod = rng.int(3);
  const rm = rng.int(8);
  const out = [(mod << 6) | (reg << 3) | rm];
  if (a16) {
    if (mod === 1) out.push(rng.int(256));
    else if (mod === 2 || (mod === 0 && rm === 6)) out.push(...imm(16, rng.interesting()));
    return out;
  }
  if (rm === 4) {
    const sib = rng.int(256);
    out.push(sib);
    if (mod === 0 && (sib & 7) === 5) out.push(...imm(32, rng.interesting()));
  }
  if (mod === 1) out.push(rng.int(256));
  else if (mod === 2 || (mod === 0 && rm === 5)) out.push(...imm(32, rng.interesting()));
  return out;
}

/** One LEA (or, rarely, a 16-bit-address MOV load or a register-operand LEA). */
export function lea(b: SequenceBuilder): void {
  const rng = b.rng;
  const size = rng.pick<Size>([16, 32]);
  const a16 = rng.chance(0.35);
  const dest = b.destReg(size);
  const asz = a16 ? [0x67] : [];
  const k = rng.int(100);
  if (k < 1) b.instr('lea reg, reg (#UD)', [...osize(size), 0x8d, 0xc0 | (dest << 3) | rng.int(8)]);
  else if (k < 8) b.instr(`mov${size} r${dest}, [16-bit address]`, [...osize(size), 0x67, 0x8b, ...randomAddressing(b, dest, true)]);
  else b.instr(`lea${size} r${dest}, ${a16 ? '16' : '32'}-bit form`, [...osize(size), ...asz, 0x8d, ...randomAddressing(b, dest, a16)]);
}

/** 1..6 LEAs with every register random (ESP aside). */
export function leaSequence(b: SequenceBuilder): void {
  const n = b.rng.range(1, 6);
  for (let i = 0; i < n; i++) lea(b);
}
