/**
 * Test helpers for comparing the FPU unit with the host CPU: builds native/fpu-oracle.c with gcc in
 * a temporary directory, feeds it cases and runs the same cases on the unit through the contract,
 * producing the same text so results compare bit for bit.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmuFpuOperand, EmuFpuUnit, EmuLinearMemory } from '../contract.js';
import { createFpuUnit } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The oracle's C source (tests run from dist/, the source stays in src/). */
const SOURCE = join(here, '..', '..', '..', '..', '..', 'src', 'accel', 'emu', 'fpu', 'native', 'fpu-oracle.c');

/** Why the oracle cannot run here, or undefined when it can. */
export function oracleSkipReason(): string | undefined {
  if (process.arch !== 'x64') return 'the native oracle needs an x86-64 host';
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'gcc is not installed';
  }
  return undefined;
}

let oraclePath: string | undefined;
let oracleDir: string | undefined;

/** Compiles the oracle once per test process. */
function oracle(): string {
  if (oraclePath) return oraclePath;
  oracleDir = mkdtempSync(join(tmpdir(), 'tkvm-fpu-oracle-'));
  const bin = join(oracleDir, 'fpu-oracle');
  execFileSync('gcc', ['-O1', '-o', bin, SOURCE], { stdio: 'inherit' });
  process.on('exit', () => {
    if (oracleDir) rmSync(oracleDir, { recursive: true, force: true });
  });
  oraclePath = bin;
  return bin;
}

/** Runs the case lines on the host CPU; one output line per case. */
export function runNative(lines: string[]): string[] {
  const r = spawnSync(oracle(), [], { input: lines.join('\n') + '\n', maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fpu oracle failed: ${r.stderr}`);
  return r.stdout.trimEnd().split('\n');
}

/** Flat little-endian memory at linear addresses [BASE, BASE + size). */
export class FlatMemory implements EmuLinearMemory {
  readonly bytes: Uint8Array;
  constructor(readonly base: number, size: number) {
    this.bytes = new Uint8Array(size);
  }
  private at(a: number, n: number): number {
    const o = a - this.base;
    if (o < 0 || o + n > this.bytes.length) throw new Error(`test memory access out of range at ${a.toString(16)}`);
    return o;
  }
  read8(a: number): number {
    return this.bytes[this.at(a, 1)]!;
  }
  read16(a: number): number {
    const o = this.at(a, 2);
    return this.bytes[o]! | (this.bytes[o + 1]! << 8);
  }
  read32(a: number): number {
    const o = this.at(a, 4);
    return (this.bytes[o]! | (this.bytes[o + 1]! << 8) | (this.bytes[o + 2]! << 16) | (this.bytes[o + 3]! << 24)) >>> 0;
  }
  write8(a: number, v: number): void {
    this.bytes[this.at(a, 1)] = v;
  }
  write16(a: number, v: number): void {
    const o = this.at(a, 2);
    this.bytes[o] = v;
    this.bytes[o + 1] = v >>> 8;
  }
  write32(a: number, v: number): void {
    const o = this.at(a, 4);
    this.bytes[o] = v;
    this.bytes[o + 1] = v >>> 8;
    this.bytes[o + 2] = v >>> 16;
    this.bytes[o + 3] = v >>> 24;
  }
  probeWrite(a: number, len: number): void {
    this.at(a, len);
  }
}

/** Hex of bytes. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Bytes of hex ("-" = none). */
export function unhex(s: string, into: Uint8Array, offset = 0): void {
  if (s === '-') return;
  into.set(Buffer.from(s, 'hex').subarray(0, into.length - offset), offset);
}

/** Linear address of the test's memory operand ([rsi] natively). */
export const MEM = 0x10000;
/** Scratch area for setup loads and FNSAVE. */
const SCRATCH = 0x20000;

/** An operand descriptor for ModRM `modrm` with the memory operand at MEM. */
export function operand(modrm: number, linear = MEM): EmuFpuOperand {
  return {
    modrm,
    linear: modrm >= 0xc0 ? -1 : linear,
    operand32: true,
    realOrV86: false,
    cs: 0x08,
    eip: 0x1000,
    ds: 0x10,
    offset: linear,
  };
}

/** A deterministic PRNG (xorshift32) so failures reproduce. */
export class Rng {
  constructor(private s: number) {}
  u32(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  int(n: number): number {
    return this.u32() % n;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
}

/** One x87 oracle case. */
export interface X87Case {
  /** Instruction bytes (escape and ModRM; memory forms use rm = 6, [rsi]). */
  code: number[];
  fcw: number;
  eflags: number;
  /** ST(0).. as 20-hex-digit sign/exponent + significand strings. */
  regs: string[];
  /** Initial memory operand bytes as hex, or "-". */
  mem: string;
}

/** The oracle input line for a case. */
export function x87Line(c: X87Case): string {
  return `x ${Buffer.from(c.code).toString('hex')} ${c.fcw.toString(16)} ${c.eflags.toString(16)} ${c.regs.length} ${c.regs.join(' ')} ${c.mem}`;
}

const fnsave = operand(0x30, SCRATCH);
const fldcw = operand(0x28, SCRATCH);
const fldt = operand(0x28, SCRATCH);

/** Runs an x87 case on a fresh unit; returns the oracle-format output line. */
export function runX87OnUnit(c: X87Case, unit: EmuFpuUnit = createFpuUnit()): string {
  const mem = new FlatMemory(MEM, 0x20000);
  unit.reset();
  const gpr = new Uint32Array(8);
  unit.x87(0xdb, operand(0xe3), mem); // FNINIT
  for (let i = c.regs.length - 1; i >= 0; i--) {
    const r = c.regs[i]!;
    mem.write32(SCRATCH, parseInt(r.slice(12, 20), 16));
    mem.write32(SCRATCH + 4, parseInt(r.slice(4, 12), 16));
    mem.write16(SCRATCH + 8, parseInt(r.slice(0, 4), 16));
    unit.x87(0xdb, fldt, mem);
  }
  mem.write16(SCRATCH, c.fcw);
  unit.x87(0xd9, fldcw, mem);
  unhex(c.mem, mem.bytes, 0);
  unit.eflags = c.eflags;
  const opc = c.code[0]!;
  const modrm = c.code[1]!;
  let fault = '';
  try {
    // 0F-map codes (MMX instructions run between x87 state set-up and FNSAVE) go to simd()
    if (opc === 0x0f) unit.simd(0, modrm, operand(c.code[2] ?? 0xc0), -1, gpr, mem);
    else unit.x87(opc, operand(modrm), mem, gpr);
  } catch (e) {
    fault = ` fault:${String(e)}`;
  }
  unit.x87(0xdd, fnsave, mem);
  const image = mem.bytes.slice(SCRATCH - MEM, SCRATCH - MEM + 108);
  const m = mem.bytes.slice(0, 128);
  return `${hex(image)} ${hex(m)} ${((unit.eflags ?? 0) & 0xfff).toString(16)} ${(gpr[0]! & 0xffff).toString(16)}${fault}`;
}

/** Masks the FNSAVE image's instruction and operand pointers (bytes 12–27), which differ natively. */
export function maskPointers(line: string): string {
  return line.slice(0, 24) + '-'.repeat(32) + line.slice(56);
}

/** One SIMD oracle case. */
export interface SimdCase {
  /** Instruction bytes: optional mandatory prefix, 0F, opcode, ModRM, optional disp8 and imm8. */
  code: number[];
  mxcsr: number;
  eflags: number;
  /** XMM0–7 (128 bytes), MM0–7 (64 bytes), EAX..EDI (32 bytes) and memory (128 bytes) as hex. */
  xmm: string;
  mm: string;
  gpr: string;
  mem: string;
}

/** The oracle input line for a SIMD case. */
export function simdLine(c: SimdCase): string {
  return `s ${Buffer.from(c.code).toString('hex')} ${c.mxcsr.toString(16)} ${c.eflags.toString(16)} ${c.xmm} ${c.mm} ${c.gpr} ${c.mem}`;
}

const FX = 0x30000;

/** Runs a SIMD case on a fresh unit (state loaded with FXRSTOR, read back with FXSAVE). */
export function runSimdOnUnit(c: SimdCase, unit: EmuFpuUnit = createFpuUnit()): string {
  const mem = new FlatMemory(MEM, 0x30000);
  unit.reset();
  const img = new Uint8Array(512);
  const dv = new DataView(img.buffer);
  dv.setUint16(0, 0x37f, true);
  img[4] = 0xff;
  dv.setUint32(24, c.mxcsr, true);
  const mm = Buffer.from(c.mm, 'hex');
  for (let i = 0; i < 8; i++) {
    img.set(mm.subarray(8 * i, 8 * i + 8), 32 + 16 * i);
    dv.setUint16(32 + 16 * i + 8, 0xffff, true);
  }
  img.set(Buffer.from(c.xmm, 'hex'), 160);
  mem.bytes.set(img, FX - MEM);
  unit.fxrstor(FX, mem);
  unhex(c.mem, mem.bytes, 0);
  const gpr = new Uint32Array(8);
  const g = Buffer.from(c.gpr, 'hex');
  for (let i = 0; i < 8; i++) gpr[i] = g.readUInt32LE(4 * i);
  unit.eflags = c.eflags;
  let k = 0;
  let prefix = 0;
  if (c.code[0] === 0x66 || c.code[0] === 0xf2 || c.code[0] === 0xf3) prefix = c.code[k++]!;
  k++; // 0F
  const opcode = c.code[k++]!;
  const modrm = c.code[k++]!;
  let disp = 0;
  if (modrm >= 0x40 && modrm < 0x80) disp = (c.code[k++]! << 24) >> 24;
  const info = unit.simdInfo(prefix, opcode);
  const imm = info.imm8 ? c.code[k]! : -1;
  let fault = 0;
  try {
    if (!info.known) throw new Error('opcode not known to the unit');
    unit.simd(prefix, opcode, operand(modrm, MEM + disp), imm, gpr, mem);
  } catch (e) {
    const v = (e as { vector?: number }).vector;
    if (v === 19) fault = 1;
    else if (v === 13) fault = 2;
    else if (v === 6) fault = 3;
    else throw e;
  }
  unit.fxsave(FX, mem);
  const out = mem.bytes.slice(FX - MEM, FX - MEM + 512);
  const odv = new DataView(out.buffer);
  const mmOut = new Uint8Array(64);
  for (let i = 0; i < 8; i++) mmOut.set(out.subarray(32 + 16 * i, 40 + 16 * i), 8 * i);
  gpr[4] = 0;
  gpr[6] = 0;
  const eflags = fault === 0 ? (unit.eflags ?? 0) : c.eflags;
  return `${hex(out.subarray(160, 288))} ${hex(mmOut)} ${hex(new Uint8Array(gpr.buffer))} ${hex(mem.bytes.subarray(0, 128))} ${odv.getUint32(24, true).toString(16)} ${(eflags & 0xfff).toString(16)} ${fault}`;
}
