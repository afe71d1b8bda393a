import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IoApic } from './ioapic.js';
import { ApicBus } from './lapic-bus.js';
import { ApicDelivery, ApicReg } from './lapic.js';
import { apicHarness } from './lapic.test-util.js';
import { prng } from './test-util.js';

type Message = [dest: number, logical: boolean, mode: number, vector: number, level: boolean];

function setup(version?: 0x11 | 0x20) {
  const sent: Message[] = [];
  const io = new IoApic({ deliver: (...m) => sent.push(m), version });
  const rd = (index: number): number => {
    io.write(0x00, Uint8Array.of(index));
    const d = new Uint8Array(4);
    io.read(0x10, d);
    return new DataView(d.buffer).getUint32(0, true);
  };
  const wr = (index: number, v: number): void => {
    io.write(0x00, Uint8Array.of(index));
    const d = new Uint8Array(4);
    new DataView(d.buffer).setUint32(0, v >>> 0, true);
    io.write(0x10, d);
  };
  /** Programs redirection entry `pin`. */
  const route = (pin: number, low: number, dest = 0): void => {
    wr(0x11 + 2 * pin, dest << 24);
    wr(0x10 + 2 * pin, low);
  };
  return { io, sent, rd, wr, route };
}

test('ID, version 0x11 with 24 entries (as KVM), every entry masked at reset', () => {
  const { rd, wr } = setup();
  assert.equal(rd(0x01), 0x00170011);
  wr(0x00, 0x02000000);
  assert.equal(rd(0x00), 0x02000000);
  assert.equal(rd(0x02), 0x02000000);
  for (let pin = 0; pin < 24; pin++) assert.equal(rd(0x10 + 2 * pin), 0x10000);
  assert.equal(setup(0x20).rd(0x01), 0x00170020);
});

test('edge pins: one message per rising edge, edges on masked pins are dropped', () => {
  const { io, sent, route } = setup();
  route(4, 0x34, 0);
  io.irqLines[4]!.pulse();
  assert.deepEqual(sent, [[0, false, ApicDelivery.FIXED, 0x34, false]]);
  io.setIrq(4, true);
  io.setIrq(4, true);
  assert.equal(sent.length, 2, 'a line held high is one edge');
  io.setIrq(4, false);
  route(4, 0x10034);
  io.irqLines[4]!.pulse();
  route(4, 0x34);
  assert.equal(sent.length, 2, 'the masked edge is not replayed on unmask');
  route(1, 0x0931, 0x03); // lowest priority, logical
  io.irqLines[1]!.pulse();
  assert.deepEqual(sent[2], [3, true, ApicDelivery.LOWEST, 0x31, false]);
});

test('level pins: Remote IRR holds further messages until the EOI; still asserted means sent again', () => {
  const { io, sent, rd, route } = setup();
  route(10, 0xa03a);
  io.setIrq(10, true);
  assert.deepEqual(sent, [[0, false, ApicDelivery.FIXED, 0x3a, true]]);
  assert.equal(rd(0x10 + 20) & 0x4000, 0x4000, 'Remote IRR');
  io.eoi(0x3b);
  assert.equal(sent.length, 1, 'another vector does not end it');
  io.eoi(0x3a);
  assert.equal(sent.length, 2, 'the line is still asserted');
  io.setIrq(10, false);
  io.eoi(0x3a);
  assert.equal(sent.length, 2);
  assert.equal(rd(0x10 + 20) & 0x4000, 0);
  route(10, 0x1a03a);
  io.setIrq(10, true);
  assert.equal(sent.length, 2, 'masked');
  route(10, 0xa03a);
  assert.equal(sent.length, 3, 'unmasking an asserted level pin sends it');
});

test('Linux on a version-0x11 IOAPIC ends a level interrupt by switching the pin to edge and back', () => {
  const { io, sent, rd, route } = setup();
  route(11, 0xa03b);
  io.setIrq(11, true);
  route(11, 0x1a03b); // mask
  route(11, 0x1203b); // edge: Remote IRR cleared
  assert.equal(rd(0x10 + 22) & 0x4000, 0);
  io.setIrq(11, false);
  route(11, 0x1a03b);
  route(11, 0xa03b);
  assert.equal(sent.length, 1);
});

test('version 0x20 decodes the EOI register at +0x40; 0x11 does not', () => {
  for (const version of [0x11, 0x20] as const) {
    const { io, sent, route } = setup(version);
    route(9, 0xa039);
    io.setIrq(9, true);
    const d = new Uint8Array(4);
    d[0] = 0x39;
    io.write(0x40, d);
    assert.equal(sent.length, version === 0x20 ? 2 : 1);
  }
});

test('through a local APIC: level interrupt sets TMR, the LAPIC EOI clears Remote IRR', () => {
  const bus = new ApicBus();
  const io = new IoApic({ deliver: bus.deliver.bind(bus) });
  const cpu = apicHarness(0, { eoiBroadcast: (v) => io.eoi(v) });
  bus.add(cpu.apic);
  cpu.wr(ApicReg.SVR, 0x1ff);
  const wr = (index: number, v: number): void => {
    io.write(0, Uint8Array.of(index));
    const d = new Uint8Array(4);
    new DataView(d.buffer).setUint32(0, v, true);
    io.write(0x10, d);
  };
  wr(0x10 + 2 * 11, 0xa041);
  io.setIrq(11, true);
  assert.equal(cpu.apic.acknowledge(), 0x41);
  assert.equal(cpu.rd(ApicReg.TMR + 0x20) & 2, 2);
  io.setIrq(11, false);
  cpu.wr(ApicReg.EOI, 0);
  io.write(0, Uint8Array.of(0x10 + 22));
  const d = new Uint8Array(4);
  io.read(0x10, d);
  assert.equal(d[1]! & 0x40, 0, 'Remote IRR cleared by the broadcast');
  io.setIrq(11, true);
  assert.equal(cpu.apic.acknowledge(), 0x41, 'the next assertion is delivered');
});

test('random register traffic and pin changes never throw', () => {
  const rand = prng(0xfec0);
  const { io } = setup(0x20);
  for (let i = 0; i < 20000; i++) {
    const d = new Uint8Array([1, 2, 4, 4, 8][rand() % 5]!);
    for (let j = 0; j < d.length; j++) d[j] = rand() & 0xff;
    const offset = [0, 0x10, 0x40, rand() % 0x1000][rand() % 4]!;
    if (rand() & 1) io.read(offset, d);
    else io.write(offset, d);
    if (rand() % 4 === 0) io.setIrq(rand() % 26, (rand() & 1) === 1);
    if (rand() % 8 === 0) io.eoi(rand() & 0xff);
  }
});
