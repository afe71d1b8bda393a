/**
 * The page walk (SDM vol. 3 ch. 4): 32-bit paging with 4 KiB and 4 MiB (CR4.PSE) pages, and PAE
 * paging with 2 MiB pages and the NX bit (EFER.NXE). Sets accessed and dirty bits, checks U/S and
 * R/W with CR0.WP, and raises #PF with the SDM's error code and CR2. Fills one software-TLB slot.
 */
import { CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, CR4_PSE, EFER_NXE, PF_FAULT } from './constants.js';
import type { Core } from './core.js';
import { P_RS, P_RU, P_WS, P_WU, P_XS, P_XU, TLB_MASK, raise } from './core.js';

function physRead32(c: Core, pa: number): number {
  const page = c.memory.page(pa >>> 12);
  if (!page) return c.memory.mmioRead(pa >>> 0, 4);
  const o = pa & 0xfff;
  return (page[o]! | (page[o + 1]! << 8) | (page[o + 2]! << 16) | (page[o + 3]! << 24)) >>> 0;
}

function physWrite32(c: Core, pa: number, v: number): void {
  const pfn = pa >>> 12;
  const page = c.memory.page(pfn);
  if (!page || !c.memory.writable(pfn)) {
    c.memory.mmioWrite(pa >>> 0, 4, v >>> 0);
    return;
  }
  const o = pa & 0xfff;
  page[o] = v; page[o + 1] = v >>> 8; page[o + 2] = v >>> 16; page[o + 3] = v >>> 24;
}

/** Access kinds for a walk. */
export const ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2;

function pageFault(c: Core, lin: number, code: number): never {
  c.cr2 = lin >>> 0;
  return raise(c, PF_FAULT, code);
}

/**
 * Translates `lin` for an access of `kind` by a user (CPL 3, not an implicit supervisor access)
 * or supervisor, fills the TLB slot and returns it. Faults with #PF.
 */
export function walk(c: Core, lin: number, kind: number, user: boolean): number {
  const lp = lin >>> 12;
  const slot = lp & TLB_MASK;
  let pfn: number;
  let perms: number;
  let global = 0;
  if (!(c.cr0 & CR0_PG)) {
    pfn = lp;
    perms = 63;
  } else {
    const write = kind === ACC_WRITE;
    const errBase = (write ? 2 : 0) | (user ? 4 : 0);
    const nxe = (c.efer & EFER_NXE) !== 0;
    let rw: number, us: number, nx = 0, dirty: boolean;
    if (c.cr4 & CR4_PAE) {
      const pdpte = c.cr3 & 0xffffffe0;
      const e3a = (pdpte + ((lin >>> 30) << 3)) >>> 0;
      const e3 = physRead32(c, e3a);
      if (!(e3 & 1)) pageFault(c, lin, errBase | (nxe && kind === ACC_EXEC ? 16 : 0));
      const e2a = ((e3 & 0xfffff000) + (((lin >>> 21) & 0x1ff) << 3)) >>> 0;
      const e2 = physRead32(c, e2a);
      const e2h = physRead32(c, e2a + 4);
      const ifetch = nxe && kind === ACC_EXEC ? 16 : 0;
      if (!(e2 & 1)) pageFault(c, lin, errBase | ifetch);
      if (!nxe && e2h & 0x80000000) pageFault(c, lin, errBase | 9 | ifetch);
      rw = e2 & 2; us = e2 & 4; nx = nxe ? e2h >>> 31 : 0;
      if (e2 & 0x80) {
        dirty = (e2 & 0x40) !== 0;
        checkPerm(c, lin, kind, user, rw, us, nx, errBase | ifetch);
        let ne = e2 | 0x20;
        if (write) { ne |= 0x40; dirty = true; }
        if (ne !== e2) physWrite32(c, e2a, ne);
        pfn = ((e2 & 0xffe00000) >>> 12) | (lp & 0x1ff);
        global = e2 & 0x100;
      } else {
        if (!(e2 & 0x20)) physWrite32(c, e2a, e2 | 0x20);
        const e1a = ((e2 & 0xfffff000) + ((lp & 0x1ff) << 3)) >>> 0;
        const e1 = physRead32(c, e1a);
        const e1h = physRead32(c, e1a + 4);
        if (!(e1 & 1)) pageFault(c, lin, errBase | ifetch);
        if (!nxe && e1h & 0x80000000) pageFault(c, lin, errBase | 9 | ifetch);
        rw &= e1 & 2; us &= e1 & 4; nx |= nxe ? e1h >>> 31 : 0;
        dirty = (e1 & 0x40) !== 0;
        checkPerm(c, lin, kind, user, rw, us, nx, errBase | ifetch);
        let ne = e1 | 0x20;
        if (write) { ne |= 0x40; dirty = true; }
        if (ne !== e1) physWrite32(c, e1a, ne);
        pfn = e1 >>> 12;
        global = e1 & 0x100;
      }
    } else {
      const e2a = ((c.cr3 & 0xfffff000) + ((lin >>> 22) << 2)) >>> 0;
      const e2 = physRead32(c, e2a);
      if (!(e2 & 1)) pageFault(c, lin, errBase);
      rw = e2 & 2; us = e2 & 4;
      if (e2 & 0x80 && c.cr4 & CR4_PSE) {
        dirty = (e2 & 0x40) !== 0;
        checkPerm(c, lin, kind, user, rw, us, 0, errBase);
        let ne = e2 | 0x20;
        if (write) { ne |= 0x40; dirty = true; }
        if (ne !== e2) physWrite32(c, e2a, ne);
        pfn = ((e2 & 0xffc00000) >>> 12) | (lp & 0x3ff);
        global = e2 & 0x100;
      } else {
        if (!(e2 & 0x20)) physWrite32(c, e2a, e2 | 0x20);
        const e1a = ((e2 & 0xfffff000) + ((lp & 0x3ff) << 2)) >>> 0;
        const e1 = physRead32(c, e1a);
        if (!(e1 & 1)) pageFault(c, lin, errBase);
        rw &= e1 & 2; us &= e1 & 4;
        dirty = (e1 & 0x40) !== 0;
        checkPerm(c, lin, kind, user, rw, us, 0, errBase);
        let ne = e1 | 0x20;
        if (write) { ne |= 0x40; dirty = true; }
        if (ne !== e1) physWrite32(c, e1a, ne);
        pfn = e1 >>> 12;
        global = e1 & 0x100;
      }
    }
    perms = P_RS;
    if (rw || !(c.cr0 & CR0_WP)) perms |= P_WS;
    if (us) { perms |= P_RU; if (rw) perms |= P_WU; }
    if (!nx) { perms |= P_XS; if (us) perms |= P_XU; }
    if (!dirty) perms &= ~(P_WS | P_WU);
    if (!(c.cr4 & CR4_PGE)) global = 0;
  }
  fillSlot(c, slot, lp, pfn, perms, global ? 1 : 0);
  return slot;
}

function checkPerm(c: Core, lin: number, kind: number, user: boolean, rw: number, us: number, nx: number, err: number): void {
  if (user && !us) pageFault(c, lin, err | 1);
  if (kind === ACC_WRITE && !rw && (user || c.cr0 & CR0_WP)) pageFault(c, lin, err | 1);
  if (kind === ACC_EXEC && nx) pageFault(c, lin, err | 1);
}

function fillSlot(c: Core, slot: number, lp: number, pfn: number, perms: number, global: number): void {
  const mem = pfn < 0x100000 ? c.memory.page(pfn) : undefined;
  const ramW = mem !== undefined && c.memory.writable(pfn);
  if (!c.tlbListed[slot]) {
    c.tlbListed[slot] = 1;
    c.tlbUsed[c.tlbUsedCount++] = slot;
  }
  c.tlbLp[slot] = lp;
  c.tlbPfn[slot] = pfn;
  c.tlbAllow[slot] = perms;
  c.tlbGlobal[slot] = global;
  c.tlbMem[slot] = mem;
  c.tlbRamW[slot] = ramW ? 1 : 0;
  let fast = mem ? perms : 0;
  if (!ramW || c.codePage[pfn]) fast &= ~(P_WS | P_WU);
  c.tlbFast[slot] = fast;
}

/** Empties the TLB; with keepGlobal, entries of global pages (CR4.PGE) stay (a CR3 write). */
export function flushTlb(c: Core, keepGlobal: boolean): void {
  const used = c.tlbUsed;
  let kept = 0;
  for (let k = 0, n = c.tlbUsedCount; k < n; k++) {
    const i = used[k]!;
    if (keepGlobal && c.tlbGlobal[i] && c.tlbLp[i] !== -1) { used[kept++] = i; continue; }
    c.tlbListed[i] = 0;
    c.tlbLp[i] = -1;
    c.tlbFast[i] = 0;
    c.tlbAllow[i] = 0;
    c.tlbMem[i] = undefined;
  }
  c.tlbUsedCount = kept;
}

/** INVLPG: drops the entry of one linear page. */
export function flushTlbPage(c: Core, lin: number): void {
  const lp = lin >>> 12;
  const slot = lp & TLB_MASK;
  if (c.tlbLp[slot] === lp) {
    c.tlbLp[slot] = -1;
    c.tlbFast[slot] = 0;
    c.tlbAllow[slot] = 0;
    c.tlbMem[slot] = undefined;
  }
}
