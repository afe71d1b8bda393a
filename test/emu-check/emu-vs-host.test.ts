/**
 * tkvm's software CPU against the host CPU (issue 6): thousands of random sequences per
 * instruction class run natively as 32-bit ring-3 code (native/harness.c) and on the EmuCpu at
 * CPL 3, compared register for register, EFLAGS with the SDM's undefined flags masked, the data
 * area byte for byte, and the exception (vector, error code, CR2) that ended each one.
 *
 * EMU_CHECK_SEED=<n> changes the base seed (default fixed, so CI is repeatable), EMU_CHECK_COUNT
 * the cases per class, EMU_CHECK_CLASS=<name> runs one class, EMU_CHECK_CASE=<seed> replays one
 * case of it. A class the core does not implement yet (every case #UD on the software CPU only)
 * is skipped with that reason; any other difference fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLASSES, generateCases } from './classes.test-util.js';
import { differences, describeMismatch } from './compare.test-util.js';
import { EmuSide, loadEmuCore } from './emu-runner.test-util.js';
import { CODE_BASE, UD } from './layout.test-util.js';
import { nativeHarness, runNative } from './native-harness.test-util.js';
import { hex } from './sequence.test-util.js';

const BASE_SEED = Number(process.env['EMU_CHECK_SEED'] ?? 0x1a32c0de) >>> 0;
const COUNT = Number(process.env['EMU_CHECK_COUNT'] ?? 2000);
const ONLY_CLASS = process.env['EMU_CHECK_CLASS'];
const ONLY_CASE = process.env['EMU_CHECK_CASE'] === undefined ? undefined : Number(process.env['EMU_CHECK_CASE']) >>> 0;
const MAX_REPORTED = 10;

const harness = nativeHarness();
const core = await loadEmuCore();
let emu: EmuSide | undefined;

for (const cls of CLASSES) {
  if (ONLY_CLASS !== undefined && ONLY_CLASS !== cls.name) continue;
  test(`${cls.name}: ${cls.covers} — software CPU matches the host CPU (seed ${hex(BASE_SEED)})`, async (t) => {
    if ('skip' in harness) return t.skip(harness.skip);
    if (typeof core === 'string') return t.skip(core);
    const cases = generateCases(cls, BASE_SEED, COUNT, ONLY_CASE);
    const host = await runNative(harness.path, cases);
    emu ??= new EmuSide(core);
    const reports: string[] = [];
    const unimplemented = new Map<string, number>();
    let implementedCases = 0;
    let mismatches = 0;
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i]!;
      const h = host[i]!;
      const e = emu.run(c);
      // #UD on the software CPU where the host got at least as far: an instruction it lacks.
      if (e.vector === UD && h.vector !== UD && h.eip >= e.eip) {
        const off = e.eip - CODE_BASE;
        const opcode = Array.from(c.code.subarray(off, off + 3), (x) => x.toString(16).padStart(2, '0')).join(' ');
        unimplemented.set(opcode, (unimplemented.get(opcode) ?? 0) + 1);
        continue;
      }
      implementedCases++;
      const diffs = differences(c, h, e);
      if (diffs.length === 0) continue;
      mismatches++;
      if (reports.length < MAX_REPORTED) reports.push(describeMismatch(c, h, e, diffs));
    }
    const udList = [...unimplemented].map(([op, n]) => `${op}.. (${n})`).join(', ');
    if (mismatches === 0 && implementedCases === 0 && unimplemented.size > 0) {
      return t.skip(`the software CPU does not implement this class yet: #UD on ${udList}`);
    }
    const summary = `${cls.name}: ${mismatches} of ${cases.length} sequences differ from the host CPU` +
      (unimplemented.size ? `; #UD on the software CPU only (not implemented?): ${udList}` : '');
    assert.ok(mismatches === 0 && unimplemented.size === 0, [summary, ...reports].join('\n\n'));
  });
}
