/**
 * The APM control and status ports of the PIIX4 (82371AB datasheet, APMC 0xB2 and APMS 0xB3), as
 * QEMU's pc machine has them with ACPI: both are plain byte registers that read back what was
 * written; a write to APMC is the "SMI command" the FADT names (SMI_CMD). tkvm has no System
 * Management Mode, so the command is handed straight to the PM function, which carries out the
 * ACPI enable/disable handshake itself (ACPI 6.5 section 4.8.2.1: ACPI_ENABLE/ACPI_DISABLE).
 */
import type { BusDevice } from '../bus/bus-device.js';

/** APMC, the SMI command port (FADT SMI_CMD), and the two-port range it starts. */
export const APM_CONTROL_PORT = 0xb2;
export const APM_PORTS_SIZE = 2;

/** APMC + APMS. */
export class ApmPorts implements BusDevice {
  private control = 0;
  private status = 0;

  /** `onCommand` receives each byte written to APMC. */
  constructor(private readonly onCommand: (value: number) => void) {}

  read(offset: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      const reg = offset + i;
      data[i] = reg === 0 ? this.control : reg === 1 ? this.status : 0xff;
    }
  }

  write(offset: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      const reg = offset + i;
      if (reg === 0) {
        this.control = data[i]!;
        this.onCommand(this.control);
      } else if (reg === 1) this.status = data[i]!;
    }
  }

  /** Power-on values. */
  reset(): void {
    this.control = 0;
    this.status = 0;
  }
}
