/** Running one decoded row through the general executor (the interpreter's and the compiled blocks' path for instructions without a fast form). */
import type { Core } from './core.js';
import { I_ASZ32, I_OSZ32, I_SEG_SHIFT, R_DISP, R_IMM, R_IMM2, R_INFO, R_MEM, R_MODRM, R_OP } from './decoder.js';
import { execute } from './exec-main.js';

/** Loads the decoded fields of the row at rows[p..] into the core and executes it (c.eip and c.nextEip set by the caller). */
export function executeRow(c: Core, rows: Int32Array, p: number): void {
  const info = rows[p + R_INFO]!;
  c.op = rows[p + R_OP]!;
  c.info = info;
  c.modrm = rows[p + R_MODRM]!;
  c.mem = rows[p + R_MEM]!;
  c.disp = rows[p + R_DISP]!;
  c.imm = rows[p + R_IMM]!;
  c.imm2 = rows[p + R_IMM2]!;
  c.osz = info & I_OSZ32 ? 4 : 2;
  c.asz = info & I_ASZ32 ? 4 : 2;
  c.seg = (info >>> I_SEG_SHIFT) & 7;
  execute(c);
}
