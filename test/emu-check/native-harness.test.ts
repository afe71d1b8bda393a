/**
 * The native side of the real-CPU comparison checks out on its own: the freestanding 32-bit
 * harness runs sequences on the host CPU and reports registers, EFLAGS, segment selectors, the
 * data area and the exception that ended each one, as the SDM and Linux's signal frames say.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeHarness, runNative } from './native-harness.test-util.js';
import { AC, CF, CODE_BASE, COMPLETED, DATA_BASE, DATA_SIZE, DE, GP, IF, PF_VECTOR, UD, AC_VECTOR, ZF, fillData, type Case } from './layout.test-util.js';
import { CLASSES, generateCases } from './classes.test-util.js';

const STACK = DATA_BASE + 0x1800;

function directed(code: number[], regs: number[], eflags = 0x202, memSeed = 7): Case {
  return {
    cls: 'directed',
    seed: 0,
    code: Uint8Array.from([...code, 0xcc]),
    regs: Uint32Array.from(regs),
    eflags,
    memSeed,
    flagsMask: 0,
    regMask: new Uint32Array(8),
    memMask: new Set(),
    text: '',
  };
}

const harness = nativeHarness();

test('native harness: ADD, a store, #DE, #PF across the data area end, #UD, #GP and #AC come back as the SDM says', async (t) => {
  if ('skip' in harness) return t.skip(harness.skip);
  const cases = [
    directed([0x01, 0xd8], [0xffffffff, 0, 0, 1, STACK, 0, 0, 0]), // add eax, ebx
    directed([0x89, 0x03], [0x11223344, 0, 0, DATA_BASE + 0x10, STACK, 0, 0, 0]), // mov [ebx], eax
    directed([0xf7, 0xf1], [1, 0, 0, 0, STACK, 0, 0, 0]), // div ecx (0)
    directed([0x89, 0x03], [0x11223344, 0, 0, DATA_BASE + DATA_SIZE - 2, STACK, 0, 0, 0]), // store straddling the end
    directed([0x0f, 0x0b], [0, 0, 0, 0, STACK, 0, 0, 0]), // ud2
    directed([0xfa], [0, 0, 0, 0, STACK, 0, 0, 0]), // cli at CPL 3, IOPL 0
    directed([0x8b, 0x43, 0x01], [0, 0, 0, DATA_BASE, STACK, 0, 0, 0], 0x202 | AC), // misaligned load with AC
    directed([0x8c, 0xd8, 0x8c, 0xcb], [0, 0, 0, 0, STACK, 0, 0, 0]), // mov eax, ds; mov ebx, cs
  ];
  const [add, store, div, straddle, ud2, cli, ac, sregs] = await runNative(harness.path, cases);
  assert.equal(add!.vector, COMPLETED);
  assert.equal(add!.eip, CODE_BASE + 2);
  assert.equal(add!.regs[0], 0);
  assert.equal(add!.eflags & (CF | ZF | IF), CF | ZF | IF);
  const fill = new Uint8Array(DATA_SIZE);
  fillData(7, fill);
  const expected = new Map<number, number>();
  [0x44, 0x33, 0x22, 0x11].forEach((v, i) => v !== fill[0x10 + i] && expected.set(0x10 + i, v));
  assert.deepEqual(store!.changes, expected);
  assert.equal(div!.vector, DE);
  assert.equal(div!.eip, CODE_BASE);
  assert.equal(straddle!.vector, PF_VECTOR);
  assert.equal(straddle!.cr2, DATA_BASE + DATA_SIZE);
  assert.equal(straddle!.errorCode, 6, 'user-mode write to a not-present page');
  assert.equal(straddle!.changes.size, 0, 'no partial store');
  assert.equal(ud2!.vector, UD);
  assert.equal(cli!.vector, GP);
  assert.equal(cli!.errorCode, 0);
  assert.equal(ac!.vector, AC_VECTOR);
  assert.deepEqual(Array.from(sregs!.regs.subarray(0, 4)), [0x2b, 0, 0, 0x23]);
  assert.deepEqual(Array.from(sregs!.segs), [0x2b, 0x23, 0x2b, 0x2b, 0, 0]);
});

test('native harness: every class generates sequences the host runs the same way twice (state fully reset between sequences)', async (t) => {
  if ('skip' in harness) return t.skip(harness.skip);
  const cases = CLASSES.flatMap((c) => generateCases(c, 0x5eed, 40));
  const first = await runNative(harness.path, cases);
  const second = await runNative(harness.path, [...cases].reverse());
  second.reverse();
  assert.deepEqual(first, second);
  const completed = first.filter((o) => o.vector === COMPLETED).length;
  assert.ok(completed > cases.length * 0.7, `${completed} of ${cases.length} sequences ran to their end`);
});
