/**
 * Compares a case's outcome on the host CPU with the software CPU's, masking what the SDM leaves
 * undefined, and words a mismatch so that it can be replayed (class, seed, bytes, listing).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CODE_BASE, COMPLETED, DATA_BASE, REG_NAMES, RF, STUCK, type Case, type Outcome } from './layout.test-util.js';
import { hex } from './sequence.test-util.js';

/** Vectors that push an error code. */
const WITH_ERROR_CODE = new Set([8, 10, 11, 12, 13, 14, 17]);

/** Names of exception vectors for messages. */
export function vectorName(v: number): string {
  if (v === COMPLETED) return 'completed';
  if (v === STUCK) return 'did not finish';
  const names: Record<number, string> = { 0: '#DE', 1: '#DB', 3: '#BP', 4: '#OF', 5: '#BR', 6: '#UD', 13: '#GP', 14: '#PF', 17: '#AC' };
  return names[v] ?? `vector ${v}`;
}

/** The differences between the host's and the software CPU's outcome, as readable lines (none: equal). */
export function differences(c: Case, host: Outcome, emu: Outcome): string[] {
  const out: string[] = [];
  if (host.vector !== emu.vector) out.push(`ending: host ${vectorName(host.vector)}, emu ${vectorName(emu.vector)}${emu.note ? ` (${emu.note})` : ''}`);
  if (host.eip !== emu.eip) out.push(`eip: host ${hex(host.eip)}, emu ${hex(emu.eip)}`);
  if (host.vector === emu.vector && WITH_ERROR_CODE.has(host.vector) && host.errorCode !== emu.errorCode) {
    out.push(`error code: host ${hex(host.errorCode, 4)}, emu ${hex(emu.errorCode, 4)}`);
  }
  if (host.vector === 14 && emu.vector === 14 && host.cr2 !== emu.cr2) out.push(`cr2: host ${hex(host.cr2)}, emu ${hex(emu.cr2)}`);
  for (let r = 0; r < 8; r++) {
    const keep = ~c.regMask[r]! >>> 0;
    if (((host.regs[r]! & keep) >>> 0) !== ((emu.regs[r]! & keep) >>> 0)) {
      out.push(`${REG_NAMES[r]}: host ${hex(host.regs[r]!)}, emu ${hex(emu.regs[r]!)}${keep !== 0xffffffff ? ` (compared bits ${hex(keep)})` : ''}`);
    }
  }
  const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];
  for (let i = 0; i < 6; i++) {
    if (host.segs[i] !== emu.segs[i]) out.push(`${SEG_NAMES[i]}: host ${hex(host.segs[i]!, 4)}, emu ${hex(emu.segs[i]!, 4)}`);
  }
  const flagKeep = ~(c.flagsMask | RF) >>> 0;
  if (((host.eflags ^ emu.eflags) & flagKeep) !== 0) {
    out.push(`eflags: host ${hex(host.eflags)}, emu ${hex(emu.eflags)}, differing ${hex((host.eflags ^ emu.eflags) & flagKeep)} (undefined, ignored: ${hex(c.flagsMask)})`);
  }
  const offsets = new Set([...host.changes.keys(), ...emu.changes.keys()]);
  const memDiffs: string[] = [];
  for (const off of [...offsets].sort((a, b) => a - b)) {
    if (c.memMask.has(off)) continue;
    const h = host.changes.get(off);
    const e = emu.changes.get(off);
    if (h !== e) memDiffs.push(`${hex(DATA_BASE + off)}: host ${h === undefined ? 'unchanged' : hex(h, 2)}, emu ${e === undefined ? 'unchanged' : hex(e, 2)}`);
  }
  if (memDiffs.length) out.push(`memory (${memDiffs.length} bytes): ${memDiffs.slice(0, 8).join('; ')}${memDiffs.length > 8 ? '; ...' : ''}`);
  return out;
}

/** objdump's listing of the case's code, when binutils can give one. */
export function disassemble(code: Uint8Array): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'emu-check-'));
  try {
    const file = path.join(dir, 'code.bin');
    writeFileSync(file, code);
    const text = execFileSync('objdump', ['-D', '-b', 'binary', '-m', 'i386', `--adjust-vma=${hex(CODE_BASE)}`, file], { encoding: 'utf8' });
    return text
      .split('\n')
      .filter((l) => /^\s*[0-9a-f]+:\t/.test(l))
      .map((l) => '    ' + l.trim())
      .join('\n');
  } catch {
    return '    (objdump not available)';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A full mismatch report: what ran, from which state, and what differed. */
export function describeMismatch(c: Case, host: Outcome, emu: Outcome, diffs: readonly string[]): string {
  const bytes = Array.from(c.code, (b) => b.toString(16).padStart(2, '0')).join(' ');
  const regs = Array.from(c.regs, (v, r) => `${REG_NAMES[r]}=${hex(v)}`).join(' ');
  return [
    `[${c.cls}] case seed ${hex(c.seed)} (replay: EMU_CHECK_CLASS=${c.cls} EMU_CHECK_CASE=${hex(c.seed)})`,
    `  bytes: ${bytes}`,
    `  ${c.text}`,
    disassemble(c.code),
    `  initial: ${regs} eflags=${hex(c.eflags)} memSeed=${hex(c.memSeed)}`,
    `  host: ${vectorName(host.vector)} at ${hex(host.eip)}${host.vector >= 0 ? ` (error code ${hex(host.errorCode, 4)}${host.vector === 14 ? `, cr2 ${hex(host.cr2)}` : ''})` : ''}`,
    ...diffs.map((d) => `  ${d}`),
  ].join('\n');
}
