/**
 * The hand-off of x87, MMX and SSE/SSE2 instructions to the EmuFpuUnit: #NM/#UD checks from
 * CR0.EM/TS/MP and CR4.OSFXSR, the operand description (linear address after segmentation,
 * FIP/FDP data), and a linear-memory view that pages with the current privilege.
 */
import { EmuFpuFault } from '../contract.js';
import type { EmuFpuOperand, EmuLinearMemory } from '../contract.js';
import { CR0_EM, CR0_MP, CR0_TS, CR4_OSFXSR, CS, GP, NM, UD } from './constants.js';
import type { Core } from './core.js';
import { CPU_FAULT, raise } from './core.js';
import { ea, regField, segRead, segWrite } from './operands.js';
import { probeWrite, rd16, rd32, rd8, wr16, wr32, wr8 } from './linear.js';
import { I_REP, I_REPNE, I_P66 } from './decoder.js';

/** The mutable operand record handed to the unit (one per core, no allocation per instruction). */
class Operand implements EmuFpuOperand {
  modrm = 0;
  linear = -1;
  operand32 = true;
  realOrV86 = false;
  cs = 0;
  eip = 0;
  ds = 0;
  offset = 0;
}

const operands = new WeakMap<Core, { op: Operand; mem: EmuLinearMemory }>();

function bridge(c: Core): { op: Operand; mem: EmuLinearMemory } {
  let b = operands.get(c);
  if (!b) {
    const mem: EmuLinearMemory = {
      read8: (l) => rd8(c, l >>> 0),
      read16: (l) => rd16(c, l >>> 0),
      read32: (l) => rd32(c, l >>> 0),
      write8: (l, v) => wr8(c, l >>> 0, v),
      write16: (l, v) => wr16(c, l >>> 0, v),
      write32: (l, v) => wr32(c, l >>> 0, v),
      probeWrite: (l, len) => probeWrite(c, l >>> 0, len, c.permW),
    };
    b = { op: new Operand(), mem };
    operands.set(c, b);
  }
  return b;
}

function fill(c: Core, op: Operand): void {
  op.modrm = c.modrm;
  op.operand32 = c.osz === 4;
  op.realOrV86 = c.realOrV86;
  op.cs = c.segSel[CS]!;
  op.eip = c.eip;
  if (c.modrm >= 0xc0) {
    op.linear = -1; op.ds = 0; op.offset = 0;
  } else {
    const off = ea(c);
    op.offset = off;
    op.ds = c.segSel[c.seg]!;
    op.linear = segRead(c, c.seg, off, 1);
  }
}

/** Turns an EmuFpuFault from the unit into the processor exception; rethrows anything else. */
function fpuFault(c: Core, e: unknown): never {
  if (e !== CPU_FAULT && e instanceof EmuFpuFault) raise(c, e.vector, e.vector === GP ? 0 : -1);
  throw e;
}

/** D8-DF: x87 escape. */
export function fpuEscape(c: Core, opcode: number): void {
  if (c.cr0 & (CR0_EM | CR0_TS)) raise(c, NM);
  const fpu = c.fpu;
  if (!fpu) raise(c, UD);
  const b = bridge(c);
  fill(c, b.op);
  try { fpu.x87(opcode, b.op, b.mem); } catch (e) { fpuFault(c, e); }
}

/** 9B: FWAIT. */
export function fpuWait(c: Core): void {
  if ((c.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) raise(c, NM);
  const fpu = c.fpu;
  if (fpu) try { fpu.wait(); } catch (e) { fpuFault(c, e); }
}

function mandatoryPrefix(c: Core): number {
  return c.info & I_REP ? 0xf3 : c.info & I_REPNE ? 0xf2 : c.info & I_P66 ? 0x66 : 0;
}

/** MMX/SSE/SSE2 instructions of the 0F, 0F38 and 0F3A maps. */
export function fpuSimd(c: Core): void {
  const fpu = c.fpu;
  if (!fpu) raise(c, UD);
  const prefix = mandatoryPrefix(c);
  const opcode = c.op >= 0x300 ? 0x3a00 | (c.op & 0xff) : c.op >= 0x200 ? 0x3800 | (c.op & 0xff) : c.op & 0xff;
  if (!fpu.simdInfo(prefix, opcode).known) raise(c, UD);
  const b = opcode & 0xff;
  const mmx = prefix === 0 && opcode < 0x100 && ((b >= 0x60 && b <= 0x7f) || b >= 0xd0);
  if (c.cr0 & CR0_EM) raise(c, UD);
  if (!mmx && !(c.cr4 & CR4_OSFXSR)) raise(c, UD);
  if (c.cr0 & CR0_TS) raise(c, NM);
  const br = bridge(c);
  fill(c, br.op);
  try { fpu.simd(prefix, opcode, br.op, fpu.simdInfo(prefix, opcode).imm8 ? c.imm & 0xff : -1, c.r, br.mem); } catch (e) { fpuFault(c, e); }
}

/** 0F AE: FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, the fences and CLFLUSH. */
export function fpuGroup15(c: Core): void {
  const n = regField(c);
  if (c.modrm >= 0xc0) {
    if (n >= 5) return; // LFENCE, MFENCE, SFENCE
    raise(c, UD);
  }
  if (n === 7) { segRead(c, c.seg, ea(c), 1); return; } // CLFLUSH
  if (n > 3) raise(c, UD);
  const fpu = c.fpu;
  if (!fpu) raise(c, UD);
  if (c.cr0 & CR0_EM) raise(c, UD);
  if (n >= 2 && !(c.cr4 & CR4_OSFXSR)) raise(c, UD);
  if (c.cr0 & CR0_TS) raise(c, NM);
  const off = ea(c);
  const br = bridge(c);
  switch (n) {
    case 0: case 1: {
      const lin = n === 0 ? segWrite(c, c.seg, off, 512) : segRead(c, c.seg, off, 512);
      if (lin & 15) raise(c, GP, 0);
      try { if (n === 0) fpu.fxsave(lin, br.mem); else fpu.fxrstor(lin, br.mem); } catch (e) { fpuFault(c, e); }
      return;
    }
    case 2: {
      const lin = segRead(c, c.seg, off, 4);
      const v = rd32(c, lin);
      if (v & 0xffff0000) raise(c, GP, 0);
      fpu.mxcsr = v;
      return;
    }
    default: {
      const lin = segWrite(c, c.seg, off, 4);
      wr32(c, lin, fpu.mxcsr);
    }
  }
}
