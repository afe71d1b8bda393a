// The software CPUs' turns and start-up protocol (Intel SDM vol. 3, 9.4 and 10.6): APs wait for
// SIPI from power-on and after INIT, start at vector << 12, ignore a SIPI otherwise; the BSP
// restarts at the reset vector on INIT; HLTed CPUs are skipped until woken; slices are bounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EmuCpu, EmuInterruptPin, EmuStopReason } from '../accel/emu/contract.js';
import { createEmuCpu } from '../accel/emu/cpu/index.js';
import { TestMemory, TestPin, TestPorts } from '../accel/emu/cpu/cpu.test-util.js';
import { EmuProcessors } from './emu-processors.js';

/** A real software CPU whose run() is scripted: it records the budget and returns `next`. */
class ScriptedCpu {
  readonly cpu: EmuCpu;
  next: EmuStopReason = 'budget';
  /** Instructions the next run() pretends to retire. */
  retire = 1;
  budgets: number[] = [];
  pauseYield = false;
  stops = 0;
  inits = 0;
  onRun?: () => void;

  constructor(memory: TestMemory, apicId: number, cpus: number) {
    const real = createEmuCpu({ memory, io: new TestPorts(), interrupts: new TestPin(), apicId, cpus, clockNs: () => 0 });
    let retired = 0;
    this.cpu = Object.assign(Object.create(real) as EmuCpu, {
      run: (budget: number): EmuStopReason => {
        this.budgets.push(budget);
        this.onRun?.();
        retired += this.retire;
        return this.next;
      },
      requestStop: () => { this.stops++; },
      init: () => { this.inits++; real.init?.(); },
      setPauseYield: (on: boolean) => { this.pauseYield = on; },
    });
    Object.defineProperty(this.cpu, 'retired', { get: () => retired });
  }
}

function machine(n: number): { cpus: ScriptedCpu[]; pins: TestPin[]; p: EmuProcessors; selected: number[] } {
  const memory = new TestMemory(1 << 20);
  const cpus = Array.from({ length: n }, (_, i) => new ScriptedCpu(memory, i, n));
  const pins = cpus.map(() => new TestPin());
  const selected: number[] = [];
  const p = new EmuProcessors({ cpus: cpus.map((c) => c.cpu), pins: pins as EmuInterruptPin[], select: (i) => selected.push(i) });
  return { cpus, pins, p, selected };
}

test('power-on: the BSP runs and the APs wait for SIPI; a SIPI starts an AP at vector << 12 in real mode', () => {
  const { cpus, p } = machine(3);
  assert.deepEqual(p.states, ['running', 'wait-for-sipi', 'wait-for-sipi']);
  assert.equal(p.next(), 0);
  p.startup(2, 0x9a);
  assert.equal(p.states[2], 'running');
  const st = cpus[2]!.cpu.getState();
  assert.equal(st.cs.selector, 0x9a00);
  assert.equal(st.cs.base, 0x9a000);
  assert.equal(st.eip, 0);
  assert.equal(st.cr0 & 1, 0);
});

test('a SIPI to a CPU that is not waiting for one is ignored', () => {
  const { cpus, p } = machine(2);
  p.startup(1, 0x10);
  cpus[1]!.cpu.setState({ ...cpus[1]!.cpu.getState(), eip: 0x1234 });
  p.startup(1, 0x20);
  assert.equal(cpus[1]!.cpu.getState().eip, 0x1234);
  assert.equal(cpus[1]!.cpu.getState().cs.base, 0x10000);
  p.startup(0, 0x20); // the running BSP
  assert.equal(cpus[0]!.cpu.getState().eip, 0xfff0);
});

test('INIT puts an AP back to wait-for-SIPI (even from HLT) and restarts the BSP at the reset vector', () => {
  const { cpus, p } = machine(2);
  p.startup(1, 0x10);
  cpus[1]!.next = 'halted';
  p.run(1, 100);
  assert.equal(p.states[1], 'halted');
  p.init(1);
  assert.equal(p.states[1], 'wait-for-sipi');
  assert.equal(cpus[1]!.inits, 1);
  p.wake(1); // the INIT's own wake-up does not start it
  assert.equal(p.states[1], 'wait-for-sipi');
  cpus[0]!.cpu.setState({ ...cpus[0]!.cpu.getState(), eip: 0x500 });
  p.init(0);
  assert.equal(p.states[0], 'running');
  assert.equal(cpus[0]!.cpu.getState().eip, 0xfff0);
});

test('an INIT a CPU sends itself ends its slice and is carried out after it', () => {
  const { cpus, p } = machine(2);
  p.startup(1, 0x10);
  cpus[1]!.onRun = () => p.init(1);
  p.run(1, 100);
  assert.equal(cpus[1]!.stops, 1);
  assert.equal(cpus[1]!.inits, 1);
  assert.equal(p.states[1], 'wait-for-sipi');
});

test('turns go round-robin among running CPUs; halted ones are skipped until woken', () => {
  const { cpus, p, selected } = machine(3);
  p.startup(1, 0x10);
  p.startup(2, 0x10);
  const order: number[] = [];
  for (let k = 0; k < 6; k++) {
    const i = p.next();
    order.push(i);
    p.run(i, 100);
  }
  assert.deepEqual(order, [0, 1, 2, 0, 1, 2]);
  assert.deepEqual(selected, order);
  cpus[1]!.next = 'halted';
  p.run(1, 100);
  assert.equal(p.states[1], 'halted');
  assert.equal(p.next(), 2);
  p.run(2, 100);
  assert.equal(p.next(), 0);
  p.wake(1);
  p.run(0, 100);
  assert.equal(p.next(), 1);
});

test('a CPU that halts with an interrupt already pending (STI; HLT) keeps its turn; one that cannot take it halts', () => {
  const { cpus, pins, p } = machine(1);
  cpus[0]!.next = 'halted';
  pins[0]!.pending.push(0x30);
  p.run(0, 100);
  assert.equal(p.states[0], 'running');
  cpus[0]!.retire = 0; // IF=0: run() returns at once, nothing retired
  p.run(0, 100);
  assert.equal(p.states[0], 'halted');
  assert.equal(p.next(), -1);
  p.recheckHalted(); // after a sleep: another look because the pin shows an interrupt
  assert.equal(p.states[0], 'running');
});

test('PAUSE hands over only while another CPU is ready; slices vary within half to all of the budget on a multiprocessor', () => {
  const { cpus, p } = machine(2);
  p.run(0, 20_000);
  assert.equal(cpus[0]!.pauseYield, false);
  p.startup(1, 0x10);
  for (let k = 0; k < 20; k++) p.run(k & 1, 20_000);
  assert.equal(cpus[0]!.pauseYield, true);
  const budgets = [...cpus[0]!.budgets, ...cpus[1]!.budgets];
  assert.ok(budgets.every((b) => b > 10_000 && b <= 20_000), String(budgets));
  assert.ok(new Set(budgets).size > 5, String(budgets));
  const up = machine(1);
  up.p.run(0, 20_000);
  assert.deepEqual(up.cpus[0]!.budgets, [20_000]);
});

test('the retired count is the sum over the CPUs', () => {
  const { p } = machine(2);
  p.startup(1, 0x10);
  p.run(0, 10);
  p.run(1, 10);
  p.run(1, 10);
  assert.equal(p.retired, 3);
});
