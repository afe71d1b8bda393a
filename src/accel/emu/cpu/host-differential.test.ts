// The integer core against the host processor: random instruction sequences run natively (as a
// static i386 Linux program) and on the software CPU must leave the same registers, memory and
// defined flags.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PM_PROLOGUE } from './pm-boot.test-util.js';
import { assemble, makeRig, startReal } from './cpu.test-util.js';
import { DIFF_BUF, DIFF_OUT, diffProgram, nativeSource } from './host-differential.test-util.js';

/** Runs the program natively; undefined when this host cannot run i386 Linux programs. */
function runNative(source: string): Buffer | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'emu-diff-'));
  try {
    writeFileSync(join(dir, 'n.s'), source);
    execFileSync('as', ['--32', '-o', join(dir, 'n.o'), join(dir, 'n.s')], { stdio: 'pipe' });
    execFileSync('ld', ['-m', 'elf_i386', '-o', join(dir, 'n'), join(dir, 'n.o')], { stdio: 'pipe' });
    try { return execFileSync(join(dir, 'n'), { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 24 }); } catch { return undefined; }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const hostIsX86 = process.arch === 'x64' || process.arch === 'ia32';

for (const seed of [1, 2, 3, 4]) {
  test(`random integer, string, multiply/divide and flag-reading sequences match the host processor (seed ${seed})`, { skip: hostIsX86 ? false : `the host is ${process.arch}, not x86` }, (t) => {
    const p = diffProgram(seed, 150, 10);
    const native = runNative(nativeSource(p));
    if (native === undefined) { t.skip('this host cannot run i386 Linux programs (no IA32 emulation in its kernel)'); return; }
    const rig = makeRig({ stopOnException: true, memSize: 32 << 20 });
    startReal(rig, assemble(`${PM_PROLOGUE}\npm_main:\n  .set buf, ${DIFF_BUF}\n  .set out, ${DIFF_OUT}\n${p.body}  hlt\n`, 0x1000));
    assert.equal(rig.cpu.run(50_000_000), 'halted', JSON.stringify(rig.exceptions));
    for (let k = 0; k < p.masks.length; k++) {
      const mask = p.masks[k]! >>> 0;
      const want: number = native.readUInt32LE(4 * k), got: number = rig.mem.read32(DIFF_OUT + 4 * k);
      if (((want ^ got) & mask) !== 0) assert.fail(`${p.labels[k]}: host ${want.toString(16)}, software CPU ${got.toString(16)} (compared bits ${mask.toString(16)})`);
    }
  });
}
