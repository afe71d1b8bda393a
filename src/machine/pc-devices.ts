/**
 * Where the pc machine's optional devices plug into the platform (platform.ts documents the API):
 * IDE on 00:01.1, VGA on 00:02.0, and whatever comes later. One function per device keeps the
 * machine's assembly in one place while each device lives in its own files.
 */
import { readFileSync } from 'node:fs';
import type { MachineConfig } from '../cli/config.js';
import type { DisplaySource } from '../display/display.js';
import { DEFAULT_VGAMEM_MB, StdVga, VBE_IO_BASE, VBE_IO_SIZE, VGA_IO_BASE, VGA_IO_SIZE, VGA_WINDOW_BASE, VGA_WINDOW_SIZE } from '../devices/vga/index.js';
import type { PcPlatform } from './platform.js';

/** SeaBIOS's VGA BIOS for the standard VGA, from Debian's seabios package (QEMU loads the same file). */
export const STD_VGA_ROM_PATH = '/usr/share/seabios/vgabios-stdvga.bin';
/** The standard VGA's PCI address, as on QEMU's pc machine (00:02.0). */
export const STD_VGA_DEVFN = 2 << 3;

/** The devices the rest of the machine talks to after assembly. */
export interface PcDevices {
  /** The graphics card, for screendumps and VNC (undefined with -vga none). */
  readonly display?: DisplaySource;
}

/** Plugs the configured devices into `platform` (called once, before the VM first runs). */
export function plugPcDevices(platform: PcPlatform, config: MachineConfig): PcDevices {
  const display = config.vga === 'none' ? undefined : plugStdVga(platform);
  return { display };
}

/**
 * -vga std: the VGA core, Bochs VBE and the PCI function with its VGA BIOS in the ROM BAR.
 * VRAM is host memory that becomes a KVM slot wherever the guest puts BAR0, so linear
 * framebuffer writes cost no exits; the legacy window stays MMIO (planar addressing).
 */
function plugStdVga(platform: PcPlatform): StdVga {
  const vram = platform.createRamRegion('vga.vram', DEFAULT_VGAMEM_MB << 20);
  let rom: Uint8Array | undefined;
  try {
    rom = new Uint8Array(readFileSync(STD_VGA_ROM_PATH));
  } catch {
    // Without the VGA BIOS the card still works for an OS driver; SeaBIOS just shows no text.
    rom = undefined;
  }
  const vga = new StdVga({ vram: vram.bytes, ...(rom !== undefined ? { rom } : {}) });
  platform.pio.insert(VGA_IO_BASE, VGA_IO_SIZE, 'vga', vga.ioPorts);
  platform.pio.insert(VBE_IO_BASE, VBE_IO_SIZE, 'vbe', vga.vbePorts);
  platform.mapMmio(VGA_WINDOW_BASE, VGA_WINDOW_SIZE, 'vga-lowmem', vga.lowMemory);
  platform.addPciFunction(STD_VGA_DEVFN, vga, { ramBars: { 0: vram } });
  return vga;
}
