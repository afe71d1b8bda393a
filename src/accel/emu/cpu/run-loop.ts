/**
 * The run loop: events between blocks (NMI, INTR with IF and the interrupt shadow, the
 * single-step trap), HLT, the instruction budget, foreign (DMA) writes to code pages and memory
 * map changes, and exception delivery with the double-fault and triple-fault (shutdown) rules.
 */
import type { EmuStopReason } from '../contract.js';
import { DB, DOUBLE_FAULT, IF, NMI, PF_FAULT } from './constants.js';
import type { Core } from './core.js';
import { CPU_FAULT } from './core.js';
import { EV_HW, deliver } from './interrupts.js';
import { runBlock } from './block-runner.js';
import { flushTlb } from './paging.js';
import { invalidateAll, invalidatePage } from './code-pages.js';

/** Exception classes for the double-fault rule (SDM vol. 3 table 6-5). */
function faultClass(v: number): number {
  if (v === 0 || (v >= 10 && v <= 13)) return 1; // contributory
  if (v === PF_FAULT) return 2;
  if (v === DOUBLE_FAULT) return 3;
  return 0;
}

function syncMemory(c: Core): void {
  const mem = c.memory;
  if (mem.generation !== c.memGeneration) {
    c.memGeneration = mem.generation;
    flushTlb(c, false);
    invalidateAll(c);
  }
  const foreign = mem.takeForeignWrites();
  if (foreign) for (const pfn of foreign) invalidatePage(c, pfn);
}

/**
 * Delivers an event and, when delivering it faults, applies the double-fault rules. Returns
 * 'shutdown' on a triple fault, 'exception' when a hook stopped the run, else undefined.
 */
function deliverEvent(c: Core, vector: number, code: number, returnEip: number, kind: number): EmuStopReason | undefined {
  let first = vector;
  let v = vector, e = code, k = kind;
  for (;;) {
    try {
      deliver(c, v, e, returnEip, k);
      return undefined;
    } catch (err) {
      if (err !== CPU_FAULT) throw err;
    }
    const second = c.faultVector, secondCode = c.faultCode;
    const a = faultClass(first), b = faultClass(second);
    if (a === 3 && (b === 1 || b === 2 || b === 3)) return 'shutdown';
    if ((a === 1 && b === 1) || (a === 2 && (b === 1 || b === 2))) {
      v = DOUBLE_FAULT; e = 0;
    } else {
      v = second; e = secondCode;
    }
    const hook = c.hooks?.exception?.(v, e < 0 ? undefined : e);
    if (hook === 'stop') return 'exception';
    first = v;
    returnEip = c.eip;
    k = EV_HW;
  }
}

/** Executes up to `max` instructions. */
export function runCore(c: Core, max: number): EmuStopReason {
  c.target = c.retired + max;
  c.stopRequested = false;
  for (;;) {
    if (c.stopRequested) { c.stopRequested = false; return 'stopped'; }
    syncMemory(c);
    if (c.trapPending) {
      c.trapPending = false;
      c.dr[6] = c.dr[6]! | 0x4000;
      const r = raiseEvent(c, DB, -1);
      if (r) return r;
    }
    const pin = c.pin;
    if (pin.takeNmi && !c.nmiBlocked && pin.takeNmi()) {
      c.halted = false;
      // NMIs stay blocked until the next IRET.
      c.nmiBlocked = true;
      const r = deliverEvent(c, NMI, -1, c.eip, EV_HW);
      if (r) return r;
    }
    if (c.shadow) c.shadow = false;
    else if (c.flags & IF && pin.hasInterrupt()) {
      const vec = pin.acknowledge();
      if (vec >= 0) {
        c.halted = false;
        const r = deliverEvent(c, vec & 0xff, -1, c.eip, EV_HW);
        if (r) return r;
      }
    }
    if (c.halted) return 'halted';
    if (c.retired >= c.target) return 'budget';
    try {
      runBlock(c);
    } catch (err) {
      if (err !== CPU_FAULT) throw err;
      c.curPfn = -1;
      c.trapPending = false;
      const kind = c.faultKind;
      c.faultKind = EV_HW;
      const r = raiseEvent(c, c.faultVector, c.faultCode, kind);
      if (r) return r;
    }
  }
}

function raiseEvent(c: Core, vector: number, code: number, kind: number = EV_HW): EmuStopReason | undefined {
  const hook = c.hooks?.exception?.(vector, code < 0 ? undefined : code);
  if (hook === 'stop') return 'exception';
  return deliverEvent(c, vector, code, c.eip, kind);
}
