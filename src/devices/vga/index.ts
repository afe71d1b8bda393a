/**
 * The standard VGA (QEMU "-vga std"): VGA core + Bochs VBE + PCI function 1234:1111.
 *
 * Wiring (the machine does this; the device itself has no side effects):
 *
 *   const vga = new StdVga({ vram, rom });        // vram: Uint8Array, power of two >= 256 KiB
 *                                                  //   (default 16 MiB, or `vgamemMb`); may be an
 *                                                  //   mmap'd host buffer that KVM also maps.
 *                                                  // rom: bytes of /usr/share/seabios/vgabios-stdvga.bin
 *   pio.insert(VGA_IO_BASE, VGA_IO_SIZE, 'vga', vga.ioPorts);        // 0x3B0-0x3DF
 *   pio.insert(VBE_IO_BASE, VBE_IO_SIZE, 'vbe', vga.vbePorts);       // 0x1CE index, 0x1CF/0x1D0 data
 *   mmio.insert(VGA_WINDOW_BASE, VGA_WINDOW_SIZE, 'vga-lowmem', vga.lowMemory); // 0xA0000-0xBFFFF
 *   pciBus.add(2 << 3, vga);                      // QEMU puts it at 00:02.0
 *
 * PCI: BAR0 = VRAM, 32-bit prefetchable memory of vram.length bytes. `barDevice(0)` is undefined,
 * so PciBus calls the machine's `mapRamBar(vga, 0, address | undefined)` whenever the guest moves
 * it: map `vga.vram` there as a RAM slot (under KVM; `vga.framebuffer` is a BusDevice over VRAM
 * for a machine that must trap it instead). BAR2 = 4 KiB MMIO (EDID 0x000, VGA ports 0x400-0x41F,
 * DISPI 0x500 + index * 2, QEMU extension registers 0x600), served by `barDevice(2)`. The ROM BAR
 * (when `rom` is given) serves the VGA BIOS through PciBus's ROM mapping; SeaBIOS runs it because
 * the class is 0x0300. Alternatively export the same bytes as fw_cfg `pci1234,1111.rom`.
 *
 * Display: `vga` is a DisplaySource (render() -> Frame, text() -> rows in text modes).
 * `vga.generation` increases on every write that went through the device; writes the device
 * cannot see (the guest writing the LFB RAM slot) need `vga.markVramDirty()` from the machine
 * (after a KVM dirty-log or frame compare), so a front end can skip unchanged frames.
 * Machine reset: `pciBus.reset()` calls `vga.reset()` (registers back to power-on, VRAM kept).
 *
 * The 0xA0000 window must stay MMIO (not a RAM slot): planar, odd/even and chain-4 addressing
 * all rearrange bytes between the CPU's view and VRAM.
 */
export {
  StdVga,
  type StdVgaOptions,
  STD_VGA_PCI,
  STD_VGA_MMIO,
  STD_VGA_MMIO_SIZE,
  DEFAULT_VGAMEM_MB,
  VGA_IO_BASE,
  VGA_IO_SIZE,
  VBE_IO_BASE,
  VBE_IO_SIZE,
  VGA_WINDOW_BASE,
} from './std-vga.js';
export { VGA_WINDOW_SIZE } from './vga-memory.js';
export { DISPI, DISPI_ENABLE } from './vbe.js';
export { setBiosTextMode3 } from './bios-text-mode.js';
