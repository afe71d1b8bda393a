/**
 * PIIX3's Reset Control Register at port 0xCF9 (82371SB datasheet 4.1.6; QEMU hw/isa/piix.c):
 * bit 1 chooses a hard or soft reset and reads back; setting bit 2 resets the system. SeaBIOS
 * reboots by writing 0x02 then 0x06. Reached through PciConfigPorts, which owns 0xCF8-0xCFF.
 */
import type { BusDevice } from '../bus/bus-device.js';

/** Port of the register. */
export const RESET_CONTROL_PORT = 0xcf9;
/** Bit 1: system reset (hard) rather than CPU-only. */
const SYS_RST = 0x02;
/** Bit 2: start the reset. */
const RST_CPU = 0x04;

/** The register; `onReset` is called when the guest asks for a reset. */
export class ResetControl implements BusDevice {
  private value = 0;

  constructor(private readonly onReset: () => void) {}

  read(_offset: number, data: Uint8Array): void {
    data.fill(0);
    data[0] = this.value;
  }

  write(_offset: number, data: Uint8Array): void {
    const v = data[0] ?? 0;
    if (v & RST_CPU) {
      this.value = 0;
      this.onReset();
      return;
    }
    this.value = v & SYS_RST;
  }

  /** Power-on value. */
  reset(): void {
    this.value = 0;
  }
}
