/**
 * QEMU's "-vga std": a VGA with Bochs VBE extensions as PCI function 1234:1111 (class 0x0300).
 * BAR0 is VRAM as prefetchable memory (the machine backs it with RAM: the guest may write it
 * without this device seeing it), BAR2 is 4 KiB of MMIO in QEMU's layout (EDID at 0x000, the VGA
 * ports 0x3C0-0x3DF at 0x400, the DISPI registers at 0x500 + index * 2, QEMU's extension registers
 * at 0x600) and the expansion ROM holds the VGA BIOS (SeaBIOS's vgabios-stdvga.bin).
 * The legacy ISA decode (ports and the 0xA0000 window) is always on, as on a real VGA.
 * See QEMU's docs/specs/standard-vga.rst.
 */
import type { BusDevice } from '../../bus/bus-device.js';
import type { DisplaySource, Frame } from '../../display/display.js';
import { PciConfigSpace } from '../../pci/config-space.js';
import type { PciFunction } from '../../pci/pci-bus.js';
import { fillLe, leValue } from '../access.js';
import { EDID_SIZE, buildEdid } from './edid.js';
import { blankFrame, renderVbe, renderVgaGraphics, vgaGraphicsSize } from './graphics-mode.js';
import { textGeometry, renderText, textScreen } from './text-mode.js';
import { BochsVbe, DISPI_REGISTERS, VbePorts } from './vbe.js';
import { VgaMemoryWindow } from './vga-memory.js';
import { VgaRegisters } from './vga-registers.js';

/** PCI identity of the standard VGA. */
export const STD_VGA_PCI = { vendorId: 0x1234, deviceId: 0x1111, classCode: 0x030000, revision: 2, subsystemVendorId: 0x1af4, subsystemId: 0x1100 } as const;

/** Default VRAM size (QEMU's vgamem_mb default). */
export const DEFAULT_VGAMEM_MB = 16;
/** Size of the MMIO BAR (BAR2). */
export const STD_VGA_MMIO_SIZE = 0x1000;
/** Offsets inside the MMIO BAR. */
export const STD_VGA_MMIO = { EDID: 0x000, VGA_PORTS: 0x400, DISPI: 0x500, QEXT: 0x600 } as const;
/** QEMU extension registers: region size (reads 8) and framebuffer byte order (little endian). */
const QEXT_SIZE = 8;
const QEXT_LITTLE_ENDIAN = 0x1e1e1e1e;

/** The legacy VGA I/O ports: 0x3B0-0x3DF (mono CRTC 0x3B4/0x3B5/0x3BA, 0x3C0-0x3CF, colour 0x3D4/0x3D5/0x3DA). */
export const VGA_IO_BASE = 0x3b0;
/** Number of legacy ports from VGA_IO_BASE. */
export const VGA_IO_SIZE = 0x30;
/** The Bochs VBE index port; data at +1, data alias at +2. */
export const VBE_IO_BASE = 0x1ce;
/** Number of DISPI ports from VBE_IO_BASE. */
export const VBE_IO_SIZE = 3;
/** Guest-physical base of the legacy memory window (size VGA_WINDOW_SIZE). */
export const VGA_WINDOW_BASE = 0xa0000;

/** What the machine passes to the card. */
export interface StdVgaOptions {
  /**
   * VRAM (BAR0's backing): a power of two of at least 256 KiB, possibly an mmap'd host buffer the
   * machine also maps into the guest. Default: a fresh buffer of `vgamemMb` MiB.
   */
  readonly vram?: Uint8Array;
  /** VRAM size in MiB when `vram` is not given (QEMU's vgamem_mb, default 16). */
  readonly vgamemMb?: number;
  /** Expansion ROM contents (vgabios-stdvga.bin); no ROM BAR when absent. */
  readonly rom?: Uint8Array;
  /** Whether BAR2 serves an EDID block (QEMU's edid=on, the default). */
  readonly edid?: boolean;
}

/** The smallest power of two >= n. */
function pow2At(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The standard VGA card: registers, VRAM, PCI function and display source. */
export class StdVga implements PciFunction, DisplaySource {
  readonly name = 'VGA';
  readonly config: PciConfigSpace;
  readonly rom: Uint8Array | undefined;
  /** VRAM, planar in 4-byte groups for VGA modes and linear for VBE modes. */
  readonly vram: Uint8Array;
  /** The VGA register file. */
  readonly regs = new VgaRegisters();
  /** The Bochs VBE registers. */
  readonly vbe: BochsVbe;
  /** Ports 0x3B0-0x3DF: map at VGA_IO_BASE, size VGA_IO_SIZE. */
  readonly ioPorts: BusDevice;
  /** The DISPI ports: map at VBE_IO_BASE, size VBE_IO_SIZE. */
  readonly vbePorts: BusDevice;
  /** The legacy memory window: map at VGA_WINDOW_BASE, size VGA_WINDOW_SIZE, on the MMIO bus. */
  readonly lowMemory: BusDevice;
  /** VRAM as plain MMIO, for a machine that cannot back BAR0 with RAM. */
  readonly framebuffer: BusDevice;
  private readonly mmio: BusDevice;
  private readonly edid: Uint8Array;
  private gen = 0;

  constructor(options: StdVgaOptions = {}) {
    this.vram = options.vram ?? new Uint8Array((options.vgamemMb ?? DEFAULT_VGAMEM_MB) * 0x100000);
    const size = this.vram.length;
    if (size < 0x40000 || (size & (size - 1)) !== 0) throw new RangeError(`VGA memory of ${size} bytes is not a power of two >= 256 KiB`);
    const bump = (): void => {
      this.gen++;
    };
    this.regs.onWrite = bump;
    this.vbe = new BochsVbe(this.vram, this.regs, bump);
    this.edid = options.edid === false ? new Uint8Array(EDID_SIZE) : buildEdid();
    this.rom = options.rom;
    this.config = new PciConfigSpace(STD_VGA_PCI);
    this.config.setBar(0, { kind: 'mem32', size, prefetchable: true });
    this.config.setBar(2, { kind: 'mem32', size: STD_VGA_MMIO_SIZE });
    if (this.rom !== undefined && this.rom.length > 0) this.config.setRom(pow2At(Math.max(this.rom.length, 2048)));
    this.ioPorts = portView(this.regs, VGA_IO_BASE);
    this.vbePorts = new VbePorts(this.vbe);
    this.lowMemory = new VgaMemoryWindow(this.regs, this.vram, () => this.vbe.bankOffset, bump);
    this.framebuffer = linearView(this.vram, bump);
    this.mmio = this.mmioBar();
  }

  /** BAR2's registers; BAR0 is RAM the machine maps (its mapRamBar hook is told where). */
  barDevice(index: number): BusDevice | undefined {
    return index === 2 ? this.mmio : undefined;
  }

  /** Machine reset: registers to power-on state (VRAM keeps its contents, as on hardware). */
  reset(): void {
    this.regs.reset();
    this.vbe.reset();
    this.gen++;
  }

  /** Bumped whenever something that can change the picture was written through this device. */
  get generation(): number {
    return this.gen;
  }

  /** The machine says VRAM may have changed behind the device's back (LFB writes under KVM). */
  markVramDirty(): void {
    this.gen++;
  }

  /**
   * The current screen, rendered at its logical size; black while blanked (attribute palette
   * source clear or SR1 screen off: QEMU blanks VBE modes the same way, as bochs-drm expects).
   */
  render(): Frame {
    const mode = this.vbe.mode();
    if (mode !== undefined) return this.regs.screenOn ? renderVbe(this.regs, mode, this.vram) : blankFrame(mode.width, mode.height);
    const size = this.screenSize();
    if (size === undefined) return blankFrame(640, 480);
    if (!this.regs.screenOn) return blankFrame(size.width, size.height);
    return this.isGraphics() ? renderVgaGraphics(this.regs, this.vram) : renderText(this.regs, this.vram);
  }

  /** The screen rows in a text mode; undefined in graphics modes or before the BIOS set a mode. */
  text(): string[] | undefined {
    if (this.vbe.enabled || this.isGraphics() || this.screenSize() === undefined) return undefined;
    return textScreen(this.regs, this.vram);
  }

  private isGraphics(): boolean {
    return (this.regs.gr[6]! & 1) !== 0;
  }

  /** The VGA screen size, or undefined while the CRTC describes no usable screen (power-on). */
  private screenSize(): { width: number; height: number } | undefined {
    let size: { width: number; height: number };
    if (this.isGraphics()) size = vgaGraphicsSize(this.regs);
    else {
      const g = textGeometry(this.regs);
      size = { width: g.cols * g.cellWidth * g.dotWidth, height: g.rows * g.cellHeight };
    }
    return size.width >= 64 && size.height >= 32 ? size : undefined;
  }

  /** The 4 KiB MMIO BAR. */
  private mmioBar(): BusDevice {
    const vgaPorts = portView(this.regs, 0x3c0);
    const vbe = this.vbe;
    return {
      read: (offset, data) => {
        if (offset < STD_VGA_MMIO.VGA_PORTS) {
          for (let i = 0; i < data.length; i++) data[i] = this.edid[offset + i] ?? 0;
        } else if (offset < STD_VGA_MMIO.VGA_PORTS + 0x20) {
          vgaPorts.read(offset - STD_VGA_MMIO.VGA_PORTS, data);
        } else if (offset >= STD_VGA_MMIO.DISPI && offset < STD_VGA_MMIO.DISPI + DISPI_REGISTERS * 2) {
          const rel = offset - STD_VGA_MMIO.DISPI;
          const reg = vbe.readRegister(rel >> 1);
          fillLe(data, (rel & 1) !== 0 ? reg >> 8 : reg);
        } else if (offset === STD_VGA_MMIO.QEXT) {
          fillLe(data, QEXT_SIZE);
        } else if (offset === STD_VGA_MMIO.QEXT + 4) {
          fillLe(data, QEXT_LITTLE_ENDIAN);
        } else {
          data.fill(0);
        }
      },
      write: (offset, data) => {
        if (offset >= STD_VGA_MMIO.VGA_PORTS && offset < STD_VGA_MMIO.VGA_PORTS + 0x20) {
          vgaPorts.write(offset - STD_VGA_MMIO.VGA_PORTS, data);
        } else if (offset >= STD_VGA_MMIO.DISPI && offset < STD_VGA_MMIO.DISPI + DISPI_REGISTERS * 2) {
          const rel = offset - STD_VGA_MMIO.DISPI;
          const index = rel >> 1;
          const v = leValue(data);
          if (data.length >= 2 && (rel & 1) === 0) vbe.writeRegister(index, v & 0xffff);
          else if ((rel & 1) === 0) vbe.writeRegister(index, (vbe.regs[index]! & 0xff00) | (v & 0xff));
          else vbe.writeRegister(index, (vbe.regs[index]! & 0x00ff) | ((v & 0xff) << 8));
        }
        // EDID and the byte-order register are read-only here: only little-endian framebuffers.
      },
    };
  }
}

/** The VGA register ports from `base` on; wide accesses split into consecutive byte ports. */
function portView(regs: VgaRegisters, base: number): BusDevice {
  return {
    read(offset, data) {
      for (let i = 0; i < data.length; i++) data[i] = regs.readPort(base + offset + i);
    },
    write(offset, data) {
      for (let i = 0; i < data.length; i++) regs.writePort(base + offset + i, data[i]!);
    },
  };
}

/** VRAM as linear memory (the LFB without RAM backing). */
function linearView(vram: Uint8Array, onWrite: () => void): BusDevice {
  return {
    read(offset, data) {
      for (let i = 0; i < data.length; i++) data[i] = vram[offset + i] ?? 0xff;
    },
    write(offset, data) {
      if (offset + data.length <= vram.length) vram.set(data, offset);
      onWrite();
    },
  };
}
