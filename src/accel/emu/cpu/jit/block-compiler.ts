/**
 * The block compiler: turns a decoded block into one JavaScript function (`new Function` source
 * with the decoded operands as constants). Frequent forms (the fast forms of fast-ops.ts) become
 * straight-line code on the register file; every other instruction loads its decoded fields as
 * constants and calls the interpreter's executor, so semantics stay the interpreter's. Before each
 * instruction that can fault, the code stores the instruction's EIP and retired count, so an
 * exception leaves the state exactly as the interpreter leaves it (restartable at the faulting
 * instruction). The caller runs a compiled block only when the whole block fits in the
 * instruction budget and TF/RF are clear.
 */
import { ARITH_FLAGS, CS, GP, PF, REG_NONE, SF, ZF } from '../constants.js';
import type { Core } from '../core.js';
import { raise } from '../core.js';
import { alu } from '../alu.js';
import { condition, lazyIncDec } from '../flags.js';
import { I_LEN, I_OSZ32, I_SEG_SHIFT, R_DISP, R_FAST, R_IMM, R_INFO, R_MEM, ROW } from '../decoder.js';
import { nearJump } from '../exec-main.js';
import { executeRow } from '../execute-row.js';
import { F_ALU_RI, F_ALU_RM, F_ALU_RR, F_CALL, F_DEC, F_INC, F_JCC, F_LEA, F_LOAD, F_MOVZX8, F_MOV_RI, F_MOV_RR, F_POP, F_PUSH, F_PUSH_I, F_RET, F_STORE } from '../fast-ops.js';
import { rd32, rd8, wr32 } from '../linear.js';
import { pop, push, segRead, segWrite, setSp, sp } from '../operands.js';

/** A compiled block: runs all of the block's instructions (or up to an instruction that ends it early). */
export type CompiledBlock = (c: Core) => void;

/** The helpers generated code calls, passed to the factory once. */
const HELPERS = { alu, condition, lazyIncDec, executeRow, nearJump, raise, rd32, rd8, wr32, pop, push, segRead, segWrite, setSp, sp };
const HELPER_NAMES = Object.keys(HELPERS);
const HELPER_VALUES = HELPER_NAMES.map((k) => HELPERS[k as keyof typeof HELPERS]);

const ADD = 0, OR = 1, AND = 4, SUB = 5, XOR = 6, CMP = 7, TEST = 8;

/** Source of the 32-bit effective address of a row's memory operand (as fast-ops' rowEa). */
function eaSource(rows: Int32Array, p: number): string {
  const m = rows[p + R_MEM]!, base = m & 0x1f, index = (m >>> 8) & 0x1f, scale = (m >>> 16) & 3;
  const parts: string[] = [];
  if (base !== REG_NONE) parts.push(`r[${base}]`);
  if (index !== REG_NONE) parts.push(scale ? `(r[${index}] << ${scale})` : `(r[${index}] | 0)`);
  parts.push(String(rows[p + R_DISP]!));
  return `((${parts.join(' + ')}) >>> 0)`;
}

/** Source of a 32-bit ALU operation `n` (8: TEST) on expressions a and b, writing the result to register d unless it is CMP/TEST. */
function aluSource(n: number, a: string, b: string, d: number): string {
  const write = n === CMP || n === TEST ? '' : ` r[${d}] = v;`;
  switch (n) {
    case ADD: return `{ const a = ${a}, b = ${b}, v = (a + b) | 0;${write} c.lOp = 0; c.lA = a; c.lB = b; c.lR = v; c.lSize = 4; c.lMask = ${ARITH_FLAGS}; }`;
    case SUB: case CMP: return `{ const a = ${a}, b = ${b}, v = (a - b) | 0;${write} c.lOp = 1; c.lA = a; c.lB = b; c.lR = v; c.lSize = 4; c.lMask = ${ARITH_FLAGS}; }`;
    case OR: case AND: case XOR: case TEST: {
      const sym = n === OR ? '|' : n === XOR ? '^' : '&';
      return `{ const v = (${a}) ${sym} (${b});${write} c.flags &= ${~ARITH_FLAGS}; c.lOp = 2; c.lR = v; c.lSize = 4; c.lMask = ${ZF | SF | PF}; }`;
    }
    default: return `{ const v = alu(c, ${n}, ${a}, ${b}, 4);${write} }`;
  }
}

/** Source of one fast form (see fast-ops.ts for the reference semantics). */
function fastSource(f: number, rows: Int32Array, p: number, next: string): string {
  const d = (f >>> 8) & 0x1f, s = (f >>> 16) & 0x1f, n = f >>> 24;
  const seg = (rows[p + R_INFO]! >>> I_SEG_SHIFT) & 7;
  const imm = rows[p + R_IMM]!;
  switch (f & 0xff) {
    case F_MOV_RR: return `r[${d}] = r[${s}];`;
    case F_ALU_RR: return aluSource(n, `r[${d}]`, `r[${s}]`, d);
    case F_ALU_RI: {
      const v = (f & 0x10000 ? (imm << 24) >> 24 : imm) >>> 0;
      return aluSource(n, `r[${d}]`, String(v), d);
    }
    case F_INC: return `{ const a = r[${d}], v = (a + 1) >>> 0; r[${d}] = v; lazyIncDec(c, a, v, 4, false); }`;
    case F_DEC: return `{ const a = r[${d}], v = (a - 1) >>> 0; r[${d}] = v; lazyIncDec(c, a, v, 4, true); }`;
    case F_PUSH: return `c.osz = 4; push(c, 4, r[${d}]);`;
    case F_POP: return `{ c.osz = 4; const v = pop(c, 4); r[${d}] = v; }`;
    case F_MOV_RI: return `r[${d}] = ${imm >>> 0};`;
    case F_LOAD: return `r[${d}] = rd32(c, segRead(c, ${seg}, ${eaSource(rows, p)}, 4));`;
    case F_STORE: return `wr32(c, segWrite(c, ${seg}, ${eaSource(rows, p)}, 4), r[${d}]);`;
    case F_LEA: return `r[${d}] = ${eaSource(rows, p)};`;
    case F_MOVZX8: return `r[${d}] = rd8(c, segRead(c, ${seg}, ${eaSource(rows, p)}, 1));`;
    case F_ALU_RM: return aluSource(n, `r[${d}]`, `rd32(c, segRead(c, ${seg}, ${eaSource(rows, p)}, 4))`, d);
    case F_CALL:
      return `{ c.nextEip = ${next}; const t = (c.nextEip + ${imm}) >>> 0; if (t > c.segLimit[${CS}]) raise(c, ${GP}, 0); push(c, 4, c.nextEip); c.nextEip = t; }`;
    case F_RET:
      return `{ c.nextEip = ${next}; const t = pop(c, 4); if (t > c.segLimit[${CS}]) { setSp(c, sp(c) - 4); raise(c, ${GP}, 0); } c.nextEip = t; }`;
    case F_PUSH_I: return `push(c, 4, ${imm});`;
    default: {
      // F_JCC: the target wraps to the operand size; nearJump checks the CS limit.
      const info = rows[p + R_INFO]!;
      const rel = f & 0x10000 ? imm : (imm << 24) >> 24;
      const osz = info & I_OSZ32 ? 4 : 2;
      const target = osz === 4 ? `(${next} + ${rel}) >>> 0` : `(${next} + ${rel}) & 0xffff`;
      return `c.nextEip = ${next}; if (condition(c, ${d})) { c.osz = ${osz}; nearJump(c, ${target}); }`;
    }
  }
}

/** Fast forms that cannot fault and change nothing but registers and flags. */
function cannotFault(f: number): boolean {
  const k = f & 0xff;
  return k === F_MOV_RR || k === F_ALU_RR || k === F_ALU_RI || k === F_INC || k === F_DEC || k === F_MOV_RI || k === F_LEA;
}

/** Forms that set c.nextEip themselves (control transfers). */
function setsNextEip(f: number): boolean {
  const k = f & 0xff;
  return k === F_CALL || k === F_RET || k === F_JCC;
}

/** The JavaScript source of the block's function body (exported for tests and diagnosis). */
export function blockSource(rows: Int32Array, count: number): string {
  const out: string[] = ['const r = c.r, e0 = c.eip, n0 = c.retired;'];
  let off = 0;
  for (let i = 0; i < count; i++) {
    const p = i * ROW;
    const info = rows[p + R_INFO]!;
    const len = info & I_LEN;
    const f = rows[p + R_FAST]!;
    const eip = off === 0 ? 'e0' : `e0 + ${off}`;
    const next = `e0 + ${off + len}`;
    const last = i === count - 1;
    if (f !== 0 && cannotFault(f)) {
      out.push(fastSource(f, rows, p, next));
      if (last) out.push(`c.eip = ${next}; c.retired = n0 + ${count};`);
    } else if (f !== 0) {
      out.push(`c.eip = ${eip}; c.retired = n0 + ${i};`);
      out.push(fastSource(f, rows, p, next));
      out.push(setsNextEip(f) ? `c.eip = c.nextEip; c.retired = n0 + ${i + 1};` : `c.eip = ${next}; c.retired = n0 + ${i + 1};`);
      if (!last) out.push(`if (c.breakBlock) return;`);
    } else {
      out.push(`c.eip = ${eip}; c.retired = n0 + ${i};`);
      out.push(`c.nextEip = ${next}; executeRow(c, rows, ${p}); c.eip = c.nextEip; c.retired = n0 + ${i + 1};`);
      if (!last) out.push(`if (c.breakBlock || c.eip !== ${next}) return;`);
    }
    off += len;
  }
  return out.join('\n');
}

/** Compiles the block's rows into a function (it keeps `rows` for the instructions it hands to the executor). */
export function compileBlock(rows: Int32Array, count: number): CompiledBlock {
  const source = `return function block(c) {\n${blockSource(rows, count)}\n};`;
  const factory = new Function('rows', ...HELPER_NAMES, source) as (...h: unknown[]) => CompiledBlock;
  return factory(rows, ...HELPER_VALUES);
}
