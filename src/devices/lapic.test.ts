import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApicDelivery, ApicReg, APIC_DEFAULT_BASE } from './lapic.js';
import { apicTimerDivisor } from './lapic-timer.js';
import { apicHarness } from './lapic.test-util.js';
import { prng } from './test-util.js';

const R = ApicReg;

/** ISR/TMR/IRR register holding `vector`, and its bit. */
function bitReg(base: number, vector: number): [number, number] {
  return [base + (vector >> 5) * 0x10, 1 << (vector & 31)];
}

test('reset state as QEMU/KVM: version 0x50014, SVR 0xFF, LVTs masked but BSP LINT0 ExtINT, base MSR', () => {
  const bsp = apicHarness(0);
  assert.equal(bsp.rd(R.VERSION), 0x00050014);
  assert.equal(bsp.rd(R.ID), 0);
  assert.equal(bsp.rd(R.SVR), 0xff);
  assert.equal(bsp.rd(R.DFR), 0xffffffff);
  assert.equal(bsp.rd(R.LVT_TIMER), 0x10000);
  assert.equal(bsp.rd(R.LVT_LINT0), 0x700);
  assert.equal(bsp.rd(R.LVT_LINT1), 0x10000);
  assert.equal(bsp.apic.readBaseMsr(), 0xfee00900);
  assert.equal(bsp.apic.acceptsPicInterrupt(), true);
  const ap = apicHarness(1);
  assert.equal(ap.rd(R.ID), 0x01000000);
  assert.equal(ap.rd(R.LVT_LINT0), 0x10000);
  assert.equal(ap.apic.readBaseMsr(), 0xfee00800);
  assert.equal(ap.apic.acceptsPicInterrupt(), false);
  const b = new Uint8Array(1);
  bsp.apic.read(R.VERSION + 2, b);
  assert.equal(b[0], 5, 'byte reads see the register bytes');
});

test('fixed interrupts: priority classes, PPR, nesting and EOI of the highest in service', () => {
  const { apic, rd, wr } = apicHarness(0);
  wr(R.SVR, 0x1ff);
  apic.receive(ApicDelivery.FIXED, 0x41, false);
  assert.equal(apic.hasInterrupt(), true);
  assert.equal(apic.acknowledge(), 0x41);
  const [isrReg, isrBit] = bitReg(R.ISR, 0x41);
  assert.equal(rd(isrReg), isrBit);
  assert.equal(rd(R.PPR), 0x40);
  apic.receive(ApicDelivery.FIXED, 0x45, false);
  assert.equal(apic.hasInterrupt(), false, 'same priority class waits');
  apic.receive(ApicDelivery.FIXED, 0x51, false);
  assert.equal(apic.acknowledge(), 0x51, 'higher class nests');
  wr(R.EOI, 0);
  assert.equal(rd(R.PPR), 0x40, 'EOI ended 0x51, the highest in service');
  wr(R.EOI, 0);
  assert.equal(apic.acknowledge(), 0x45);
  wr(R.EOI, 0);
  assert.equal(rd(R.PPR), 0);
});

test('TPR holds back lower classes; a request masked after it was signalled gets the spurious vector', () => {
  const { apic, rd, wr } = apicHarness(0);
  wr(R.SVR, 0x1ef);
  wr(R.TPR, 0x50);
  apic.receive(ApicDelivery.FIXED, 0x45, false);
  assert.equal(apic.hasInterrupt(), false);
  assert.equal(rd(R.PPR), 0x50);
  const [irrReg, irrBit] = bitReg(R.IRR, 0x45);
  assert.equal(rd(irrReg), irrBit);
  wr(R.TPR, 0x20);
  assert.equal(apic.hasInterrupt(), true);
  wr(R.TPR, 0x60);
  assert.equal(apic.acknowledge(), 0xef, 'spurious vector from the SVR');
  assert.equal(rd(irrReg), irrBit, 'the request stays in IRR');
});

test('level-triggered vectors set TMR and their EOI is broadcast; edge vectors are not', () => {
  const { apic, rd, wr, eois } = apicHarness(0);
  wr(R.SVR, 0x1ff);
  apic.receive(ApicDelivery.FIXED, 0x61, true);
  const [tmrReg, tmrBit] = bitReg(R.TMR, 0x61);
  assert.equal(rd(tmrReg), tmrBit);
  assert.equal(apic.acknowledge(), 0x61);
  wr(R.EOI, 0);
  assert.deepEqual(eois, [0x61]);
  apic.receive(ApicDelivery.FIXED, 0x62, false);
  apic.acknowledge();
  wr(R.EOI, 0);
  assert.deepEqual(eois, [0x61]);
});

test('software-disabled APIC drops fixed messages and keeps LVTs masked; illegal vectors set ESR', () => {
  const { apic, rd, wr } = apicHarness(0);
  apic.receive(ApicDelivery.FIXED, 0x41, false);
  assert.equal(apic.hasInterrupt(), false);
  wr(R.LVT_LINT1, 0x400);
  assert.equal(rd(R.LVT_LINT1), 0x10400, 'mask forced while disabled');
  wr(R.SVR, 0x1ff);
  wr(R.LVT_LINT1, 0x400);
  assert.equal(rd(R.LVT_LINT1), 0x400);
  wr(R.LVT_ERROR, 0xfe);
  apic.receive(ApicDelivery.FIXED, 0x05, false);
  wr(R.ESR, 0);
  assert.equal(rd(R.ESR), 0x40, 'receive illegal vector');
  assert.equal(apic.acknowledge(), 0xfe, 'through the error LVT');
  wr(R.ICR_LOW, 0x00004003);
  wr(R.ESR, 0);
  assert.equal(rd(R.ESR), 0x20, 'send illegal vector');
  wr(R.SVR, 0xff);
  assert.equal(rd(R.LVT_LINT1) & 0x10000, 0x10000, 'disabling masks every LVT');
});

test('LINT1 in NMI mode latches an NMI on the rising edge (QEMU/KVM nmi wiring)', () => {
  const { apic, wr } = apicHarness(0);
  wr(R.SVR, 0x1ff);
  wr(R.LVT_LINT1, 0x400);
  apic.setLint(1, true);
  assert.equal(apic.takeNmi(), true);
  assert.equal(apic.takeNmi(), false);
  apic.setLint(1, true);
  assert.equal(apic.takeNmi(), false, 'no new edge');
});

test('timer one-shot: divide by 16, current count from the clock, one interrupt at expiry', () => {
  const { apic, clock, timer, rd, wr, fire } = apicHarness(0);
  wr(R.SVR, 0x1ff);
  assert.equal(apicTimerDivisor(0x3), 16);
  assert.equal(apicTimerDivisor(0xb), 1);
  assert.equal(apicTimerDivisor(0x8), 32);
  wr(R.TIMER_DIVIDE, 0x3);
  wr(R.LVT_TIMER, 0xec);
  const start = clock.now;
  wr(R.TIMER_INITIAL, 1000);
  assert.equal(timer.deadline, start + 16000);
  clock.advance(16 * 250 + 5);
  assert.equal(rd(R.TIMER_CURRENT), 750);
  clock.now = start + 16000;
  fire();
  assert.equal(apic.acknowledge(), 0xec);
  assert.equal(rd(R.TIMER_CURRENT), 0);
  assert.equal(timer.deadline, undefined, 'one-shot: no more expiries');
  wr(R.EOI, 0);
  clock.advance(1e6);
  assert.equal(apic.hasInterrupt(), false);
});

test('timer periodic: reloads every period, late callbacks coalesce, masked timer keeps counting', () => {
  const { apic, clock, timer, rd, wr, fire } = apicHarness(0);
  wr(R.SVR, 0x1ff);
  wr(R.TIMER_DIVIDE, 0xb);
  wr(R.LVT_TIMER, 0x20000 | 0xef);
  const start = clock.now;
  wr(R.TIMER_INITIAL, 10000);
  for (let k = 1; k <= 3; k++) {
    clock.now = start + k * 10000;
    fire();
    assert.equal(apic.acknowledge(), 0xef);
    wr(R.EOI, 0);
    assert.equal(timer.deadline, start + (k + 1) * 10000);
  }
  clock.now = start + 95000 + 1234;
  assert.equal(rd(R.TIMER_CURRENT), 10000 - 6234);
  fire();
  assert.equal(apic.acknowledge(), 0xef, 'six missed periods, one interrupt');
  assert.equal(apic.hasInterrupt(), false);
  assert.equal(timer.deadline, start + 100000);
  wr(R.EOI, 0);
  wr(R.LVT_TIMER, 0x30000 | 0xef);
  clock.now = start + 100000;
  fire();
  assert.equal(apic.hasInterrupt(), false, 'masked');
  assert.equal(rd(R.TIMER_CURRENT), 10000);
  wr(R.TIMER_INITIAL, 0);
  assert.equal(timer.deadline, undefined, 'initial count 0 stops the timer');
});

test('TSC-deadline mode (when offered): fires once at the deadline, TMICT ignored, mode changes disarm', () => {
  const { apic, clock, timer, rd, wr, fire } = apicHarness(0, { tscDeadline: true });
  wr(R.SVR, 0x1ff);
  wr(R.TIMER_DIVIDE, 0xb);
  wr(R.TIMER_INITIAL, 5000);
  wr(R.LVT_TIMER, 0x40000 | 0xec);
  assert.equal(rd(R.LVT_TIMER), 0x400ec);
  assert.equal(rd(R.TIMER_INITIAL), 0, 'entering TSC-deadline mode clears the count');
  wr(R.TIMER_INITIAL, 1000);
  assert.equal(rd(R.TIMER_CURRENT), 0, 'TMICT is ignored in TSC-deadline mode');
  apic.writeTscDeadline(clock.now + 20_000);
  assert.equal(apic.tscDeadlineArmed, true);
  assert.equal(timer.deadline, clock.now + 20_000);
  clock.advance(20_000);
  fire();
  assert.equal(apic.acknowledge(), 0xec);
  assert.equal(apic.tscDeadlineArmed, false, 'IA32_TSC_DEADLINE reads 0 once it fired');
  assert.equal(timer.deadline, undefined);
  wr(R.EOI, 0);
  apic.writeTscDeadline(clock.now - 1);
  assert.equal(apic.acknowledge(), 0xec, 'a deadline in the past fires at once');
  wr(R.EOI, 0);
  apic.writeTscDeadline(clock.now + 1000);
  wr(R.LVT_TIMER, 0xec);
  assert.equal(apic.tscDeadlineArmed, false, 'leaving TSC-deadline mode disarms');
  apic.writeTscDeadline(clock.now + 1000);
  assert.equal(apic.tscDeadlineArmed, false, 'writes are ignored in one-shot mode');
  const plain = apicHarness(0);
  plain.wr(R.SVR, 0x1ff);
  plain.wr(R.LVT_TIMER, 0x40000 | 0xec);
  assert.equal(plain.rd(R.LVT_TIMER), 0xec, 'without the offer the mode bit is reserved');
});

test('Linux calibrate_APIC_clock: periodic, masked, divide 16, 0xFFFFFFFF/16, TMCCT falls 1 per 16 ns', () => {
  const { apic, clock, rd, wr, fire } = apicHarness(0);
  wr(R.SVR, 0x1ff);
  wr(R.LVT_TIMER, 0x30000 | 0xec);
  wr(R.TIMER_DIVIDE, (rd(R.TIMER_DIVIDE) & ~0xf) | 0x3);
  wr(R.TIMER_INITIAL, Math.floor(0xffffffff / 16));
  clock.advance(10_000_000);
  fire();
  assert.equal(rd(R.TIMER_CURRENT), 0x0fffffff - 625000);
  assert.equal(apic.hasInterrupt(), false);
  wr(R.TIMER_DIVIDE, 0xb);
  clock.advance(1000);
  assert.equal(rd(R.TIMER_CURRENT), 0x0fffffff - 625000 - 1000, 'a new divisor applies from the current count');
});

test('Linux setup_local_APIC on the BSP: TPR 0, flat LDR, EOIs for stale ISR bits, SVR enable, LINT0 ExtINT, LINT1 NMI', () => {
  const { apic, rd, wr } = apicHarness(0);
  assert.equal(rd(R.VERSION) & 0xff, 0x14, 'integrated APIC');
  assert.equal((rd(R.VERSION) >>> 16) & 0xff, 5, 'maxlvt');
  wr(R.TPR, rd(R.TPR) & ~0xff);
  wr(R.DFR, 0xffffffff);
  wr(R.LDR, (rd(R.LDR) & ~0xff000000) | 0x01000000);
  for (let i = 7; i >= 0; i--) {
    for (let v = rd(R.ISR + i * 0x10); v !== 0; v &= v - 1) wr(R.EOI, 0);
  }
  wr(R.SVR, (rd(R.SVR) & ~0xff) | 0x100 | 0xff);
  const lint0Masked = rd(R.LVT_LINT0) & 0x10000;
  assert.equal(lint0Masked, 0, 'so Linux keeps ExtINT enabled on CPU0');
  wr(R.LVT_LINT0, 0x700);
  wr(R.LVT_LINT1, 0x400);
  wr(R.ESR, 0);
  wr(R.LVT_ERROR, 0xfe);
  wr(R.ESR, 0);
  assert.equal(rd(R.ESR), 0);
  assert.equal(apic.softwareEnabled, true);
  assert.equal(apic.acceptsPicInterrupt(), true);
  apic.receive(ApicDelivery.FIXED, 0xec, false);
  assert.equal(apic.acknowledge(), 0xec);
});

test('IA32_APIC_BASE: reserved and x2APIC bits fault, relocation is reported, clearing EN disables the APIC', () => {
  const moves: number[] = [];
  const { apic, rd, wr } = apicHarness(0, { onBaseChange: (b) => moves.push(b) });
  assert.equal(apic.writeBaseMsr(0xfee00901, 0), false);
  assert.equal(apic.writeBaseMsr(0xfee00d00, 0), false, 'x2APIC enable is not offered');
  assert.equal(apic.writeBaseMsr(0xfee00900, 1), false);
  assert.equal(apic.writeBaseMsr(0xfed00900, 0), true);
  assert.deepEqual(moves, [0xfed00000]);
  assert.equal(apic.baseAddress, 0xfed00000);
  wr(R.SVR, 0x1ff);
  assert.equal(apic.writeBaseMsr(APIC_DEFAULT_BASE | 0x100, 0), true);
  assert.equal(apic.hardwareEnabled, false);
  assert.equal(apic.acceptsPicInterrupt(), true, 'INTR goes straight to the CPU');
  apic.receive(ApicDelivery.FIXED, 0x41, false);
  assert.equal(apic.hasInterrupt(), false);
  apic.writeBaseMsr(APIC_DEFAULT_BASE | 0x900, 0);
  assert.equal(rd(R.SVR), 0xff, 'back in the reset state');
  apic.writeBaseMsr(0xfed00900, 0);
  apic.reset();
  assert.equal(apic.readBaseMsr(), 0xfee00900);
  apic.reset();
  assert.deepEqual(moves, [0xfed00000, 0xfee00000, 0xfed00000, 0xfee00000], 'reset moves the page back once');
});

test('state round-trips through JSON', () => {
  const a = apicHarness(0);
  a.wr(R.SVR, 0x1ff);
  a.wr(R.LVT_TIMER, 0x20000 | 0xe0);
  a.wr(R.TIMER_INITIAL, 5000);
  a.apic.receive(ApicDelivery.FIXED, 0x77, true);
  const b = apicHarness(0, {}, a.clock);
  b.apic.loadState(JSON.parse(JSON.stringify(a.apic.saveState())));
  assert.equal(b.apic.acknowledge(), 0x77);
  assert.equal(b.timer.deadline, a.timer.deadline);
  assert.equal(b.rd(R.TIMER_CURRENT), a.rd(R.TIMER_CURRENT));
});

test('random register traffic and messages never throw', () => {
  const rand = prng(0xfee0);
  const { apic, clock, fire } = apicHarness(0);
  for (let i = 0; i < 20000; i++) {
    const d = new Uint8Array([1, 2, 4, 4, 4, 8][rand() % 6]!);
    for (let j = 0; j < d.length; j++) d[j] = rand() & 0xff;
    const offset = (rand() % 0x400) & ~(rand() & 1 ? 0xf : 0);
    if (rand() & 1) apic.read(offset, d);
    else apic.write(offset, d);
    if (rand() % 8 === 0) apic.receive(rand() % 8, rand() & 0xff, (rand() & 1) === 1);
    if (rand() % 8 === 0 && apic.hasInterrupt()) apic.acknowledge();
    clock.advance(rand() % 10000);
    fire();
  }
});
