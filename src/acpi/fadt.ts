/**
 * The Fixed ACPI Description Table, revision 1 (ACPI 1.0b section 5.2.5; offsets unchanged in
 * ACPI 6.5 table 5.9), shaped like QEMU's pc machine's: 116 bytes, SCI on IRQ 9, the SMI command
 * port and its ACPI enable/disable values, the PIIX4 PM1a event/control blocks, the 24-bit PM
 * timer and GPE0. FIRMWARE_CTRL and DSDT hold offsets into the table blob that the loader turns
 * into addresses.
 *
 * IAPC_BOOT_ARCH (offset 109) is reserved in a revision-1 FADT and stays 0, as QEMU writes it;
 * OSPMs (ACPICA's FADT conversion, Linux's acpi_parse_fadt) read it only from revision 2 on and
 * assume an 8042 is present for older tables, which is what this machine has.
 */
import { sdt } from './sdt.js';

/** Field offsets of the FADT (from the start of the table). */
export const FADT = {
  FIRMWARE_CTRL: 36, DSDT: 40, INT_MODEL: 44, SCI_INT: 46, SMI_CMD: 48, ACPI_ENABLE: 52, ACPI_DISABLE: 53,
  PM1A_EVT_BLK: 56, PM1A_CNT_BLK: 64, PM_TMR_BLK: 76, GPE0_BLK: 80,
  PM1_EVT_LEN: 88, PM1_CNT_LEN: 89, PM_TMR_LEN: 91, GPE0_BLK_LEN: 92,
  P_LVL2_LAT: 96, P_LVL3_LAT: 98, CENTURY: 108, IAPC_BOOT_ARCH: 109, FLAGS: 112,
} as const;
/** Length of a revision-1 FADT. */
export const FADT_V1_LENGTH = 116;
/** FADT flags QEMU's pc machine sets: WBINVD, PROC_C1, SLP_BUTTON, RTC_S4, USE_PLATFORM_CLOCK. */
export const FADT_FLAGS = (1 << 0) | (1 << 2) | (1 << 5) | (1 << 7) | (1 << 15);
/** P_LVL2/3 latencies above 100/1000 us: C2 and C3 are not supported. */
const NO_C2_C3 = 0x0fff;
/** CMOS index of the century byte (the RTC's register 0x32). */
const RTC_CENTURY = 0x32;

/** The power-management hardware the FADT describes. */
export interface FadtHardware {
  readonly sciIrq: number;
  readonly smiCommandPort: number;
  readonly acpiEnable: number;
  readonly acpiDisable: number;
  readonly pm1aEvent: { readonly port: number; readonly length: number };
  readonly pm1aControl: { readonly port: number; readonly length: number };
  readonly pmTimer: { readonly port: number; readonly length: number };
  readonly gpe0: { readonly port: number; readonly length: number };
}

/** Builds the FADT; `facsOffset` and `dsdtOffset` go into FIRMWARE_CTRL and DSDT for the loader to relocate. */
export function buildFadt(hw: FadtHardware, facsOffset: number, dsdtOffset: number): Uint8Array {
  const body = new Uint8Array(FADT_V1_LENGTH - 36);
  const dv = new DataView(body.buffer);
  const at = (field: number): number => field - 36;
  dv.setUint32(at(FADT.FIRMWARE_CTRL), facsOffset, true);
  dv.setUint32(at(FADT.DSDT), dsdtOffset, true);
  body[at(FADT.INT_MODEL)] = 1; // ACPI 1.0: multiple APIC
  dv.setUint16(at(FADT.SCI_INT), hw.sciIrq, true);
  dv.setUint32(at(FADT.SMI_CMD), hw.smiCommandPort, true);
  body[at(FADT.ACPI_ENABLE)] = hw.acpiEnable;
  body[at(FADT.ACPI_DISABLE)] = hw.acpiDisable;
  dv.setUint32(at(FADT.PM1A_EVT_BLK), hw.pm1aEvent.port, true);
  dv.setUint32(at(FADT.PM1A_CNT_BLK), hw.pm1aControl.port, true);
  dv.setUint32(at(FADT.PM_TMR_BLK), hw.pmTimer.port, true);
  dv.setUint32(at(FADT.GPE0_BLK), hw.gpe0.port, true);
  body[at(FADT.PM1_EVT_LEN)] = hw.pm1aEvent.length;
  body[at(FADT.PM1_CNT_LEN)] = hw.pm1aControl.length;
  body[at(FADT.PM_TMR_LEN)] = hw.pmTimer.length;
  body[at(FADT.GPE0_BLK_LEN)] = hw.gpe0.length;
  dv.setUint16(at(FADT.P_LVL2_LAT), NO_C2_C3, true);
  dv.setUint16(at(FADT.P_LVL3_LAT), NO_C2_C3, true);
  body[at(FADT.CENTURY)] = RTC_CENTURY;
  dv.setUint32(at(FADT.FLAGS), FADT_FLAGS, true);
  return sdt('FACP', 1, body);
}
