/**
 * ENTER (SDM vol. 2): pushes the frame pointer, copies `level - 1` outer frame pointers and the
 * new one for nested procedures, and reserves `size` bytes, checking that the final stack pointer
 * can be written. The stack writes happen in order as on hardware, but ESP and EBP change only
 * once nothing can fault any more, so a faulting ENTER leaves the registers as they were.
 */
import { EBP, SS } from './constants.js';
import type { Core } from './core.js';
import { getReg, setReg } from './core.js';
import { checkAlign, probeWrite, rdSize, wrSize } from './linear.js';
import { segRead, segWrite, setSp, sp } from './operands.js';

/** Executes ENTER imm16 (size in c.imm), imm8 (level in c.imm2). */
export function enter(c: Core): void {
  const osz = c.osz, size = c.imm & 0xffff, level = c.imm2 & 31;
  const smask = c.stack32 ? 0xffffffff : 0xffff;
  let s = ((sp(c) - osz) & smask) >>> 0;
  wrSize(c, segWrite(c, SS, s, osz), osz, getReg(c, osz, EBP));
  const frame = s;
  if (level > 0) {
    let bp = c.stack32 ? c.r[EBP]! : c.r[EBP]! & 0xffff;
    for (let i = 1; i < level; i++) {
      bp = ((bp - osz) & smask) >>> 0;
      const v = rdSize(c, segRead(c, SS, bp, osz), osz);
      s = ((s - osz) & smask) >>> 0;
      wrSize(c, segWrite(c, SS, s, osz), osz, v);
    }
    s = ((s - osz) & smask) >>> 0;
    wrSize(c, segWrite(c, SS, s, osz), osz, frame);
  }
  const nsp = ((s - size) & smask) >>> 0;
  const last = segWrite(c, SS, nsp, osz);
  checkAlign(c, last, osz, c.permW);
  probeWrite(c, last, osz, c.permW);
  // The operand size picks BP or EBP (a 16-bit ENTER on a 32-bit stack writes BP only).
  setReg(c, osz, EBP, frame);
  setSp(c, nsp);
}
