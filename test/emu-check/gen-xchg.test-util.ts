/**
 * Generators for the exchanges and compare-exchanges: XCHG (r/m and the short EAX forms), XADD,
 * CMPXCHG (equal and unequal accumulator) and CMPXCHG8B (equal and unequal EDX:EAX, and its #UD
 * register form), with LOCK on memory forms.
 */
import { EAX, EBX, ECX, EDX, STATUS, ZF } from './layout.test-util.js';
import { osize, sizeMask, type SequenceBuilder, type Size } from './sequence.test-util.js';

function lock(b: SequenceBuilder, mem: boolean): number[] {
  return mem ? (b.rng.chance(0.3) ? [0xf0] : []) : b.rng.chance(0.02) ? [0xf0] : [];
}

/** One exchange-family instruction. */
export function exchange(b: SequenceBuilder): void {
  const rng = b.rng;
  const kind = rng.int(5);
  const size = rng.pick<Size>([8, 16, 32]);
  const w = size === 8 ? 0 : 1;
  const mem = rng.chance(0.5);
  if (kind === 4) {
    // CMPXCHG8B m64: EDX:EAX compared with the quadword, ECX:EBX stored on equality.
    for (const r of [EAX, EDX, ECX, EBX]) b.setReg(r, rng.interesting());
    b.writes(EAX);
    b.writes(EDX);
    if (rng.chance(0.03)) {
      b.instr('cmpxchg8b reg (#UD)', [0x0f, 0xc7, 0xc8 | rng.int(8)]);
      return;
    }
    const addr = b.target(8, 0.03);
    if (addr >= 0x2000_0000 && addr + 8 <= 0x2000_1000 && rng.chance(0.5)) {
      b.setReg(EAX, b.known(addr, 4));
      b.setReg(EDX, b.known(addr + 4, 4));
    }
    b.instr('cmpxchg8b [mem]', [...lock(b, true), 0x0f, 0xc7, ...b.memOperand(1, addr)], { sets: ZF });
    return;
  }
  if (kind === 0 && size !== 8 && rng.chance(0.3)) {
    // XCHG eAX, r (90+r; 90 itself is NOP)
    if (b.pinned.has(EAX)) return;
    const r = b.destReg(size);
    b.writes(EAX);
    b.instr(`xchg${size} eax, r${r}`, [...osize(size), 0x90 + r]);
    return;
  }
  if (kind === 3) {
    // CMPXCHG r/m, r: the accumulator often equal to the destination.
    if (b.pinned.has(EAX)) return;
    b.setReg(EAX, rng.interesting());
    b.writes(EAX);
    const reg = b.srcReg();
    if (mem) {
      const addr = b.target(size / 8);
      if (addr >= 0x2000_0000 && addr + 4 <= 0x2000_1000 && rng.chance(0.5)) {
        const m = sizeMask(size);
        b.setReg(EAX, (b.regs[EAX]! & ~m) | (b.known(addr, 4) & m));
      }
      b.instr(`cmpxchg${size} [mem], r${reg}`, [...lock(b, true), ...osize(size), 0x0f, 0xb0 + w, ...b.memOperand(reg, addr)], { sets: STATUS });
    } else {
      const rm = b.destReg(size);
      b.instr(`cmpxchg${size} r${rm}, r${reg}`, [...lock(b, false), ...osize(size), 0x0f, 0xb0 + w, 0xc0 | (reg << 3) | rm], { sets: STATUS });
    }
    return;
  }
  // XCHG r/m, r (86/87) or XADD r/m, r (0F C0/C1): both operands written.
  const xadd = kind === 2;
  const reg = b.destReg(size);
  const code = xadd ? [0x0f, 0xc0 + w] : [0x86 + w];
  const fx = xadd ? { sets: STATUS } : {};
  if (mem) b.instr(`${xadd ? 'xadd' : 'xchg'}${size} [mem], r${reg}`, [...lock(b, true), ...osize(size), ...code, ...b.memOperand(reg, b.target(size / 8))], fx);
  else {
    const rm = b.destReg(size);
    b.instr(`${xadd ? 'xadd' : 'xchg'}${size} r${rm}, r${reg}`, [...lock(b, false), ...osize(size), ...code, 0xc0 | (reg << 3) | rm], fx);
  }
}

/** One exchange per sequence (the compare-exchanges choose their accumulator from known memory). */
export function exchangeSequence(b: SequenceBuilder): void {
  exchange(b);
}
