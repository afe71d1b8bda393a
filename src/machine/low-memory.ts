/**
 * The first MiB of the pc machine with firmware, as KVM slots (QEMU hw/pci-host/pam.c semantics):
 *   0x00000-0x9FFFF  RAM
 *   0xA0000-0xBFFFF  the VGA window: no slot, accesses exit to the MMIO bus (a VGA device, or 0xff);
 *                    RAM while the i440FX's SMRAM D_OPEN bit is set
 *   0xC0000-0xFFFFF  13 PAM segments, each one slot chosen by its PAM mode:
 *     PCI (0)        the ROM side, read-only: the BIOS image's last 128 KiB at 0xE0000, the
 *                    zeroed option-ROM area ("pc.rom") below it
 *     READ_RAM (1)   the shadow RAM, read-only; writes exit and are dropped
 *     WRITE_RAM (2)  the ROM side, read-only; writes exit and are copied into the shadow RAM
 *     RAM (3)        the shadow RAM, read-write
 * Writes that exit land in `writeCatcher`, mapped on the MMIO bus over 0xC0000-0xFFFFF.
 */
import type { BusDevice } from '../bus/bus-device.js';
import type { LowMemoryState } from '../chipset/i440fx.js';
import { PAM_MODE, PAM_SEGMENTS, type PamMode } from '../chipset/pam.js';
import { isaBiosOffset, type BiosImage } from '../firmware/bios.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import { CONVENTIONAL_END } from '../memory/layout.js';
import type { HostBuffer } from './host-buffer.js';
import type { MemoryMap } from './memory-map.js';

/** Start of the PAM-controlled range. */
export const PAM_START = 0xc_0000;
/** Size of the PAM-controlled range (up to 1 MiB). */
export const PAM_SIZE = 0x4_0000;
/** The VGA window's size. */
const VGA_WINDOW_SIZE = PAM_START - CONVENTIONAL_END;

/** Where the ROM side of the low window comes from. */
export interface LowRom {
  readonly bios: BiosImage;
  /** Host copy of the whole BIOS image (the same memory as its slot below 4 GiB). */
  readonly biosHost: HostBuffer;
  /** The option-ROM area below the ISA BIOS window, zero-filled. */
  readonly optionRomHost: HostBuffer;
}

/** Applies the i440FX's low-memory decode to the memory map. */
export class PcLowMemory {
  private modes: PamMode[] = PAM_SEGMENTS.map(() => PAM_MODE.PCI);

  /** Catches writes that exit from read-only low slots. */
  readonly writeCatcher: BusDevice = {
    read: (_offset, data) => data.fill(0xff),
    write: (offset, data) => this.onWrite(PAM_START + offset, data),
  };

  constructor(
    private readonly map: MemoryMap,
    /** Host address of guest-physical 0 (low RAM is one host block). */
    private readonly ramHost: bigint,
    private readonly memory: GuestMemory,
    private readonly rom: LowRom,
  ) {}

  /** Maps every slot for `state` (call once at start, then on each chipset change). */
  apply(state: LowMemoryState): void {
    this.modes = [...state.pam];
    this.map.set('ram-below-vga', { gpa: 0, size: CONVENTIONAL_END, hostAddress: this.ramHost, readOnly: false });
    this.map.set('smram', state.smramOpen ? { gpa: CONVENTIONAL_END, size: VGA_WINDOW_SIZE, hostAddress: this.ramHost + BigInt(CONVENTIONAL_END), readOnly: false } : undefined);
    PAM_SEGMENTS.forEach((seg, i) => {
      const mode = this.modes[i]!;
      const ram = mode === PAM_MODE.READ_RAM || mode === PAM_MODE.RAM;
      this.map.set(`pam-${seg.base.toString(16)}`, {
        gpa: seg.base,
        size: seg.size,
        hostAddress: ram ? this.ramHost + BigInt(seg.base) : this.romHost(seg.base),
        readOnly: mode !== PAM_MODE.RAM,
      });
    });
  }

  /** The host address of the ROM side at `gpa`. */
  private romHost(gpa: number): bigint {
    const inBios = isaBiosOffset(this.rom.bios, gpa);
    if (inBios !== undefined) return this.rom.biosHost.address + BigInt(inBios);
    return this.rom.optionRomHost.address + BigInt(gpa - PAM_START);
  }

  /** A guest write to a read-only low slot: into shadow RAM for WRITE_RAM segments, else dropped. */
  private onWrite(gpa: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      const at = gpa + i;
      const seg = PAM_SEGMENTS.findIndex((s) => at >= s.base && at < s.base + s.size);
      if (seg >= 0 && this.modes[seg] === PAM_MODE.WRITE_RAM) this.memory.writeU8(at, data[i]!);
    }
  }
}
