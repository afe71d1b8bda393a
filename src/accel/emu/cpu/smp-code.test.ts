// Two software CPUs on one memory, run in turn as the pc machine runs them (-smp): a write by one
// to code the other has decoded must reach the other (cross-modifying code, SDM vol. 3 8.1.3), and
// INIT keeps what the SDM says it keeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EmuCpu } from '../contract.js';
import { createEmuCpu } from './index.js';
import { TestPin, assemble, makeRig, startReal, type TestRig } from './cpu.test-util.js';

/** A rig with a second CPU (APIC ID 1) on the same memory and ports, the two sharing code. */
function twoCpus(): { a: TestRig; b: TestRig } {
  const a = makeRig();
  let t = 0;
  const cpu = createEmuCpu({ memory: a.mem, io: a.ports, interrupts: new TestPin(), apicId: 1, cpus: 2, clockNs: () => (t += 100) });
  const b: TestRig = { ...a, cpu, pin: new TestPin(), exceptions: [] };
  const both: EmuCpu[] = [a.cpu, b.cpu];
  for (const c of both) c.shareCodeWith?.(both);
  return { a, b };
}

/** B's code at 0x1000 loads AX from its own immediate (bytes 0x1001-0x1002) and halts. */
const B_CODE = assemble('.code16\nmov $0x1111, %ax\nhlt', 0x1000);

function runB(b: TestRig): number {
  startReal(b, B_CODE);
  return rerunB(b);
}

/** Runs B's code again from 0x1000 without rewriting it (its decoded block is reused unless dropped). */
function rerunB(b: TestRig): number {
  b.cpu.setState({ ...b.cpu.getState(), eip: 0x1000 });
  assert.equal(b.cpu.run(1000), 'halted');
  return b.cpu.getState().gpr[0]! & 0xffff;
}

/** Runs `source` on A from 0x3000 to its HLT. */
function runA(a: TestRig, source: string): void {
  startReal(a, assemble(`.code16\n${source}\nhlt`, 0x3000), 0x3000);
  assert.equal(a.cpu.run(1000), 'halted');
}

test('a CPU writing an immediate another CPU has decoded: the other runs the new code', () => {
  const { a, b } = twoCpus();
  assert.equal(runB(b), 0x1111);
  runA(a, 'movw $0x2222, 0x1001');
  // B's block at 0x1000 would still say 0x1111 if A's write had not dropped it.
  assert.equal(rerunB(b), 0x2222);
});

test('a CPU that wrote a page fast before another decoded code there still drops that code', () => {
  const { a, b } = twoCpus();
  // A writes page 1 first (its TLB then writes there on the fast path), B decodes code there, A writes again.
  startReal(a, assemble('.code16\nmovw $0x0000, 0x1800\nhlt\nmovw $0x3333, 0x1001\nhlt', 0x3000), 0x3000);
  assert.equal(a.cpu.run(1000), 'halted');
  assert.equal(runB(b), 0x1111);
  a.cpu.setState(a.cpu.getState()); // out of HLT, on to the second write
  assert.equal(a.cpu.run(1000), 'halted');
  assert.equal(a.mem.read32(0x1000) >>> 8 & 0xffff, 0x3333);
  assert.equal(rerunB(b), 0x3333);
});

test('after a memory map change a CPU still knows which pages its peer has code on', () => {
  const { a, b } = twoCpus();
  assert.equal(runB(b), 0x1111);
  a.mem.generation++; // both drop everything; B decodes again before A looks
  assert.equal(runB(b), 0x1111);
  runA(a, 'movw $0x4444, 0x1001');
  assert.equal(rerunB(b), 0x4444);
});

test('a write next to another CPU\'s code leaves it decoded and correct', () => {
  const { a, b } = twoCpus();
  assert.equal(runB(b), 0x1111);
  runA(a, 'movw $0x5555, 0x1100');
  assert.equal(a.mem.read32(0x1100) & 0xffff, 0x5555);
  assert.equal(rerunB(b), 0x1111);
});

test('INIT: registers as at RESET (CS:IP F000:FFF0), MSRs such as SYSENTER_CS kept; RESET clears them', () => {
  const { a } = twoCpus();
  startReal(a, assemble('.code16\nmov $0x1234, %ax\nhlt', 0x1000));
  a.cpu.run(1000);
  a.cpu.writeMsr(0x174, 0x10n);
  a.cpu.init?.();
  const st = a.cpu.getState();
  assert.equal(st.cs.selector, 0xf000);
  assert.equal(st.cs.base, 0xffff0000);
  assert.equal(st.eip, 0xfff0);
  assert.equal(st.gpr[0], 0);
  assert.equal(st.cr0, 0x60000010);
  assert.equal(a.cpu.readMsr(0x174), 0x10n);
  a.cpu.reset();
  assert.equal(a.cpu.readMsr(0x174), 0n);
});
