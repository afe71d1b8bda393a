/**
 * String instructions (MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS) with REP/REPE/REPNE, the address
 * size choosing SI/DI/CX or ESI/EDI/ECX, DF for the direction, DS (overridable) as the source and
 * ES as the destination. Long REP runs stop after a chunk and restart at the same instruction, so
 * that interrupts can come in between iterations as on real hardware.
 */
import { DF, ECX, EDI, EDX, ES, ESI, ZF } from './constants.js';
import type { Core } from './core.js';
import { getReg, setReg } from './core.js';
import { alu } from './alu.js';
import { getFlag } from './flags.js';
import { I_REP, I_REPNE } from './decoder.js';
import { readSeg, writeSeg } from './operands.js';
import { checkIoPermission, portInRaw, portOutRaw } from './io.js';

/** Iterations of one REP string instruction before it yields to the run loop. */
const REP_CHUNK = 4096;

/** Executes string instruction `op` (one-byte opcode) with its prefixes. */
export function stringOp(c: Core, op: number): void {
  const size = op & 1 ? c.osz : 1;
  const asz = c.asz;
  const amask = asz === 4 ? 0xffffffff : 0xffff;
  const rep = c.info & (I_REP | I_REPNE);
  const delta = c.flags & DF ? -size : size;
  let n = rep ? getReg(c, asz, ECX) : 1;
  if (n === 0) return;
  const isCmp = op === 0xa6 || op === 0xa7 || op === 0xae || op === 0xaf;
  const port = c.r[EDX]! & 0xffff;
  if (op <= 0x6f) { checkIoPermission(c, port, size); c.breakBlock = true; }
  const src = c.seg;
  for (let iter = 0; ; iter++) {
    const si = getReg(c, asz, ESI), di = getReg(c, asz, EDI);
    switch (op) {
      case 0x6c: case 0x6d: {
        const v = portInRaw(c, port, size);
        writeSeg(c, ES, di, size, v);
        setReg(c, asz, EDI, (di + delta) & amask);
        break;
      }
      case 0x6e: case 0x6f:
        portOutRaw(c, port, size, readSeg(c, src, si, size));
        setReg(c, asz, ESI, (si + delta) & amask);
        break;
      case 0xa4: case 0xa5:
        writeSeg(c, ES, di, size, readSeg(c, src, si, size));
        setReg(c, asz, ESI, (si + delta) & amask);
        setReg(c, asz, EDI, (di + delta) & amask);
        break;
      case 0xa6: case 0xa7: {
        const a = readSeg(c, src, si, size), b = readSeg(c, ES, di, size);
        alu(c, 7, a, b, size);
        setReg(c, asz, ESI, (si + delta) & amask);
        setReg(c, asz, EDI, (di + delta) & amask);
        break;
      }
      case 0xaa: case 0xab:
        writeSeg(c, ES, di, size, getReg(c, size, 0));
        setReg(c, asz, EDI, (di + delta) & amask);
        break;
      case 0xac: case 0xad:
        setReg(c, size, 0, readSeg(c, src, si, size));
        setReg(c, asz, ESI, (si + delta) & amask);
        break;
      default: {
        alu(c, 7, getReg(c, size, 0), readSeg(c, ES, di, size), size);
        setReg(c, asz, EDI, (di + delta) & amask);
        break;
      }
    }
    if (!rep) return;
    n = (n - 1) & amask;
    setReg(c, asz, ECX, n);
    if (isCmp) {
      const zf = getFlag(c, ZF);
      if ((c.info & I_REP) ? !zf : zf) return;
    }
    if (n === 0) return;
    if (iter >= REP_CHUNK) {
      c.nextEip = c.eip;
      c.breakBlock = true;
      return;
    }
  }
}
