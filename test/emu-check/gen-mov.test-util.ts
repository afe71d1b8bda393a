/**
 * Generators for the plain moves: MOV r/m,r and r,r/m (88-8B), MOV r/m,imm (C6/C7), MOV r,imm
 * (B0-BF), the moffs forms (A0-A3), MOV r/m from a segment register (8C) and the multi-byte NOP
 * (0F 1F), at 8/16/32 bits with segment overrides (CS writes and null FS/GS accesses: #GP).
 */
import { EAX } from './layout.test-util.js';
import { segmentOverride } from './gen-alu.test-util.js';
import { imm, osize, type SequenceBuilder, type Size } from './sequence.test-util.js';

/** One MOV in a random form. */
export function move(b: SequenceBuilder): void {
  const rng = b.rng;
  const size = rng.pick<Size>([8, 16, 32]);
  const w = size === 8 ? 0 : 1;
  const p = osize(size);
  const immSize = (size === 8 ? 8 : size) as Size;
  switch (rng.int(7)) {
    case 0: {
      const reg = b.srcReg();
      b.instr(`mov${size} [mem], r${reg}`, [...segmentOverride(b), ...p, 0x88 + w, ...b.memOperand(reg, b.target(size / 8))]);
      break;
    }
    case 1: {
      const reg = b.destReg(size);
      b.instr(`mov${size} r${reg}, [mem]`, [...p, ...segmentOverride(b), 0x8a + w, ...b.memOperand(reg, b.target(size / 8))]);
      break;
    }
    case 2: {
      const reg = b.destReg(size);
      const src = rng.int(8);
      // 88/89: ModRM.rm is the destination; 8A/8B: ModRM.reg is.
      if (rng.chance(0.5)) b.instr(`mov${size} r${reg}, r${src} (88)`, [...p, 0x88 + w, 0xc0 | (src << 3) | reg]);
      else b.instr(`mov${size} r${reg}, r${src} (8a)`, [...p, 0x8a + w, 0xc0 | (reg << 3) | src]);
      break;
    }
    case 3:
      if (rng.chance(0.5)) b.instr(`mov${size} [mem], imm`, [...segmentOverride(b), ...p, 0xc6 + w, ...b.memOperand(0, b.target(size / 8)), ...imm(immSize, rng.interesting())]);
      else {
        const reg = b.destReg(size);
        b.instr(`mov${size} r${reg}, imm`, [...p, (size === 8 ? 0xb0 : 0xb8) + reg, ...imm(immSize, rng.interesting())]);
      }
      break;
    case 4: {
      // moffs: A0/A1 load the accumulator, A2/A3 store it.
      const load = rng.chance(0.5);
      if (load && b.pinned.has(EAX)) return;
      if (load) b.writes(EAX);
      const addr = b.target(size / 8);
      b.instr(`mov${size} ${load ? 'acc, [moffs]' : '[moffs], acc'}`, [...segmentOverride(b), ...p, (load ? 0xa0 : 0xa2) + w, ...imm(32, addr)]);
      break;
    }
    case 5: {
      // MOV r/m16, Sreg (to a register: 32-bit operand zero-extends on P6 and later; memory: 16 bits).
      const sreg = rng.int(6);
      if (rng.chance(0.5)) {
        const reg = b.destReg(32);
        b.instr(`mov r${reg}, sreg${sreg}`, [...(rng.chance(0.3) ? [0x66] : []), 0x8c, 0xc0 | (sreg << 3) | reg]);
      } else b.instr(`mov [mem], sreg${sreg}`, [0x8c, ...b.memOperand(sreg, b.target(2))]);
      break;
    }
    default:
      b.instr('nop r/m', [...(rng.chance(0.3) ? [0x66] : []), 0x0f, 0x1f, ...(rng.chance(0.5) ? b.memOperand(0, b.target(4, 0.2)) : [0xc0 | rng.int(8)])]);
  }
}

/** A sequence of 1..8 moves. */
export function moveSequence(b: SequenceBuilder): void {
  const n = b.rng.range(1, 8);
  for (let i = 0; i < n; i++) move(b);
}
