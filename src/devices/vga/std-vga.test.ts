import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { MmioBus, PioBus } from '../../bus/bus.js';
import { PciBus, PciConfigPorts, type PciFunction } from '../../pci/pci-bus.js';
import { prng, randomAccess } from '../test-util.js';
import { DISPI, StdVga, VBE_IO_BASE, VBE_IO_SIZE, VGA_IO_BASE, VGA_IO_SIZE, VGA_WINDOW_BASE, VGA_WINDOW_SIZE } from './index.js';

const VGABIOS = '/usr/share/seabios/vgabios-stdvga.bin';

/** The card on PCI bus 0 at 00:02.0 with config mechanism #1, as the pc machine wires it. */
function pciMachine(rom?: Uint8Array): { pio: PioBus; mmio: MmioBus; vga: StdVga; ramBars: Array<[number, number | undefined]>; cfg: (reg: number, v?: number) => number } {
  const pio = new PioBus();
  const mmio = new MmioBus();
  const ramBars: Array<[number, number | undefined]> = [];
  const bus = new PciBus({ pio, mmio, mapRamBar: (_fn: PciFunction, index, address) => ramBars.push([index, address]) });
  pio.insert(0xcf8, 8, 'pci-conf', new PciConfigPorts(bus));
  const vga = new StdVga(rom === undefined ? {} : { rom });
  bus.add(2 << 3, vga);
  const cfg = (reg: number, v?: number): number => {
    const addr = new Uint8Array(4);
    new DataView(addr.buffer).setUint32(0, (0x8000_0000 | (2 << 11) | reg) >>> 0, true);
    pio.write(0xcf8, addr);
    const data = new Uint8Array(4);
    if (v !== undefined) {
      new DataView(data.buffer).setUint32(0, v >>> 0, true);
      pio.write(0xcfc, data);
      return 0;
    }
    pio.read(0xcfc, data);
    return new DataView(data.buffer).getUint32(0, true);
  };
  return { pio, mmio, vga, ramBars, cfg };
}

test('PCI identity: 1234:1111, VGA class, subsystem 1af4:1100', () => {
  const { cfg } = pciMachine();
  assert.equal(cfg(0x00), 0x1111_1234);
  assert.equal(cfg(0x08) >>> 8, 0x030000);
  assert.equal(cfg(0x2c), 0x1100_1af4);
});

test('BAR sizing: BAR0 16 MiB prefetchable VRAM, BAR2 4 KiB MMIO, ROM BAR sized to the VGA BIOS', () => {
  const rom = new Uint8Array(40 * 1024);
  rom[0] = 0x55;
  rom[1] = 0xaa;
  const { cfg, mmio, ramBars } = pciMachine(rom);
  assert.equal(cfg(0x10), 0x8, 'BAR0 type: 32-bit prefetchable memory');
  cfg(0x10, 0xffff_ffff);
  assert.equal(cfg(0x10), 0xff00_0008);
  cfg(0x18, 0xffff_ffff);
  assert.equal(cfg(0x18), 0xffff_f000);
  cfg(0x14, 0xffff_ffff);
  assert.equal(cfg(0x14), 0, 'BAR1 is absent');
  cfg(0x30, 0xffff_fffe);
  assert.equal(cfg(0x30), 0xffff_0000, '40 KiB ROM rounds up to a 64 KiB BAR');
  // Program the BARs as SeaBIOS does and turn on decoding.
  cfg(0x10, 0xfd00_0000);
  cfg(0x18, 0xfebf_0000);
  cfg(0x30, 0xfebe_0001);
  cfg(0x04, 0x3);
  assert.deepEqual(ramBars.at(-1), [0, 0xfd00_0000], 'the machine is told where to map VRAM');
  const d = new Uint8Array(2);
  mmio.read(0xfebe_0000, d);
  assert.deepEqual([...d], [0x55, 0xaa], 'ROM visible at the ROM BAR');
  mmio.read(0xfebf_0000 + 0x500 + DISPI.ID * 2, d);
  assert.equal(d[0]! | (d[1]! << 8), 0xb0c5, 'DISPI ID through BAR2');
  mmio.read(0xfebf_0000 + 0x500 + DISPI.VIDEO_MEMORY_64K * 2, d);
  assert.equal(d[0]! | (d[1]! << 8), 256);
});

test('BAR2: EDID block with a valid header and checksum, VGA ports at 0x400, QEMU extension registers', () => {
  const vga = new StdVga();
  const mmio = vga.barDevice(2)!;
  const edid = new Uint8Array(128);
  mmio.read(0, edid);
  assert.deepEqual([...edid.subarray(0, 8)], [0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0]);
  assert.equal(edid.reduce((a, b) => a + b, 0) % 256, 0);
  assert.equal(edid[54]! | (edid[55]! << 8), 6500, 'preferred timing: 65 MHz (1024x768@60)');
  // 0x400 + n is port 0x3C0 + n: write the sequencer map mask through MMIO, read it back on the port.
  mmio.write(0x404, Uint8Array.of(0x02, 0x0b));
  assert.equal(vga.regs.sr[2], 0x0b);
  const d = new Uint8Array(4);
  mmio.read(0x600, d);
  assert.equal(new DataView(d.buffer).getUint32(0, true), 8);
  mmio.read(0x604, d);
  assert.equal(new DataView(d.buffer).getUint32(0, true), 0x1e1e1e1e, 'little-endian framebuffer');
  mmio.write(0x500 + DISPI.XRES * 2, Uint8Array.of(0x00, 0x04));
  assert.equal(vga.vbe.regs[DISPI.XRES], 1024);
});

test('the VGA BIOS from the seabios package fits the ROM BAR', { skip: existsSync(VGABIOS) ? false : `${VGABIOS} is not installed (Debian package seabios)` }, () => {
  const rom = new Uint8Array(readFileSync(VGABIOS));
  const vga = new StdVga({ rom });
  assert.equal(rom[0], 0x55);
  assert.equal(rom[1], 0xaa);
  assert.ok(vga.config.romSize >= rom.length);
  assert.equal(vga.config.romSize & (vga.config.romSize - 1), 0);
});

test('VRAM comes from the machine and must be a power of two', () => {
  const vram = new Uint8Array(4 * 1024 * 1024);
  const vga = new StdVga({ vram });
  assert.equal(vga.vram, vram);
  assert.equal(vga.config.bar(0)?.size, vram.length);
  assert.throws(() => new StdVga({ vram: new Uint8Array(3 * 1024 * 1024) }), RangeError);
  assert.equal(new StdVga({ vgamemMb: 8 }).vram.length, 8 * 1024 * 1024);
});

test('random port, window, BAR2 and framebuffer accesses never throw and rendering always works', () => {
  const rand = prng(0x56a);
  const vga = new StdVga({ vgamemMb: 1, rom: new Uint8Array(2048) });
  const pio = new PioBus();
  const mmio = new MmioBus();
  pio.insert(VGA_IO_BASE, VGA_IO_SIZE, 'vga', vga.ioPorts);
  pio.insert(VBE_IO_BASE, VBE_IO_SIZE, 'vbe', vga.vbePorts);
  mmio.insert(VGA_WINDOW_BASE, VGA_WINDOW_SIZE, 'vga-lowmem', vga.lowMemory);
  const bar2 = vga.barDevice(2)!;
  for (let i = 0; i < 40_000; i++) {
    const pick = rand() % 8;
    if (pick < 4) randomAccess(vga.ioPorts, rand, VGA_IO_SIZE);
    else if (pick === 4) randomAccess(vga.vbePorts, rand, VBE_IO_SIZE);
    else if (pick === 5) randomAccess(vga.lowMemory, rand, VGA_WINDOW_SIZE);
    else if (pick === 6) randomAccess(bar2, rand, 0x1000);
    else randomAccess(vga.framebuffer, rand, vga.vram.length);
    if (i % 2000 === 0) {
      const f = vga.render();
      assert.equal(f.pixels.length, f.width * f.height * 4);
      const t = vga.text();
      if (t !== undefined) assert.ok(t.every((row) => typeof row === 'string'));
    }
  }
});
