import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PioBus, MmioBus } from '../bus/bus.js';
import { RecordingIrqLine } from '../bus/bus-device.js';
import { PciBus, PciConfigPorts } from '../pci/pci-bus.js';
import { PciConfigSpace } from '../pci/config-space.js';
import { I440FX_SMRAM, I440fxHostBridge, SMRAM, type LowMemoryState } from './i440fx.js';
import { PAM_MODE, PAM_SEGMENTS, pamModes } from './pam.js';
import { Piix3IsaBridge, pirqIndex } from './piix3.js';
import { ResetControl } from './reset-control.js';

/** The chipset on a PCI bus behind 0xCF8, as the machine wires it. */
function chipset(): { ports: PciConfigPorts; bus: PciBus; host: I440fxHostBridge; isa: Piix3IsaBridge; states: LowMemoryState[]; irqs: Map<number, RecordingIrqLine>; resets: number[] } {
  const states: LowMemoryState[] = [];
  const irqs = new Map<number, RecordingIrqLine>();
  const resets: number[] = [];
  const host = new I440fxHostBridge((s) => states.push(s));
  let bus: PciBus | undefined;
  const isa = new Piix3IsaBridge(() => bus?.updateIrqs());
  bus = new PciBus({
    pio: new PioBus(), mmio: new MmioBus(),
    routeIntx: (slot, pin) => isa.routeIntx(slot, pin),
    irqLine: (irq) => {
      if (!irqs.has(irq)) irqs.set(irq, new RecordingIrqLine());
      return irqs.get(irq)!;
    },
  });
  bus.add(0x00, host);
  bus.add(0x08, isa);
  const ports = new PciConfigPorts(bus, new ResetControl(() => resets.push(1)));
  return { ports, bus, host, isa, states, irqs, resets };
}

function cfgAddr(ports: PciConfigPorts, devfn: number, reg: number): void {
  const v = (0x8000_0000 | (devfn << 8) | (reg & 0xfc)) >>> 0;
  ports.write(0, Uint8Array.of(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24));
}
function cfgRead(ports: PciConfigPorts, devfn: number, reg: number, size: 1 | 2 | 4): number {
  cfgAddr(ports, devfn, reg);
  const d = new Uint8Array(size);
  ports.read(4 + (reg & 3), d);
  return d.reduceRight((v, b) => v * 256 + b, 0);
}
function cfgWrite(ports: PciConfigPorts, devfn: number, reg: number, size: 1 | 2 | 4, value: number): void {
  cfgAddr(ports, devfn, reg);
  ports.write(4 + (reg & 3), Uint8Array.from({ length: size }, (_, i) => (value >>> (8 * i)) & 0xff));
}

test('identity: i440FX 8086:1237 rev 2 host bridge, PIIX3 8086:7000 multi-function ISA bridge', () => {
  const { ports } = chipset();
  assert.equal(cfgRead(ports, 0x00, 0, 4), 0x1237_8086);
  assert.equal(cfgRead(ports, 0x00, 0x08, 4), 0x0600_0002);
  assert.equal(cfgRead(ports, 0x00, 0x2c, 4), 0x1100_1af4);
  assert.equal(cfgRead(ports, 0x08, 0, 4), 0x7000_8086);
  assert.equal(cfgRead(ports, 0x08, 0x0a, 2), 0x0601);
  assert.equal(cfgRead(ports, 0x08, 0x0e, 1), 0x80);
  assert.equal(cfgRead(ports, 0x10, 0, 2), 0xffff); // empty slot 2
});

test('PAM: SeaBIOS\'s make_bios_writable / make_bios_readonly writes, and the segment modes they give', () => {
  const { ports, host, states } = chipset();
  assert.deepEqual(host.lowMemory().pam, PAM_SEGMENTS.map(() => PAM_MODE.PCI));
  // SeaBIOS reads PAM0 through the dword at 0x58 and writes whole dwords back.
  assert.equal(cfgRead(ports, 0x00, 0x58, 4) & 0xff00, 0);
  cfgWrite(ports, 0x00, 0x58, 4, 0x3333_3000);
  cfgWrite(ports, 0x00, 0x5c, 4, 0x3333_3333);
  assert.deepEqual(states.at(-1)!.pam, PAM_SEGMENTS.map(() => PAM_MODE.RAM));
  cfgWrite(ports, 0x00, 0x59, 1, 0x10); // F-segment read-only
  cfgWrite(ports, 0x00, 0x5a, 1, 0x21); // C0000 read RAM, C4000 write RAM
  const pam = states.at(-1)!.pam;
  assert.equal(pam[12], PAM_MODE.READ_RAM);
  assert.equal(pam[0], PAM_MODE.READ_RAM);
  assert.equal(pam[1], PAM_MODE.WRITE_RAM);
  // Reserved bits read back as 0.
  cfgWrite(ports, 0x00, 0x59, 1, 0xff);
  assert.equal(cfgRead(ports, 0x00, 0x59, 1), 0x30);
  assert.deepEqual(pamModes([0, 0x12, 0, 0, 0, 0, 0x30]).slice(0, 2), [2, 1]);
  assert.equal(pamModes([0, 0, 0, 0, 0, 0, 0x30])[11], 3); // 0xEC000 is PAM6's high nibble
});

test('SMRAM: C_BASE_SEG fixed at 010b, D_OPEN opens the VGA window to RAM, D_LCK locks it', () => {
  const { ports, host, bus, states } = chipset();
  assert.equal(cfgRead(ports, 0x00, I440FX_SMRAM, 1), 0x02);
  cfgWrite(ports, 0x00, I440FX_SMRAM, 1, 0xff);
  assert.equal(cfgRead(ports, 0x00, I440FX_SMRAM, 1), 0x7a & ~SMRAM.D_OPEN); // D_LCK cleared D_OPEN
  cfgWrite(ports, 0x00, I440FX_SMRAM, 1, SMRAM.D_OPEN | SMRAM.G_SMRAME);
  assert.equal(host.lowMemory().smramOpen, false); // locked until reset
  bus.reset();
  assert.equal(cfgRead(ports, 0x00, I440FX_SMRAM, 1), 0x02);
  cfgWrite(ports, 0x00, I440FX_SMRAM, 1, SMRAM.D_OPEN);
  assert.equal(states.at(-1)!.smramOpen, true);
});

test('PIIX3 PIRQ routing: (pin - 1 + slot - 1) & 3, disabled until programmed, wired-OR on shared IRQs', () => {
  const { ports, bus, irqs } = chipset();
  assert.equal(pirqIndex(1, 1), 0);
  assert.equal(pirqIndex(2, 1), 1);
  assert.equal(pirqIndex(3, 4), 1);
  const make = (name: string): { name: string; config: PciConfigSpace } => ({ name, config: new PciConfigSpace({ vendorId: 0x1234, deviceId: 1, classCode: 0, interruptPin: 1 }) });
  const a = make('a');
  const b = make('b');
  bus.add(2 << 3, a); // slot 2, INTA -> PIRQB
  bus.add(6 << 3, b); // slot 6, INTA -> PIRQB too
  const lineA = bus.intx(2 << 3);
  const lineB = bus.intx(6 << 3);
  lineA.set(true);
  assert.equal(irqs.size, 0); // PIRQB disabled (0x80) at reset
  assert.equal(cfgRead(ports, 0x08, 0x60, 4), 0x8080_8080);
  cfgWrite(ports, 0x08, 0x60, 4, 0x0b0b_0a0a); // SeaBIOS: PIRQA/B -> 10, PIRQC/D -> 11
  assert.equal(irqs.get(10)?.level, true);
  lineB.set(true);
  lineA.set(false);
  assert.equal(irqs.get(10)?.level, true); // b still holds the shared line
  lineB.set(false);
  assert.equal(irqs.get(10)?.level, false);
  lineA.set(true);
  cfgWrite(ports, 0x08, 0x61, 1, 0x05); // move PIRQB to IRQ 5
  assert.equal(irqs.get(10)?.level, false);
  assert.equal(irqs.get(5)?.level, true);
  cfgWrite(ports, 0x08, 0x61, 1, 0x0d); // IRQ 13 is reserved: unrouted
  assert.equal(irqs.get(5)?.level, false);
});

test('0xCF9 reset control: 0x02 then 0x06 resets; bit 1 reads back', () => {
  const { ports, resets } = chipset();
  ports.write(1, Uint8Array.of(0x02));
  const d = new Uint8Array(1);
  ports.read(1, d);
  assert.equal(d[0], 0x02);
  assert.equal(resets.length, 0);
  ports.write(1, Uint8Array.of(0x06));
  assert.equal(resets.length, 1);
  ports.read(1, d);
  assert.equal(d[0], 0);
});
