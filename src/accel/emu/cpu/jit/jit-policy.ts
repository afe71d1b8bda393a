/**
 * When blocks get compiled: after JIT_HOT entries by default; TKVM_EMU_JIT=0 keeps every block
 * interpreted (the interpreter is the reference), TKVM_EMU_JIT=always compiles each block on its
 * first run (so tests exercise compiled code on short sequences), TKVM_EMU_JIT=<n> after n entries. At most MAX_COMPILED compiled
 * blocks are kept per CPU: reaching it drops them all, and hot blocks compile again.
 */
import type { Block, Core } from '../core.js';
import { compileBlock } from './block-compiler.js';

/** Entries before a block is compiled. */
export const JIT_HOT = 20000;
/** Compiled blocks kept per CPU before the cache is emptied. */
export const MAX_COMPILED = 16384;

function thresholdFromEnv(): number {
  const v = process.env.TKVM_EMU_JIT;
  if (v === '0' || v === 'off') return -1;
  if (v === 'always') return 1;
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isInteger(n) && n > 0 ? n : JIT_HOT;
}

let threshold = thresholdFromEnv();

/** Sets the compile threshold: -1 never compiles, 1 compiles at the first run, n after n entries. */
export function setJitThreshold(n: number): void {
  threshold = n;
}

/** The current compile threshold (-1: the compiler is off). */
export function jitThreshold(): number {
  return threshold;
}

const compiledCount = new WeakMap<Core, number>();

/**
 * Counts an entry of a cacheable block and compiles it once it is hot. Machines with more than one
 * CPU stay interpreted for now: with compiled blocks SeaBIOS's AP start-up under -smp 2 never
 * finishes (TKVM_EMU_JIT=always; not yet diagnosed), while the interpreter passes it.
 */
export function noteBlockEntry(c: Core, block: Block): void {
  if (threshold < 0 || c.cpus > 1 || ++block.hits < threshold) return;
  const n = compiledCount.get(c) ?? 0;
  if (n >= MAX_COMPILED) {
    for (const b of c.blocks.values()) { b.fn = undefined; b.hits = 0; }
    compiledCount.set(c, 0);
    block.hits = 0;
    return;
  }
  compiledCount.set(c, n + 1);
  block.fn = compileBlock(block.rows, block.count);
}
