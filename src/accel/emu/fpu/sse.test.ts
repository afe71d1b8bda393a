/**
 * MMX, SSE and SSE2 against the host CPU: random and edge-case lanes (zeros, denormals, infinities,
 * NaNs, extreme exponents, saturation limits) under random MXCSR rounding, DAZ/FTZ and exception
 * masks, with register and [rsi] memory operands (also misaligned ones); XMM, MMX, GPR and memory
 * contents, MXCSR, EFLAGS and the exception (#XM, #GP, #UD) must match bit for bit. RCPPS/RSQRTPS
 * are compared against the architectural error bound instead (their tables are model-specific).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFpuUnit } from './index.js';
import {
  FlatMemory, MEM, operand, oracleSkipReason, Rng, runNative, runSimdOnUnit, simdLine, type SimdCase,
} from './fpu-oracle.test-util.js';

const skip = oracleSkipReason();

function randF32(r: Rng): number {
  const s = r.int(2) << 31;
  switch (r.int(12)) {
    case 0:
      return s >>> 0;
    case 1:
      return (s | 0x7f800000) >>> 0;
    case 2:
      return (s | 0x7fc00000 | (r.u32() & 0x3fffff)) >>> 0;
    case 3:
      return (s | 0x7f800000 | ((r.u32() & 0x3fffff) || 1)) >>> 0;
    case 4:
      return (s | (r.u32() & 0x7fffff)) >>> 0;
    case 5:
      return (s | (r.pick([1, 2, 3, 253, 254]) << 23) | (r.u32() & 0x7fffff)) >>> 0;
    case 6: {
      const n = r.int(2000) - 1000;
      const f = new Float32Array([n]);
      return new Uint32Array(f.buffer)[0]!;
    }
    case 7:
      return (s | ((127 + r.int(3) - 1) << 23) | (r.int(2) ? 0 : 0x7fffff)) >>> 0;
    default:
      return (s | ((127 - 30 + r.int(60)) << 23) | (r.u32() & 0x7fffff)) >>> 0;
  }
}

/** A random double as [lo, hi] words. */
function randF64(r: Rng): [number, number] {
  const s = r.int(2) << 31;
  const lo = r.u32();
  switch (r.int(13)) {
    case 0:
      return [0, s >>> 0];
    case 1:
      return [0, (s | 0x7ff00000) >>> 0];
    case 2:
      return [lo, (s | 0x7ff80000 | (r.u32() & 0x7ffff)) >>> 0];
    case 3:
      return [lo | 1, (s | 0x7ff00000 | (r.u32() & 0x7ffff)) >>> 0];
    case 4:
      return [lo, (s | (r.u32() & 0xfffff)) >>> 0];
    case 5:
      return [lo, (s | (r.pick([1, 2, 3, 2045, 2046]) << 20) | (r.u32() & 0xfffff)) >>> 0];
    case 6: {
      const f = new Float64Array([r.int(2 ** 31) * (r.int(2) ? 1 : -1) / (r.int(3) === 0 ? 1 : 2 ** r.int(40))]);
      const u = new Uint32Array(f.buffer);
      return [u[0]!, u[1]!];
    }
    case 7:
      // around the single-precision range (CVTSD2SS overflow/underflow/denormals)
      return [lo, (s | ((1023 + r.pick([-150, -149, -127, -126, -125, 126, 127, 128])) << 20) | (r.u32() & 0xfffff)) >>> 0];
    case 8:
      // around the int32 range (CVTSD2SI)
      return [lo & 0xffc00000, (s | ((1023 + 28 + r.int(5)) << 20) | (r.u32() & 0xfffff)) >>> 0];
    case 9: {
      const f = new Float64Array([(r.int(64) - 32) / 2 + (r.int(2) ? 0.5 : 0)]);
      const u = new Uint32Array(f.buffer);
      return [u[0]!, u[1]!];
    }
    default:
      return [lo, (s | ((1023 - 60 + r.int(120)) << 20) | (r.u32() & 0xfffff)) >>> 0];
  }
}

/** 16 random bytes of one lane type. */
function randLanes(r: Rng, type: number): Buffer {
  const b = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) b.writeUInt32LE(r.u32(), 4 * i);
  if (type === 1) for (let i = 0; i < 4; i++) b.writeUInt32LE(randF32(r) >>> 0, 4 * i);
  else if (type === 2) {
    for (let i = 0; i < 2; i++) {
      const [lo, hi] = randF64(r);
      b.writeUInt32LE(lo >>> 0, 8 * i);
      b.writeUInt32LE(hi >>> 0, 8 * i + 4);
    }
  } else if (type === 3) {
    // saturation and shift-count edges for the integer set
    for (let i = 0; i < 16; i++) if (r.int(3) === 0) b[i] = r.pick([0, 0x7f, 0x80, 0xff, 1]);
    if (r.int(4) === 0) {
      b.writeUInt32LE(r.int(70), 0);
      b.writeUInt32LE(r.int(8) === 0 ? 1 : 0, 4);
    }
  }
  return b;
}

function randMxcsr(r: Rng): number {
  const masks = r.int(4) === 0 ? r.u32() & 0x3f : 0x3f;
  return (masks << 7) | (r.int(4) << 13) | (r.int(4) === 0 ? 0x8000 : 0) | (r.int(4) === 0 ? 0x40 : 0) | (r.int(8) === 0 ? r.u32() & 0x3f : 0);
}

/** Registers usable as GPR operands in the native harness (not ESP, not ESI which holds the memory pointer). */
const GPRS = [0, 1, 2, 3, 5, 7];

interface Form {
  /** Prefix (0 none), opcode. */
  p: number;
  o: number;
  /** Register kinds of ModRM.reg and ModRM.rm: x xmm, m mmx, g gpr, s sub-opcode (value). */
  reg: string | number;
  rm: string;
  /** Memory form allowed, register form allowed. */
  mem: boolean;
  regForm: boolean;
  imm: boolean;
  /** Lane type of the data: 0 raw, 1 single, 2 double, 3 integer edges. */
  lanes: number;
}

function f(p: number, o: number, reg: string | number, rm: string, lanes: number, opts: { mem?: boolean; regForm?: boolean; imm?: boolean } = {}): Form {
  return { p, o, reg, rm, lanes, mem: opts.mem ?? true, regForm: opts.regForm ?? true, imm: opts.imm ?? false };
}

function makeCases(seed: number, n: number, forms: Form[]): SimdCase[] {
  const r = new Rng(seed);
  const cases: SimdCase[] = [];
  for (let i = 0; i < n; i++) {
    const fm = r.pick(forms);
    const regField = typeof fm.reg === 'number' ? fm.reg : fm.reg === 'g' ? r.pick(GPRS) : r.int(8);
    const useMem = fm.mem && (!fm.regForm || r.int(2) === 0);
    const code: number[] = [];
    if (fm.p !== 0) code.push(fm.p);
    code.push(0x0f, fm.o);
    if (useMem) {
      if (r.int(10) === 0) code.push(0x40 | (regField << 3) | 6, r.pick([1, 4, 8, 12]));
      else code.push((regField << 3) | 6);
    } else {
      const rmField = fm.rm === 'g' ? r.pick(GPRS) : r.int(8);
      code.push(0xc0 | (regField << 3) | rmField);
    }
    if (fm.imm) code.push(r.int(4) === 0 ? r.pick([0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 255]) : r.int(256));
    const xmm = Buffer.concat(Array.from({ length: 8 }, () => randLanes(r, fm.lanes)));
    const mm = Buffer.concat(Array.from({ length: 4 }, () => randLanes(r, fm.lanes === 3 ? 3 : 0)));
    const gpr = Buffer.alloc(32);
    for (let k = 0; k < 8; k++) gpr.writeUInt32LE((r.int(3) === 0 ? r.int(2000) - 1000 : r.u32()) >>> 0, 4 * k);
    gpr.writeUInt32LE(0, 16);
    gpr.writeUInt32LE(0, 24);
    const mem = Buffer.concat(Array.from({ length: 8 }, () => randLanes(r, fm.lanes)));
    cases.push({ code, mxcsr: randMxcsr(r), eflags: 0x202 | (r.u32() & 0x8d5), xmm: xmm.toString('hex'), mm: mm.toString('hex'), gpr: gpr.toString('hex'), mem: mem.toString('hex') });
  }
  return cases;
}

function compare(cases: SimdCase[]): string[] {
  const native = runNative(cases.map(simdLine));
  const bad: string[] = [];
  for (let i = 0; i < cases.length && bad.length < 8; i++) {
    const want = native[i]!;
    const got = runSimdOnUnit(cases[i]!);
    if (want !== got) {
      const w = want.split(' ');
      const g = got.split(' ');
      const names = ['xmm', 'mm', 'gpr', 'mem', 'mxcsr', 'eflags', 'fault'];
      const diffs: string[] = [];
      for (let k = 0; k < names.length; k++) {
        if (w[k] === g[k]) continue;
        const a = w[k]!;
        const b = g[k]!;
        let at = 0;
        while (at < a.length && a[at] === b[at]) at++;
        const from = at - (at % 8);
        diffs.push(`${names[k]}@${from / 2}: native ${a.slice(from, from + 16)} unit ${b.slice(from, from + 16)}`);
      }
      const c = cases[i]!;
      bad.push(`${Buffer.from(c.code).toString('hex')} mxcsr ${c.mxcsr.toString(16)}: ${diffs.join('; ')}`);
    }
  }
  return bad;
}

const FP_OPS = [0x51, 0x58, 0x59, 0x5c, 0x5d, 0x5e, 0x5f];

describe('SSE/SSE2 against the host CPU', { skip }, () => {
  it('ADD/SUB/MUL/DIV/SQRT/MIN/MAX in PS, SS, PD and SD forms', () => {
    const forms: Form[] = [];
    for (const o of FP_OPS) {
      forms.push(f(0, o, 'x', 'x', 1), f(0xf3, o, 'x', 'x', 1), f(0x66, o, 'x', 'x', 2), f(0xf2, o, 'x', 'x', 2));
    }
    assert.deepEqual(compare(makeCases(11, 12000, forms)), []);
  });

  it('CMPPS/CMPSS/CMPPD/CMPSD with all eight predicates, COMISS/UCOMISS/COMISD/UCOMISD', () => {
    const forms = [
      f(0, 0xc2, 'x', 'x', 1, { imm: true }), f(0xf3, 0xc2, 'x', 'x', 1, { imm: true }),
      f(0x66, 0xc2, 'x', 'x', 2, { imm: true }), f(0xf2, 0xc2, 'x', 'x', 2, { imm: true }),
      f(0, 0x2e, 'x', 'x', 1), f(0, 0x2f, 'x', 'x', 1), f(0x66, 0x2e, 'x', 'x', 2), f(0x66, 0x2f, 'x', 'x', 2),
    ];
    assert.deepEqual(compare(makeCases(12, 8000, forms)), []);
  });

  it('conversions: CVTSI2SS/SD, CVT(T)SS2SI, CVT(T)SD2SI, CVTPI2PS/PD, CVT(T)PS2PI, CVT(T)PD2PI, CVTSS2SD, CVTSD2SS, CVTPS2PD, CVTPD2PS, CVTDQ2PS, CVT(T)PS2DQ, CVTDQ2PD, CVT(T)PD2DQ', () => {
    const forms = [
      f(0xf3, 0x2a, 'x', 'g', 0), f(0xf2, 0x2a, 'x', 'g', 0), f(0, 0x2a, 'x', 'm', 0), f(0x66, 0x2a, 'x', 'm', 0),
      f(0xf3, 0x2c, 'g', 'x', 1), f(0xf3, 0x2d, 'g', 'x', 1), f(0xf2, 0x2c, 'g', 'x', 2), f(0xf2, 0x2d, 'g', 'x', 2),
      f(0, 0x2c, 'm', 'x', 1), f(0, 0x2d, 'm', 'x', 1), f(0x66, 0x2c, 'm', 'x', 2), f(0x66, 0x2d, 'm', 'x', 2),
      f(0xf3, 0x5a, 'x', 'x', 1), f(0xf2, 0x5a, 'x', 'x', 2), f(0, 0x5a, 'x', 'x', 1), f(0x66, 0x5a, 'x', 'x', 2),
      f(0, 0x5b, 'x', 'x', 0), f(0x66, 0x5b, 'x', 'x', 1), f(0xf3, 0x5b, 'x', 'x', 1),
      f(0xf3, 0xe6, 'x', 'x', 0), f(0x66, 0xe6, 'x', 'x', 2), f(0xf2, 0xe6, 'x', 'x', 2),
    ];
    assert.deepEqual(compare(makeCases(13, 10000, forms)), []);
  });

  it('moves, shuffles, unpacks, logic and masks: MOVUPS/APS/SS/SD/LPS/HPS/LHPS/HLPS/D/Q/DQA/DQU/NT*, SHUFPS/PD, UNPCK*, AND/ANDN/OR/XOR, MOVMSK, PMOVMSKB, PINSRW, PEXTRW, PSHUF*', () => {
    const forms: Form[] = [];
    for (const p of [0, 0x66, 0xf3, 0xf2]) forms.push(f(p, 0x10, 'x', 'x', 0), f(p, 0x11, 'x', 'x', 0));
    for (const p of [0, 0x66]) {
      forms.push(
        f(p, 0x28, 'x', 'x', 0), f(p, 0x29, 'x', 'x', 0), f(p, 0x14, 'x', 'x', 0), f(p, 0x15, 'x', 'x', 0),
        f(p, 0x13, 'x', 'x', 0, { regForm: false }), f(p, 0x17, 'x', 'x', 0, { regForm: false }),
        f(p, 0x2b, 'x', 'x', 0, { regForm: false }), f(p, 0x50, 'g', 'x', 1, { mem: false }),
        f(p, 0x54, 'x', 'x', 0), f(p, 0x55, 'x', 'x', 0), f(p, 0x56, 'x', 'x', 0), f(p, 0x57, 'x', 'x', 0),
        f(p, 0xc6, 'x', 'x', 0, { imm: true }), f(p, 0x6e, p ? 'x' : 'm', 'g', 0), f(p, 0x7e, p ? 'x' : 'm', 'g', 0),
        f(p, 0x6f, p ? 'x' : 'm', p ? 'x' : 'm', 0), f(p, 0x7f, p ? 'x' : 'm', p ? 'x' : 'm', 0),
        f(p, 0x70, p ? 'x' : 'm', p ? 'x' : 'm', 0, { imm: true }), f(p, 0xd7, 'g', p ? 'x' : 'm', 3, { mem: false }),
        f(p, 0xc4, p ? 'x' : 'm', 'g', 0, { imm: true }), f(p, 0xc5, 'g', p ? 'x' : 'm', 0, { imm: true, mem: false }),
        f(p, 0xe7, p ? 'x' : 'm', 'x', 0, { regForm: false }),
      );
    }
    forms.push(
      f(0, 0x12, 'x', 'x', 0), f(0, 0x16, 'x', 'x', 0), f(0x66, 0x12, 'x', 'x', 0, { regForm: false }),
      f(0x66, 0x16, 'x', 'x', 0, { regForm: false }), f(0xf3, 0x6f, 'x', 'x', 0), f(0xf3, 0x7f, 'x', 'x', 0),
      f(0xf3, 0x7e, 'x', 'x', 0), f(0x66, 0xd6, 'x', 'x', 0), f(0xf3, 0xd6, 'x', 'm', 0, { mem: false }),
      f(0xf2, 0xd6, 'm', 'x', 0, { mem: false }), f(0xf3, 0x70, 'x', 'x', 0, { imm: true }),
      f(0xf2, 0x70, 'x', 'x', 0, { imm: true }), f(0, 0xc3, 'g', 'x', 0, { regForm: false }),
    );
    assert.deepEqual(compare(makeCases(14, 10000, forms)), []);
  });

  it('integer SIMD on MMX and XMM registers: PADD*/PSUB* (wrapping and saturating), PMUL*, PMADDWD, PSADBW, PAVG*, PMIN*/PMAX*, PCMP*, PACK*, PUNPCK*, shifts, logic', () => {
    const forms: Form[] = [];
    for (let o = 0; o < 256; o++) {
      const isInt = (o >= 0x60 && o <= 0x6b) || (o >= 0x74 && o <= 0x76) || (o >= 0xd1 && o <= 0xd5) || (o >= 0xd8 && o <= 0xdf) ||
        (o >= 0xe0 && o <= 0xe5) || (o >= 0xe8 && o <= 0xef) || (o >= 0xf1 && o <= 0xf6) || (o >= 0xf8 && o <= 0xfe);
      if (isInt) forms.push(f(0, o, 'm', 'm', 3), f(0x66, o, 'x', 'x', 3));
    }
    forms.push(f(0x66, 0x6c, 'x', 'x', 3), f(0x66, 0x6d, 'x', 'x', 3));
    for (const p of [0, 0x66]) {
      const k = p ? 'x' : 'm';
      for (const [o, subs] of [[0x71, [2, 4, 6]], [0x72, [2, 4, 6]], [0x73, p ? [2, 3, 6, 7] : [2, 6]]] as const) {
        for (const s of subs) forms.push(f(p, o, s, k, 3, { imm: true, mem: false }));
      }
    }
    assert.deepEqual(compare(makeCases(15, 12000, forms)), []);
  });
});

describe('SSE reciprocal estimates', { skip }, () => {
  it('RCPPS/RCPSS/RSQRTPS/RSQRTSS are within 1.5·2^-12 of the host result, specials equal', () => {
    const forms = [f(0, 0x53, 'x', 'x', 1), f(0xf3, 0x53, 'x', 'x', 1), f(0, 0x52, 'x', 'x', 1), f(0xf3, 0x52, 'x', 'x', 1)];
    const cases = makeCases(16, 3000, forms);
    const native = runNative(cases.map(simdLine));
    const bad: string[] = [];
    const asF = (hex: string, k: number): number => Buffer.from(hex, 'hex').readFloatLE(4 * k);
    for (let i = 0; i < cases.length && bad.length < 8; i++) {
      const w = native[i]!.split(' ');
      const g = runSimdOnUnit(cases[i]!).split(' ');
      for (let k = 0; k < 32; k++) {
        const a = asF(w[0]!, k);
        const b = asF(g[0]!, k);
        const ok = Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 3 * 2 ** -12 * Math.abs(a);
        if (!ok) bad.push(`${Buffer.from(cases[i]!.code).toString('hex')} lane ${k}: native ${a} unit ${b}`);
      }
      if (w[4] !== g[4]) bad.push(`mxcsr native ${w[4]} unit ${g[4]}`);
    }
    assert.deepEqual(bad, []);
  });
});

describe('SIMD details the oracle cannot drive', () => {
  it('MASKMOVDQU stores only the bytes whose mask byte has bit 7 set, at DS:EDI', () => {
    const unit = createFpuUnit();
    const mem = new FlatMemory(MEM, 0x1000);
    const img = new Uint8Array(512);
    new DataView(img.buffer).setUint32(24, 0x1f80, true);
    for (let i = 0; i < 16; i++) {
      img[160 + i] = 0xa0 + i; // XMM0: data
      img[176 + i] = i % 3 === 0 ? 0x80 : 0x7f; // XMM1: mask
    }
    mem.bytes.set(img, 0x200);
    unit.fxrstor(MEM + 0x200, mem);
    unit.simd(0x66, 0xf7, { ...operand(0xc1), implicitLinear: MEM + 0x10 }, -1, new Uint32Array(8), mem);
    for (let i = 0; i < 16; i++) assert.equal(mem.bytes[0x10 + i], i % 3 === 0 ? 0xa0 + i : 0);
  });

  it('LDMXCSR with a reserved bit set raises #GP; simdInfo marks the imm8 forms', () => {
    const unit = createFpuUnit();
    assert.throws(() => {
      unit.mxcsr = 0x10000;
    }, /fpu exception 13/);
    assert.equal(unit.mxcsr, 0x1f80);
    assert.deepEqual(unit.simdInfo(0x66, 0x70), { known: true, imm8: true });
    assert.deepEqual(unit.simdInfo(0, 0x58), { known: true, imm8: false });
    assert.deepEqual(unit.simdInfo(0xf2, 0x12), { known: false, imm8: false });
  });
});
