/**
 * Bookkeeping of which physical pages hold decoded code, and dropping decoded blocks when such a
 * page is written. On a multiprocessor each core also marks the pages its peers decoded code on
 * (CODE_PEER), so its writes there leave the TLB fast path and drop the peers' stale blocks.
 */
import type { Block, Core } from './core.js';
import { P_WS, P_WU } from './core.js';

/** Core.codePage bit: this core has decoded blocks on the page. */
export const CODE_OWN = 1;
/** Core.codePage bit: another core of the machine may have decoded blocks on the page. */
export const CODE_PEER = 2;

/** Takes CPU writes to page `pfn` off the TLB fast path of core `c`. */
function protectPage(c: Core, pfn: number): void {
  for (let k = 0; k < c.tlbUsedCount; k++) {
    const i = c.tlbUsed[k]!;
    if (c.tlbLp[i] !== -1 && c.tlbPfn[i] === pfn) c.tlbFast[i]! &= ~(P_WS | P_WU);
  }
}

/** Marks page `pfn` as holding a peer's code in every other core of the machine. */
function markPeers(c: Core, pfn: number): void {
  for (const p of c.codePeers) {
    if (!p.codePage[pfn]) protectPage(p, pfn);
    p.codePage[pfn]! |= CODE_PEER;
  }
}

/** Records that `block` was decoded from page `pfn`: CPU writes to the page now take the slow path. */
export function registerBlock(c: Core, block: Block): void {
  c.blocks.set(block.key, block);
  let list = c.pageBlocks.get(block.pfn);
  if (!list) {
    list = [];
    c.pageBlocks.set(block.pfn, list);
  }
  list.push(block);
  let bits = c.codeBits.get(block.pfn);
  if (!bits) {
    bits = new Uint8Array(512);
    c.codeBits.set(block.pfn, bits);
  }
  for (let b = block.start; b < block.end; b++) bits[b >>> 3]! |= 1 << (b & 7);
  if (block.pfn < c.codePage.length && !(c.codePage[block.pfn]! & CODE_OWN)) {
    if (!c.codePage[block.pfn]) protectPage(c, block.pfn);
    c.codePage[block.pfn]! |= CODE_OWN;
    markPeers(c, block.pfn);
  }
}

/**
 * A CPU write of `size` bytes at offset `off` of page `pfn`, whose codePage mark is set: drops
 * the decoded blocks it overwrites, this core's and its peers' (they are not running: one thread
 * runs the machine's processors in turn). The peer mark goes once no peer has code there.
 */
export function codeWritten(c: Core, pfn: number, off: number, size: number): void {
  const mark = c.codePage[pfn]!;
  if (mark & CODE_OWN && touchesCode(c, pfn, off, size)) invalidatePage(c, pfn);
  if (!(mark & CODE_PEER)) return;
  let peerCode = false;
  for (const p of c.codePeers) {
    if (!(p.codePage[pfn]! & CODE_OWN)) continue;
    if (touchesCode(p, pfn, off, size)) invalidatePage(p, pfn);
    else peerCode = true;
  }
  if (!peerCode) c.codePage[pfn]! &= ~CODE_PEER;
}

/** Whether bytes [off, off+size) of code page `pfn` hold decoded instructions. */
export function touchesCode(c: Core, pfn: number, off: number, size: number): boolean {
  const bits = c.codeBits.get(pfn);
  if (!bits) return true;
  for (let b = off; b < off + size && b < 4096; b++) if (bits[b >>> 3]! & (1 << (b & 7))) return true;
  return false;
}

/** Drops every decoded block of page `pfn` (written by the CPU or by DMA). */
export function invalidatePage(c: Core, pfn: number): void {
  if (pfn < c.codePage.length) {
    if (!(c.codePage[pfn]! & CODE_OWN)) return;
    c.codePage[pfn]! &= ~CODE_OWN;
  }
  const list = c.pageBlocks.get(pfn);
  if (!list) return;
  for (const b of list) {
    b.valid = false;
    c.blocks.delete(b.key);
  }
  c.pageBlocks.delete(pfn);
  c.codeBits.delete(pfn);
  if (pfn === c.curPfn) c.breakBlock = true;
}

/** Drops every decoded block (the physical map changed). */
export function invalidateAll(c: Core): void {
  for (const b of c.blocks.values()) b.valid = false;
  c.blocks.clear();
  c.pageBlocks.clear();
  c.codeBits.clear();
  c.codePage.fill(0);
  for (const p of c.codePeers) for (const pfn of p.pageBlocks.keys()) if (pfn < c.codePage.length) c.codePage[pfn]! |= CODE_PEER;
  c.breakBlock = true;
}
