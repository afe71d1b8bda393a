/** Bookkeeping of which physical pages hold decoded code, and dropping decoded blocks when such a page is written. */
import type { Block, Core } from './core.js';
import { P_WS, P_WU } from './core.js';

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
  if (block.pfn < c.codePage.length && !c.codePage[block.pfn]) {
    c.codePage[block.pfn] = 1;
    for (let k = 0; k < c.tlbUsedCount; k++) {
      const i = c.tlbUsed[k]!;
      if (c.tlbLp[i] !== -1 && c.tlbPfn[i] === block.pfn) c.tlbFast[i]! &= ~(P_WS | P_WU);
    }
  }
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
    if (!c.codePage[pfn]) return;
    c.codePage[pfn] = 0;
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
  c.breakBlock = true;
}
