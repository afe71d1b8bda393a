/**
 * FXSAVE/FXRSTOR's 512-byte image (SDM vol. 2 FXSAVE, table 3-53, 32-bit layout): FCW, FSW,
 * abridged FTW, FOP, FIP/FCS, FDP/FDS, MXCSR, MXCSR_MASK, ST0–ST7 (16 bytes each) and XMM0–XMM7.
 * Alignment (#GP on a linear address that is not 16-byte aligned) is checked here.
 */
import { EmuFpuFault, type EmuLinearMemory } from '../contract.js';
import { MXCSR_MASK, type SseState } from './sse-state.js';
import { loadedFcw, type X87State } from './x87-state.js';

/** Stores the FXSAVE image at `a`. */
export function fxsaveImage(st: X87State, sse: SseState, a: number, mem: EmuLinearMemory): void {
  if ((a & 15) !== 0) throw new EmuFpuFault(13);
  mem.probeWrite(a, 512);
  mem.write16(a, st.fcw);
  mem.write16(a + 2, st.fsw);
  mem.write8(a + 4, st.abridgedTag);
  mem.write8(a + 5, 0);
  mem.write16(a + 6, st.fop & 0x7ff);
  mem.write32(a + 8, st.fip);
  mem.write16(a + 12, st.fcs);
  mem.write16(a + 14, 0);
  mem.write32(a + 16, st.fdp);
  mem.write16(a + 20, st.fds);
  mem.write16(a + 22, 0);
  mem.write32(a + 24, sse.mxcsr);
  mem.write32(a + 28, MXCSR_MASK);
  for (let i = 0; i < 8; i++) {
    const b = a + 32 + 16 * i;
    mem.write32(b, st.loOf(i));
    mem.write32(b + 4, st.hiOf(i));
    mem.write16(b + 8, st.seOf(i));
    mem.write16(b + 10, 0);
    mem.write32(b + 12, 0);
  }
  for (let i = 0; i < 32; i++) mem.write32(a + 160 + 4 * i, sse.u32[i]!);
}

/** Loads the FXRSTOR image at `a` (#GP on reserved MXCSR bits, before anything changes). */
export function fxrstorImage(st: X87State, sse: SseState, a: number, mem: EmuLinearMemory): void {
  if ((a & 15) !== 0) throw new EmuFpuFault(13);
  const mxcsr = mem.read32(a + 24) >>> 0;
  if ((mxcsr & ~MXCSR_MASK) !== 0) throw new EmuFpuFault(13);
  const fcw = mem.read16(a);
  const fsw = mem.read16(a + 2);
  const tag = mem.read8(a + 4);
  const fop = mem.read16(a + 6) & 0x7ff;
  const fip = mem.read32(a + 8) >>> 0;
  const fcs = mem.read16(a + 12);
  const fdp = mem.read32(a + 16) >>> 0;
  const fds = mem.read16(a + 20);
  const regs = new Uint32Array(24);
  for (let i = 0; i < 8; i++) {
    const b = a + 32 + 16 * i;
    regs[3 * i] = mem.read32(b);
    regs[3 * i + 1] = mem.read32(b + 4);
    regs[3 * i + 2] = mem.read16(b + 8);
  }
  const x = new Uint32Array(32);
  for (let i = 0; i < 32; i++) x[i] = mem.read32(a + 160 + 4 * i);
  st.fcw = loadedFcw(fcw);
  st.setFsw(fsw);
  st.fop = fop;
  st.fip = fip;
  st.fcs = fcs;
  st.fdp = fdp;
  st.fds = fds;
  for (let i = 0; i < 8; i++) st.setRaw(i, regs[3 * i + 2]!, regs[3 * i + 1]!, regs[3 * i]!);
  st.empty = ~tag & 0xff;
  sse.u32.set(x);
  sse.mxcsr = mxcsr;
}
