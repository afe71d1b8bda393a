import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApicBus, ApicMmioWindow } from './lapic-bus.js';
import { ApicReg as R } from './lapic.js';
import { apicHarness } from './lapic.test-util.js';
import { ManualClock } from './scheduler.js';

/** Two processors on one APIC bus, both software enabled. */
function twoCpus() {
  const bus = new ApicBus();
  const clock = new ManualClock();
  const send = { sendIpi: bus.sendIpi.bind(bus) };
  const cpu0 = apicHarness(0, send, clock);
  const cpu1 = apicHarness(1, send, clock);
  bus.add(cpu0.apic);
  bus.add(cpu1.apic);
  cpu0.wr(R.SVR, 0x1ff);
  cpu1.wr(R.SVR, 0x1ff);
  return { bus, cpu0, cpu1 };
}

test('fixed IPI to a physical APIC ID reaches only that processor', () => {
  const { cpu0, cpu1 } = twoCpus();
  cpu0.wr(R.ICR_HIGH, 0x01000000);
  cpu0.wr(R.ICR_LOW, 0x000000f3);
  assert.equal(cpu0.rd(R.ICR_LOW) & 0x1000, 0, 'delivery status idle');
  assert.equal(cpu1.apic.acknowledge(), 0xf3);
  assert.equal(cpu0.apic.hasInterrupt(), false);
});

test('INIT-SIPI-SIPI as Linux sends it (physical) and as SeaBIOS sends it (all excluding self)', () => {
  const { cpu0, cpu1 } = twoCpus();
  cpu0.wr(R.ICR_HIGH, 0x01000000);
  cpu0.wr(R.ICR_LOW, 0x0000c500); // INIT, level, assert
  cpu0.wr(R.ICR_LOW, 0x00008500); // INIT level de-assert: nothing delivered
  cpu0.wr(R.ICR_LOW, 0x00000699); // start-up, vector 0x99
  cpu0.wr(R.ICR_LOW, 0x00000699);
  assert.deepEqual(cpu1.events, ['init', 'sipi:99', 'sipi:99']);
  assert.equal(cpu1.rd(R.SVR), 0xff, 'INIT put the AP APIC back in its reset state');
  assert.deepEqual(cpu0.events, []);
  cpu1.events.length = 0;
  // SeaBIOS smp_setup: enable, LINT0 ExtINT level, LINT1 NMI level, then INIT and one SIPI to all others.
  cpu0.wr(R.SVR, cpu0.rd(R.SVR) | 0x100);
  cpu0.wr(R.LVT_LINT0, 0x8700);
  cpu0.wr(R.LVT_LINT1, 0x8400);
  assert.equal(cpu0.rd(R.LVT_LINT0), 0x8700);
  assert.equal(cpu0.rd(R.LVT_LINT1), 0x8400);
  assert.equal(cpu0.apic.acceptsPicInterrupt(), true);
  cpu0.wr(R.ICR_LOW, 0x000c4500);
  cpu0.wr(R.ICR_LOW, 0x000c4600 | 0x9f);
  assert.deepEqual(cpu1.events, ['init', 'sipi:9f']);
  assert.deepEqual(cpu0.events, []);
});

test('logical flat and cluster destinations, broadcast, self and all-including-self NMI', () => {
  const { cpu0, cpu1 } = twoCpus();
  cpu0.wr(R.LDR, 0x01000000);
  cpu1.wr(R.LDR, 0x02000000);
  cpu0.wr(R.ICR_HIGH, 0x03000000);
  cpu0.wr(R.ICR_LOW, 0x00000840); // fixed, logical
  assert.equal(cpu0.apic.acknowledge(), 0x40);
  assert.equal(cpu1.apic.acknowledge(), 0x40);
  cpu0.wr(R.DFR, 0x0fffffff);
  cpu1.wr(R.DFR, 0x0fffffff);
  cpu0.wr(R.LDR, 0x11000000);
  cpu1.wr(R.LDR, 0x21000000);
  cpu0.wr(R.ICR_HIGH, 0x21000000);
  cpu0.wr(R.ICR_LOW, 0x00000850);
  assert.equal(cpu1.apic.acknowledge(), 0x50, 'cluster 2 member 1');
  assert.equal(cpu0.apic.hasInterrupt(), false);
  cpu0.wr(R.ICR_HIGH, 0xff000000);
  cpu0.wr(R.ICR_LOW, 0x00000060);
  assert.equal(cpu0.apic.acknowledge(), 0x60);
  assert.equal(cpu1.apic.acknowledge(), 0x60);
  cpu1.wr(R.ICR_LOW, 0x00040070);
  assert.equal(cpu1.apic.acknowledge(), 0x70, 'self');
  assert.equal(cpu0.apic.hasInterrupt(), false);
  cpu1.wr(R.ICR_LOW, 0x00080400);
  assert.equal(cpu0.apic.takeNmi(), true);
  assert.equal(cpu1.apic.takeNmi(), true);
});

test('lowest priority goes to the processor with the lowest TPR', () => {
  const { bus, cpu0, cpu1 } = twoCpus();
  cpu0.wr(R.TPR, 0x30);
  cpu0.wr(R.ICR_HIGH, 0xff000000);
  cpu0.wr(R.ICR_LOW, 0x00000141);
  assert.equal(cpu1.apic.acknowledge(), 0x41);
  assert.equal(cpu0.apic.hasInterrupt(), false);
  cpu1.wr(R.TPR, 0x40);
  bus.deliver(0xff, false, 1, 0x42, false);
  cpu0.wr(R.TPR, 0);
  assert.equal(cpu0.apic.acknowledge(), 0x42);
  cpu0.wr(R.SVR, 0xff);
  bus.deliver(0xff, false, 1, 0x53, false);
  assert.equal(cpu1.apic.acknowledge(), 0x53, 'a software-disabled APIC takes no part in the arbitration');
});

test('one MMIO window shows each CPU its own APIC', () => {
  const { cpu0, cpu1 } = twoCpus();
  const window = new ApicMmioWindow(cpu0.apic);
  const id = new Uint8Array(4);
  window.read(R.ID, id);
  assert.equal(id[3], 0);
  window.current = cpu1.apic;
  window.read(R.ID, id);
  assert.equal(id[3], 1);
  window.write(R.TPR, Uint8Array.of(0x20, 0, 0, 0));
  assert.equal(cpu1.rd(R.TPR), 0x20);
  assert.equal(cpu0.rd(R.TPR), 0);
});
