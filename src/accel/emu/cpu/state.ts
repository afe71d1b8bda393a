/** RESET state and the architectural state snapshot (getState/setState) in the contract's shape. */
import type { EmuCpuState, EmuSegment } from '../contract.js';
import { CS, DS, EDX, ES, FS, GS, LDTR, SS, TR, EFLAGS_VALID } from './constants.js';
import type { Core } from './core.js';
import { refreshSegSizes } from './core.js';
import { getFlags } from './flags.js';
import { flushTlb } from './paging.js';
import { setCpl } from './linear.js';
import { setSegBounds } from './segments.js';
import { invalidateAll } from './code-pages.js';
import { CPU_SIGNATURE } from './cpuid.js';

function getSeg(c: Core, s: number): EmuSegment {
  const a = c.segAttr[s]!;
  return {
    selector: c.segSel[s]!,
    base: c.segBase[s]!,
    limit: c.segLimit[s]!,
    type: a & 0xf,
    s: (a & 0x10) !== 0,
    dpl: (a >>> 5) & 3,
    present: (a & 0x80) !== 0,
    db: (a & 0x4000) !== 0,
    g: (a & 0x8000) !== 0,
  };
}

function setSeg(c: Core, s: number, v: EmuSegment): void {
  c.segSel[s] = v.selector;
  c.segBase[s] = v.base;
  c.segLimit[s] = v.limit;
  c.segAttr[s] = (v.type & 0xf) | (v.s ? 0x10 : 0) | ((v.dpl & 3) << 5) | (v.present ? 0x80 : 0) | (v.db ? 0x4000 : 0) | (v.g ? 0x8000 : 0);
  if (s === LDTR || s === TR) c.segAcc[s] = v.present ? 4 : 0;
  else if (!(c.cr0 & 1) || c.flags & 0x20000) {
    setSegBounds(c, s);
    c.segAcc[s] = 7;
  } else if (!v.present) {
    c.segAcc[s] = 0;
  } else setSegBounds(c, s);
}

/** The architectural state. */
export function getState(c: Core): EmuCpuState {
  return {
    gpr: Array.from(c.r.subarray(0, 8)),
    eip: c.eip >>> 0,
    eflags: getFlags(c) >>> 0,
    cs: getSeg(c, CS), ds: getSeg(c, DS), es: getSeg(c, ES), fs: getSeg(c, FS), gs: getSeg(c, GS), ss: getSeg(c, SS),
    tr: getSeg(c, TR), ldtr: getSeg(c, LDTR),
    gdtr: { base: c.gdtBase >>> 0, limit: c.gdtLimit },
    idtr: { base: c.idtBase >>> 0, limit: c.idtLimit },
    cr0: c.cr0 >>> 0, cr2: c.cr2 >>> 0, cr3: c.cr3 >>> 0, cr4: c.cr4 >>> 0, efer: c.efer >>> 0,
  };
}

/** Loads an architectural state (CPL from SS.DPL in protected mode, as KVM does). */
export function setState(c: Core, st: EmuCpuState): void {
  for (let i = 0; i < 8; i++) c.r[i] = st.gpr[i] ?? 0;
  c.eip = st.eip >>> 0;
  c.cr0 = st.cr0 >>> 0;
  c.cr2 = st.cr2 >>> 0;
  c.cr3 = st.cr3 >>> 0;
  c.cr4 = st.cr4 >>> 0;
  c.efer = st.efer >>> 0;
  c.flags = ((st.eflags & EFLAGS_VALID) | 2) >>> 0;
  c.lMask = 0;
  c.gdtBase = st.gdtr.base >>> 0; c.gdtLimit = st.gdtr.limit & 0xffff;
  c.idtBase = st.idtr.base >>> 0; c.idtLimit = st.idtr.limit & 0xffff;
  setSeg(c, CS, st.cs); setSeg(c, DS, st.ds); setSeg(c, ES, st.es); setSeg(c, FS, st.fs); setSeg(c, GS, st.gs); setSeg(c, SS, st.ss);
  setSeg(c, TR, st.tr); setSeg(c, LDTR, st.ldtr);
  if (!(c.cr0 & 1)) setCpl(c, 0);
  else if (c.flags & 0x20000) setCpl(c, 3);
  else setCpl(c, st.ss.dpl & 3);
  refreshSegSizes(c);
  c.halted = false;
  c.shadow = false;
  flushTlb(c, false);
}

/** Power-on / RESET (SDM vol. 3 table 9-1). */
export function resetCore(c: Core): void {
  initCore(c);
  c.sysenterCs = 0; c.sysenterEsp = 0; c.sysenterEip = 0;
  c.apicBase = 0xfee00000 | (c.apicId === 0 ? 0x100 : 0) | 0x800;
  c.pat = 0x0007040600070406n;
  c.miscEnable = 1n;
  c.mtrr.clear();
  c.tscOffset = -Math.floor(c.clockNs());
  c.fpu?.reset();
}

/**
 * The INIT signal (SDM vol. 3 table 9-1, INIT column): the RESET state of the registers, but the
 * x87/SSE state, the MTRRs, the other MSRs and the TSC keep their values.
 */
export function initCore(c: Core): void {
  c.r.fill(0);
  c.r[EDX] = CPU_SIGNATURE;
  c.eip = 0xfff0;
  c.flags = 2;
  c.lMask = 0;
  c.cr0 = 0x60000010; c.cr2 = 0; c.cr3 = 0; c.cr4 = 0; c.efer = 0;
  c.dr.fill(0);
  c.dr[6] = 0xffff0ff0; c.dr[7] = 0x400;
  c.gdtBase = 0; c.gdtLimit = 0xffff; c.idtBase = 0; c.idtLimit = 0xffff;
  const data: EmuSegment = { selector: 0, base: 0, limit: 0xffff, type: 3, s: true, dpl: 0, present: true, db: false, g: false };
  for (const s of [DS, ES, FS, GS, SS]) setSeg(c, s, data);
  setSeg(c, CS, { ...data, selector: 0xf000, base: 0xffff0000, type: 0xb });
  setSeg(c, LDTR, { ...data, type: 2, s: false });
  setSeg(c, TR, { ...data, type: 0xb, s: false });
  setCpl(c, 0);
  refreshSegSizes(c);
  c.halted = false; c.shadow = false; c.trapPending = false; c.nmiBlocked = false;
  flushTlb(c, false);
  invalidateAll(c);
}
