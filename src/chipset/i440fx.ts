/**
 * The i440FX host bridge, PCI function 00:00.0 (Intel 82441FX PMC datasheet; IDs as on QEMU's pc
 * machine, which SeaBIOS uses to recognise "QEMU (i440fx)"). Besides its identity it has the two
 * register groups firmware uses to shape memory below 1 MiB:
 * - PAM0-PAM6 (0x59-0x5F): ROM or RAM for each segment of 0xC0000-0xFFFFF (pam.ts);
 * - SMRAM (0x72): with D_OPEN set the VGA window 0xA0000-0xBFFFF shows the RAM beneath it.
 * The machine is told through `onMemoryChange` and maps KVM slots accordingly.
 */
import type { PciFunction } from '../pci/pci-bus.js';
import { PciConfigSpace } from '../pci/config-space.js';
import { PAM0, PAM_MASKS, PAM_REGISTERS, pamModes, type PamMode } from './pam.js';

/** SMRAM control register. */
export const I440FX_SMRAM = 0x72;
/** SMRAM bits (82441FX datasheet 3.2.24). */
export const SMRAM = { C_BASE_SEG: 0x07, G_SMRAME: 0x08, D_LCK: 0x10, D_CLS: 0x20, D_OPEN: 0x40 } as const;
/** C_BASE_SEG is hardwired to 010b: SMRAM at 0xA0000. */
const SMRAM_RESET = 0x02;

/** What the bridge decodes below 1 MiB: one mode per PAM segment and whether SMRAM is open. */
export interface LowMemoryState {
  readonly pam: readonly PamMode[];
  readonly smramOpen: boolean;
}

/** The host bridge function. */
export class I440fxHostBridge implements PciFunction {
  readonly name = 'i440fx';
  readonly config = new PciConfigSpace({
    vendorId: 0x8086,
    deviceId: 0x1237,
    revision: 0x02,
    classCode: 0x06_00_00,
    subsystemVendorId: 0x1af4,
    subsystemId: 0x1100,
  });

  /** `onMemoryChange` is called whenever a guest write changes what LowMemoryState reports. */
  constructor(private readonly onMemoryChange: (state: LowMemoryState) => void = () => undefined) {
    for (let i = 0; i < PAM_REGISTERS; i++) this.config.allowWrite(PAM0 + i, 1, PAM_MASKS[i]!);
    this.config.bytes[I440FX_SMRAM] = SMRAM_RESET;
    this.config.allowWrite(I440FX_SMRAM, 1, SMRAM.G_SMRAME | SMRAM.D_LCK | SMRAM.D_CLS | SMRAM.D_OPEN);
    this.config.markInitial();
  }

  /** The current decode of the low-memory window. */
  lowMemory(): LowMemoryState {
    const regs = this.config.bytes.subarray(PAM0, PAM0 + PAM_REGISTERS);
    return { pam: pamModes(regs), smramOpen: (this.config.bytes[I440FX_SMRAM]! & SMRAM.D_OPEN) !== 0 };
  }

  configWritten(offset: number, size: number): void {
    const touches = (lo: number, hi: number): boolean => offset < hi && offset + size > lo;
    if (touches(I440FX_SMRAM, I440FX_SMRAM + 1)) this.lockSmram();
    if (touches(PAM0, PAM0 + PAM_REGISTERS) || touches(I440FX_SMRAM, I440FX_SMRAM + 1)) this.onMemoryChange(this.lowMemory());
  }

  /** D_LCK: once set, D_OPEN reads 0 and D_LCK/G_SMRAME/D_OPEN are read-only until reset. */
  private lockSmram(): void {
    const b = this.config.bytes;
    if ((b[I440FX_SMRAM]! & SMRAM.D_LCK) === 0) return;
    b[I440FX_SMRAM] = b[I440FX_SMRAM]! & ~SMRAM.D_OPEN;
    this.config.allowWrite(I440FX_SMRAM, 1, SMRAM.D_CLS);
  }

  reset(): void {
    this.config.allowWrite(I440FX_SMRAM, 1, SMRAM.G_SMRAME | SMRAM.D_LCK | SMRAM.D_CLS | SMRAM.D_OPEN);
    this.onMemoryChange(this.lowMemory());
  }
}
