/**
 * Generators for the stack instructions: PUSH/POP of registers, immediates, memory and segment
 * registers (with valid and #GP selectors), PUSHF/POPF (at CPL 3: IOPL and IF unchanged, AC/NT/ID
 * settable, #AC on misaligned stack accesses once AC is set), PUSHA/POPA, ENTER with nesting
 * levels, LEAVE, at 16 and 32-bit operand sizes, mixed with ALU instructions.
 */
import { AC, DATA_BASE, EBP, ESP, ID, NT, STATUS, TF } from './layout.test-util.js';
import { aluInstruction } from './gen-alu.test-util.js';
import { imm, type SequenceBuilder } from './sequence.test-util.js';

// Linux's user data and 32-bit code selectors (also with RPL 0), null selectors, a kernel (DPL 0)
// selector, one past both GDT limits and an LDT selector (no LDT): the last three #GP.
const SELECTORS = [0x2b, 0x2b, 0x2b, 0x28, 0x23, 0, 3, 0x10, 0x200, 0x7];
// For FS and GS the same without the null selector with RPL 3: the CPU keeps 3 (as the emu does),
// but the host kernel (this VM's paravirtual one) may hand a process 0 back in FS/GS after it was
// switched out, so the host's answer depends on host load (a real flake, seen once in a full test run).
const FS_GS_SELECTORS = [0x2b, 0x2b, 0x2b, 0x28, 0x23, 0, 0, 0x10, 0x200, 0x7];

function move(b: SequenceBuilder, delta: number): void {
  if (b.espNow !== undefined) b.espNow = (b.espNow + delta) >>> 0;
}

function pushImm(b: SequenceBuilder, value: number, bits: 16 | 32): void {
  if (bits === 16) b.instr(`push16 ${value.toString(16)}`, [0x66, 0x68, ...imm(16, value)]);
  else b.instr(`push ${value.toString(16)}`, [0x68, ...imm(32, value)]);
  move(b, -bits / 8);
}

/** One stack instruction (or a short idiom such as push imm; popf); true when it must end the sequence. */
export function stackOp(b: SequenceBuilder): boolean {
  const rng = b.rng;
  const o16 = rng.chance(0.25);
  const p = o16 ? [0x66] : [];
  const n = o16 ? 2 : 4;
  switch (rng.int(14)) {
    case 0:
      b.instr(`push r`, [...p, 0x50 + rng.int(8)]);
      move(b, -n);
      break;
    case 1: {
      let r = b.destReg(32);
      if (rng.chance(0.04)) r = ESP;
      b.instr(`pop r${r}`, [...p, 0x58 + r]);
      move(b, n);
      if (r === ESP) b.espNow = undefined;
      break;
    }
    case 2:
      if (rng.chance(0.5)) b.instr('push imm8', [...p, 0x6a, rng.int(256)]);
      else b.instr('push imm', [...p, 0x68, ...imm(o16 ? 16 : 32, rng.interesting())]);
      move(b, -n);
      break;
    case 3: {
      const addr = b.scratchAddress(4);
      b.instr('push [mem]', [...p, 0xff, ...b.memOperand(6, addr)]);
      move(b, -n);
      break;
    }
    case 4: {
      const addr = b.scratchAddress(4);
      b.instr('pop [mem]', [...p, 0x8f, ...b.memOperand(0, addr)]);
      move(b, n);
      break;
    }
    case 5:
      b.instr('pushf', [...p, 0x9c], { reads: STATUS });
      move(b, -n);
      break;
    case 6: {
      // POPF of a chosen image: TF never (it would single-step), AC sometimes, IOPL/IF bits random (ignored at CPL 3).
      let v = rng.u32() & ~(TF | 0x10000 | 0x20000);
      if (!b.alignmentChecks) v &= ~AC;
      if (rng.chance(0.5)) v &= ~(NT | ID);
      pushImm(b, o16 ? v & 0xffff : v, o16 ? 16 : 32);
      b.instr('popf', [...p, 0x9d], { sets: STATUS });
      move(b, n);
      break;
    }
    case 7:
      b.instr('pusha', [...p, 0x60]);
      move(b, -8 * n);
      break;
    case 8:
      b.instr('popa', [...p, 0x61]);
      for (let r = 0; r < 8; r++) if (r !== ESP) b.writes(r);
      move(b, 8 * n);
      break;
    case 9: {
      const size = rng.chance(0.8) ? rng.int(64) : rng.pick([0x100, 0xffff, 3]);
      const level = rng.chance(0.6) ? rng.int(4) : rng.pick([5, 31, 32, 33, 255]);
      b.instr(`enter ${size}, ${level}`, [...p, 0xc8, ...imm(16, size), level]);
      b.writes(EBP);
      const l = level & 31;
      move(b, -(n + (l > 0 ? n * (l - 1) + n : 0) + size));
      break;
    }
    case 10:
      b.instr('leave', [...p, 0xc9]);
      b.writes(EBP);
      b.espNow = undefined;
      break;
    case 11: {
      // PUSH sreg: 32-bit pushes may write only the low 16 bits (recent Intel) or zero-extend
      // (this AMD host): the upper two bytes are masked, and nothing may read them afterwards.
      if (b.espNow === undefined) return false;
      const which = rng.int(6);
      const code = [[0x06], [0x0e], [0x16], [0x1e], [0x0f, 0xa0], [0x0f, 0xa8]][which]!;
      b.instr('push sreg', [...p, ...code]);
      move(b, -n);
      const at = b.espNow!;
      if (n === 4 && at >= DATA_BASE && at < DATA_BASE + 0x2000 - 4) b.maskMemory(at + 2, 2);
      return n === 4;
    }
    case 12: {
      const which = rng.int(5);
      const code = [[0x07], [0x1f], [0x17], [0x0f, 0xa1], [0x0f, 0xa9]][which]!;
      pushImm(b, rng.pick(which >= 3 ? FS_GS_SELECTORS : SELECTORS), o16 ? 16 : 32);
      b.instr(`pop ${['es', 'ds', 'ss', 'fs', 'gs'][which]}`, [...p, ...code]);
      move(b, n);
      break;
    }
    default:
      aluInstruction(b);
  }
  return false;
}

/**
 * A POPF that sets EFLAGS.AC, then 1..6 stack and ALU instructions at random alignments: at CPL 3
 * with CR0.AM set (as Linux runs user code) a misaligned access is #AC(0).
 */
export function alignmentSequence(b: SequenceBuilder): void {
  b.alignmentChecks = true;
  stackSequenceFrom(b, () => {
    pushImm(b, (b.rng.u32() & ~(TF | 0x30000)) | AC, 32);
    b.instr('popf (AC)', [0x9d], { sets: STATUS });
    move(b, 4);
  });
}

/** 1..8 stack instructions from an ESP and EBP inside the stack page. */
export function stackSequence(b: SequenceBuilder): void {
  stackSequenceFrom(b, () => {});
}

function stackSequenceFrom(b: SequenceBuilder, prologue: () => void): void {
  b.stackMode = true;
  b.espNow = b.regs[ESP]!;
  if (b.rng.chance(0.15)) {
    b.pin(ESP, (b.regs[ESP]! - b.rng.range(1, 3)) >>> 0);
    b.espNow = b.regs[ESP]!;
  }
  b.setReg(EBP, (b.espNow + b.rng.range(0, 64) * 4) >>> 0);
  prologue();
  const count = b.rng.range(1, 8);
  for (let i = 0; i < count; i++) if (stackOp(b)) return;
}
