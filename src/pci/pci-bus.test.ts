import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MmioBus, PioBus } from '../bus/bus.js';
import { RecordingIrqLine, type BusDevice } from '../bus/bus-device.js';
import { PCI, PCI_COMMAND, PciConfigSpace } from './config-space.js';
import { PciBus, PciConfigPorts, type PciFunction } from './pci-bus.js';

/** A register file that remembers the last write, to see which BAR an access reached. */
class Regs implements BusDevice {
  last: { offset: number; value: number } | undefined;
  read(offset: number, data: Uint8Array): void {
    data.fill(offset & 0xff);
  }
  write(offset: number, data: Uint8Array): void {
    this.last = { offset, value: data[0]! };
  }
}

function makeFunction(): { fn: PciFunction; io: Regs; mem: Regs } {
  const config = new PciConfigSpace({ vendorId: 0x8086, deviceId: 0x7010, classCode: 0x010180, interruptPin: 1 });
  config.setBar(4, { kind: 'io', size: 16 });
  config.setBar(0, { kind: 'mem32', size: 4096 });
  config.setRom(0x10000);
  const io = new Regs();
  const mem = new Regs();
  const rom = new Uint8Array(0x10000);
  rom.set([0x55, 0xaa]);
  return { fn: { name: 'test', config, rom, barDevice: (i) => (i === 4 ? io : i === 0 ? mem : undefined) }, io, mem };
}

/** Config mechanism #1 helpers. */
function cfgRead(ports: PciConfigPorts, devfn: number, reg: number, size = 4): number {
  ports.write(0, Uint8Array.of(reg & 0xfc, devfn, 0, 0x80));
  const d = new Uint8Array(size);
  ports.read(4 + (reg & 3), d);
  return d.reduceRight((v, b) => v * 256 + b, 0);
}

function cfgWrite(ports: PciConfigPorts, devfn: number, reg: number, value: number, size = 4): void {
  ports.write(0, Uint8Array.of(reg & 0xfc, devfn, 0, 0x80));
  const d = new Uint8Array(size);
  for (let i = 0; i < size; i++) d[i] = (value >>> (8 * i)) & 0xff;
  ports.write(4 + (reg & 3), d);
}

test('absent functions read vendor 0xffff; present ones their IDs', () => {
  const bus = new PciBus({ pio: new PioBus(), mmio: new MmioBus() });
  bus.add(0x09, makeFunction().fn);
  const ports = new PciConfigPorts(bus);
  assert.equal(cfgRead(ports, 0x08, 0), 0xffff_ffff);
  assert.equal(cfgRead(ports, 0x09, 0), 0x7010_8086);
  assert.equal(cfgRead(ports, 0x09, 2, 2), 0x7010);
  assert.equal(cfgRead(ports, 0x09, 0x08) >>> 8, 0x010180);
});

test('BAR sizing reads back the size mask, and decoding follows the command register', () => {
  const pio = new PioBus();
  const mmio = new MmioBus();
  const bus = new PciBus({ pio, mmio });
  const { fn, io, mem } = makeFunction();
  bus.add(0x09, fn);
  const ports = new PciConfigPorts(bus);
  cfgWrite(ports, 0x09, PCI.BAR0 + 16, 0xffff_ffff);
  assert.equal(cfgRead(ports, 0x09, PCI.BAR0 + 16), 0xffff_fff1);
  cfgWrite(ports, 0x09, PCI.BAR0, 0xffff_ffff);
  assert.equal(cfgRead(ports, 0x09, PCI.BAR0), 0xffff_f000);
  cfgWrite(ports, 0x09, PCI.ROM_ADDRESS, 0xffff_fffe);
  assert.equal(cfgRead(ports, 0x09, PCI.ROM_ADDRESS), 0xffff_0000);

  cfgWrite(ports, 0x09, PCI.BAR0 + 16, 0xc000);
  cfgWrite(ports, 0x09, PCI.BAR0, 0xfebf_0000);
  cfgWrite(ports, 0x09, PCI.ROM_ADDRESS, 0xfeb0_0001);
  pio.write(0xc002, Uint8Array.of(7));
  assert.equal(io.last, undefined, 'I/O decode is off until the command register enables it');

  cfgWrite(ports, 0x09, PCI.COMMAND, PCI_COMMAND.IO | PCI_COMMAND.MEMORY, 2);
  pio.write(0xc002, Uint8Array.of(7));
  assert.deepEqual(io.last, { offset: 2, value: 7 });
  mmio.write(0xfebf_0010, Uint8Array.of(9));
  assert.deepEqual(mem.last, { offset: 0x10, value: 9 });
  const sig = new Uint8Array(2);
  mmio.read(0xfeb0_0000, sig);
  assert.deepEqual([...sig], [0x55, 0xaa]);

  cfgWrite(ports, 0x09, PCI.BAR0 + 16, 0xd000);
  const d = new Uint8Array(1);
  pio.read(0xc002, d);
  assert.equal(d[0], 0xff, 'the old I/O range is gone after the BAR moved');
  pio.read(0xd003, d);
  assert.equal(d[0], 3);
});

test('INTx is routed through the chipset hook and shared lines are wired-OR', () => {
  const lines = new Map<number, RecordingIrqLine>();
  let route = 10;
  const bus = new PciBus({
    pio: new PioBus(),
    mmio: new MmioBus(),
    routeIntx: () => route,
    irqLine: (irq) => lines.get(irq) ?? lines.set(irq, new RecordingIrqLine()).get(irq)!,
  });
  const a = makeFunction().fn;
  const b = makeFunction().fn;
  bus.add(0x10, a);
  bus.add(0x18, b);
  bus.intx(0x10).set(true);
  bus.intx(0x18).set(true);
  assert.equal(lines.get(10)!.level, true);
  bus.intx(0x10).set(false);
  assert.equal(lines.get(10)!.level, true, 'the other device still holds the shared line');
  assert.equal(a.config.read(PCI.STATUS, 2) & 8, 0);
  assert.equal(b.config.read(PCI.STATUS, 2) & 8, 8);
  route = 11;
  bus.updateIrqs();
  assert.equal(lines.get(10)!.level, false);
  assert.equal(lines.get(11)!.level, true);
  const ports = new PciConfigPorts(bus);
  cfgWrite(ports, 0x18, PCI.COMMAND, PCI_COMMAND.INTX_DISABLE, 2);
  assert.equal(lines.get(11)!.level, false, 'INTx disable masks the line');
});

test('reset restores power-on config and unmaps BARs', () => {
  const pio = new PioBus();
  const bus = new PciBus({ pio, mmio: new MmioBus() });
  const { fn } = makeFunction();
  bus.add(0x09, fn);
  const ports = new PciConfigPorts(bus);
  cfgWrite(ports, 0x09, PCI.BAR0 + 16, 0xc000);
  cfgWrite(ports, 0x09, PCI.COMMAND, PCI_COMMAND.IO, 2);
  assert.equal(pio.list().length, 1);
  bus.reset();
  assert.equal(pio.list().length, 0);
  assert.equal(cfgRead(ports, 0x09, PCI.BAR0 + 16), 1);
});
