/**
 * Decoded blocks: straight-line runs of instructions on one physical page, decoded once and kept
 * by physical address and decode mode, then executed row by row. A block ends at a control
 * transfer, at the page end, or after BLOCK_MAX instructions; instructions can also end it early
 * (breakBlock) when they change mode, flags that gate interrupts, or code on the page.
 */
import { CS, GP, RF, TF } from './constants.js';
import type { Block, Core } from './core.js';
import { TLB_MASK, raise } from './core.js';
import { R_FAST, ROW, R_INFO, R_MODRM, R_OP, I_LEN, MODE_16, MODE_32, decodeInstruction } from './decoder.js';
import { executeRow } from './execute-row.js';
import { classifyFast, execFast } from './fast-ops.js';
import { registerBlock } from './code-pages.js';
import { readSlow } from './linear.js';
import { noteBlockEntry } from './jit/jit-policy.js';

/** Longest block. */
export const BLOCK_MAX = 64;

const scratch = new Int32Array(BLOCK_MAX * ROW);

function endsBlock(op: number, modrm: number): boolean {
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f) || (op >= 0xe0 && op <= 0xeb)) return true;
  switch (op) {
    case 0x9a: case 0xc2: case 0xc3: case 0xca: case 0xcb: case 0xcc: case 0xcd: case 0xce: case 0xcf: case 0xf4: case 0xf1:
    case 0x134: case 0x135: case 0x10b:
      return true;
    case 0xff: {
      const n = (modrm >>> 3) & 7;
      return n >= 2 && n <= 5;
    }
  }
  return false;
}

function decodeBlock(c: Core, lin: number, phys: number, mode: number, key: number): Block {
  const pageEnd = 4096 - (lin & 0xfff);
  let off = 0, n = 0;
  let cacheable = true;
  while (n < BLOCK_MAX) {
    const p = n * ROW;
    let len: number;
    if (n === 0) len = decodeInstruction(c, lin, mode, scratch, p);
    else {
      // Reading ahead is not executing: a fault here ends the block and leaves CR2 as it was.
      const cr2 = c.cr2;
      try { len = decodeInstruction(c, (lin + off) >>> 0, mode, scratch, p); } catch { c.cr2 = cr2; break; }
    }
    scratch[p + R_FAST] = classifyFast(scratch, p);
    if (off + len > pageEnd) {
      // The instruction runs into the next page: only as a lone, uncached block.
      if (n > 0) break;
      cacheable = false;
      n = 1;
      break;
    }
    n++;
    off += len;
    if (endsBlock(scratch[p + R_OP]!, scratch[p + R_MODRM]!) || off >= pageEnd) break;
  }
  const start = phys & 0xfff;
  const block: Block = { rows: scratch.slice(0, n * ROW), count: n, pfn: Math.floor(phys / 4096), key, start, end: Math.min(4096, start + off), valid: cacheable, hits: 0, fn: undefined };
  if (cacheable) registerBlock(c, block);
  return block;
}

/** Blocks chained inside one runBlock call (jumps within the same code page to cached blocks). */
const CHAIN_MAX = 32;

/**
 * Finds or decodes the block at CS:EIP and executes it (until its end, breakBlock or the budget),
 * then goes on with already-decoded blocks on the same linear page without returning to the run
 * loop (tight loops then cost no TLB or cache lookups).
 */
export function runBlock(c: Core): void {
  const eip = c.eip;
  if (eip > c.segLimit[CS]!) raise(c, GP, 0);
  const lin = (c.segBase[CS]! + eip) >>> 0;
  const lp = lin >>> 12, slot = lp & TLB_MASK;
  if (c.tlbLp[slot] !== lp || !(c.tlbAllow[slot]! & c.permX)) readSlow(c, lin, 1, c.permX);
  const pfn = c.tlbPfn[slot]!;
  const ram = c.tlbMem[slot] !== undefined;
  const phys = (pfn * 4096) + (lin & 0xfff);
  const mode = c.code32 ? MODE_32 : MODE_16;
  const key = phys * 4 + mode;
  const h = (phys ^ (mode << 11)) & 4095;
  let block = c.frontBlock[h];
  if (block === undefined || block.key !== key || !block.valid) {
    block = c.blocks.get(key);
    if (block === undefined || !ram) block = decodeBlock(c, lin, phys, mode, key);
    if (block.valid) c.frontBlock[h] = block;
  }
  c.curPfn = block.pfn;
  c.breakBlock = false;
  const single = (c.flags & TF) !== 0;
  if (c.flags & RF) {
    // RF (set by an IRET after a fault) lasts for exactly one instruction.
    runRows(c, block.rows, 1, single);
    c.flags &= ~RF;
    c.curPfn = -1;
    return;
  }
  for (let chain = 0; ; chain++) {
    // A compiled block runs whole: only when the budget covers it and no single-step trap is due.
    if (block.fn === undefined && block.valid && ram && !single) noteBlockEntry(c, block);
    const fn = block.fn;
    if (fn !== undefined && !single && c.target - c.retired >= block.count) fn(c);
    else runRows(c, block.rows, single ? 1 : block.count, single);
    if (c.breakBlock || c.retired >= c.target || single || chain >= CHAIN_MAX || !ram) break;
    const e = c.eip;
    if (e > c.segLimit[CS]!) break;
    const l = (c.segBase[CS]! + e) >>> 0;
    if (l >>> 12 !== lp) break;
    const p2 = pfn * 4096 + (l & 0xfff);
    const k2 = p2 * 4 + mode;
    const next = c.frontBlock[(p2 ^ (mode << 11)) & 4095];
    if (next === undefined || next.key !== k2 || !next.valid) break;
    block = next;
  }
  c.curPfn = -1;
}

function runRows(c: Core, rows: Int32Array, count: number, single: boolean): void {
  for (let i = 0, p = 0; i < count; i++, p += ROW) {
    const info = rows[p + R_INFO]!;
    const fast = rows[p + R_FAST]!;
    if (fast !== 0) {
      c.nextEip = c.eip + (info & I_LEN);
      execFast(c, fast, rows, p);
      c.eip = c.nextEip;
      c.retired++;
      if (single) c.trapPending = true;
      if (c.breakBlock || c.retired >= c.target) return;
      continue;
    }
    c.nextEip = c.eip + (info & I_LEN);
    executeRow(c, rows, p);
    c.eip = c.nextEip;
    c.retired++;
    if (single) c.trapPending = true;
    if (c.breakBlock || c.retired >= c.target) return;
  }
}
