import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory } from '../memory/guest-memory.js';
import { BootError } from './boot-error.js';
import { writeMpTable } from './mptable.js';

const sum = (b: Uint8Array): number => b.reduce((s, x) => (s + x) & 0xff, 0);
const ascii = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Finds and decodes the MP tables the way Linux's mpparse.c does. */
function parse(mem: GuestMemory) {
  let mpf = -1;
  for (const [start, len] of [[0, 0x400], [0x9fc00, 0x400], [0xf0000, 0x10000]] as const) {
    for (let a = start; a < start + len && mpf < 0; a += 16) {
      if (ascii(mem.read(a, 4)) === '_MP_' && sum(mem.read(a, 16)) === 0 && mem.readU8(a + 8) === 1) mpf = a;
    }
  }
  assert.ok(mpf >= 0, 'floating pointer found');
  assert.equal(mem.readU8(mpf + 9), 4);
  assert.equal(mem.readU8(mpf + 11), 0, 'config table present');
  const t = mem.readU32(mpf + 4);
  assert.equal(ascii(mem.read(t, 4)), 'PCMP');
  const len = mem.readU16(t + 4);
  assert.equal(sum(mem.read(t, len)), 0, 'table checksum');
  assert.equal(mem.readU8(t + 6), 4);
  assert.equal(mem.readU32(t + 36), 0xfee00000);
  const cpus: Array<{ id: number; flags: number }> = [];
  const buses: string[] = [];
  const ioapics: Array<{ id: number; flags: number; addr: number }> = [];
  const irqs = new Map<number, { apic: number; pin: number; type: number }>();
  const lints: Array<{ type: number; dest: number; lint: number }> = [];
  let at = t + 44;
  let n = 0;
  while (at < t + len) {
    const type = mem.readU8(at);
    if (type === 0) { cpus.push({ id: mem.readU8(at + 1), flags: mem.readU8(at + 3) }); at += 20; }
    else if (type === 1) { buses.push(ascii(mem.read(at + 2, 6))); at += 8; }
    else if (type === 2) { ioapics.push({ id: mem.readU8(at + 1), flags: mem.readU8(at + 3), addr: mem.readU32(at + 4) }); at += 8; }
    else if (type === 3) { irqs.set(mem.readU8(at + 5), { type: mem.readU8(at + 1), apic: mem.readU8(at + 6), pin: mem.readU8(at + 7) }); at += 8; }
    else if (type === 4) { lints.push({ type: mem.readU8(at + 1), dest: mem.readU8(at + 6), lint: mem.readU8(at + 7) }); at += 8; }
    else assert.fail(`unknown entry type ${type}`);
    n++;
  }
  assert.equal(at, t + len);
  assert.equal(mem.readU16(t + 34), n, 'entry count');
  return { mpf, t, cpus, buses, ioapics, irqs, lints };
}

test('4 vCPUs: processors, ISA bus, IOAPIC, ISA routing with IRQ0 on pin 2, LINT0/1', () => {
  const mem = GuestMemory.allocate([{ gpa: 0, size: 0x10_0000 }]);
  const info = writeMpTable(mem, 4);
  const p = parse(mem);
  assert.equal(p.mpf, 0x9fc00);
  assert.equal(p.t, 0xf0000);
  assert.deepEqual(p.cpus, [{ id: 0, flags: 3 }, { id: 1, flags: 1 }, { id: 2, flags: 1 }, { id: 3, flags: 1 }]);
  assert.deepEqual(p.buses, ['ISA   ']);
  assert.deepEqual(p.ioapics, [{ id: 4, flags: 1, addr: 0xfec00000 }]);
  assert.equal(info.ioapicId, 4);
  assert.equal(p.irqs.size, 15);
  assert.equal(p.irqs.has(2), false);
  assert.deepEqual(p.irqs.get(0), { type: 0, apic: 4, pin: 2 });
  for (let irq = 1; irq < 16; irq++) if (irq !== 2) assert.deepEqual(p.irqs.get(irq), { type: 0, apic: 4, pin: irq });
  assert.deepEqual(p.lints, [{ type: 3, dest: 0xff, lint: 0 }, { type: 1, dest: 0xff, lint: 1 }]);
});

test('1 and 254 vCPUs fit; 0 and 255 are refused', () => {
  for (const n of [1, 254]) {
    const mem = GuestMemory.allocate([{ gpa: 0, size: 0x10_0000 }]);
    writeMpTable(mem, n);
    const p = parse(mem);
    assert.equal(p.cpus.length, n);
    assert.equal(p.cpus.filter((c) => c.flags & 2).length, 1);
    assert.equal(p.ioapics[0]?.id, n);
  }
  const mem = GuestMemory.allocate([{ gpa: 0, size: 0x10_0000 }]);
  for (const n of [0, 255, 1.5]) assert.throws(() => writeMpTable(mem, n), (e: unknown) => e instanceof BootError && /1 to 254 CPUs/.test(e.message));
});
