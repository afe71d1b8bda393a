/** Bookkeeping of which physical pages hold decoded code, and dropping decoded blocks when such a page is written. */
import type { Block, Core } from './core.js';
import { TLB_SIZE, P_WS, P_WU } from './core.js';

/** Records that `block` was decoded from page `pfn`: CPU writes to the page now take the slow path. */
export function registerBlock(c: Core, block: Block): void {
  c.blocks.set(block.key, block);
  let list = c.pageBlocks.get(block.pfn);
  if (!list) {
    list = [];
    c.pageBlocks.set(block.pfn, list);
  }
  list.push(block);
  if (block.pfn < c.codePage.length && !c.codePage[block.pfn]) {
    c.codePage[block.pfn] = 1;
    for (let i = 0; i < TLB_SIZE; i++) {
      if (c.tlbLp[i] !== -1 && c.tlbPfn[i] === block.pfn) c.tlbFast[i]! &= ~(P_WS | P_WU);
    }
  }
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
  if (pfn === c.curPfn) c.breakBlock = true;
}

/** Drops every decoded block (the physical map changed). */
export function invalidateAll(c: Core): void {
  for (const b of c.blocks.values()) b.valid = false;
  c.blocks.clear();
  c.pageBlocks.clear();
  c.codePage.fill(0);
  c.breakBlock = true;
}
