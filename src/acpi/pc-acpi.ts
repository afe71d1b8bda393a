/**
 * The ACPI tables of tkvm's pc machine, from its configuration and the fixed places of its
 * power-management hardware (the PIIX4 PM function at the PM I/O base SeaBIOS programs when it is
 * given tables, GPE0 at 0xafe0, SMI_CMD 0xb2, SCI on IRQ 9), and how they reach the guest:
 * fw_cfg files for SeaBIOS, or guest RAM in the BIOS area for a direct kernel boot.
 */
import type { MachineConfig } from '../cli/config.js';
import { GPE0_BASE, GPE0_LEN } from '../devices/acpi-gpe.js';
import { PM1_CNT_LEN, PM1_EVT_LEN, PM_REG, PM_TMR_LEN } from '../devices/acpi-pm-registers.js';
import { APM_CONTROL_PORT } from '../devices/apm-ports.js';
import { ACPI_DISABLE_CMD, ACPI_ENABLE_CMD, PIIX4_SLP_TYP, PM_IO_BASE_DEFAULT, SCI_IRQ } from '../devices/piix4-pm.js';
import { COM1, COM2, COM3, COM4 } from '../devices/serial16550.js';
import { FW_CFG_IO_PORT } from '../firmware/fw-cfg.js';
import { pcRamRegions } from '../memory/layout.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import { linkAcpiTables } from './linker-loader.js';
import { ACPI_RSDP_FILE, ACPI_TABLES_ALIGN, ACPI_TABLES_FILE, buildAcpiTables, type AcpiTableSet } from './table-set.js';

/** Whether the machine has ACPI: on unless -no-acpi or -machine acpi=off. */
export function acpiEnabled(config: MachineConfig): boolean {
  return !config.noAcpi;
}

/** Builds the pc machine's tables; `fwCfg` declares the fw_cfg device (a firmware boot has it). */
export function pcAcpiTables(config: MachineConfig, fwCfg: boolean): AcpiTableSet {
  const ram = pcRamRegions(config.memoryBytes);
  const low = ram.find((r) => r.gpa === 0)!;
  const high = ram.find((r) => r.gpa !== 0);
  const ports = [COM1, COM2, COM3, COM4].slice(0, config.serial.length);
  const pm = PM_IO_BASE_DEFAULT;
  return buildAcpiTables({
    hardware: {
      sciIrq: SCI_IRQ,
      smiCommandPort: APM_CONTROL_PORT,
      acpiEnable: ACPI_ENABLE_CMD,
      acpiDisable: ACPI_DISABLE_CMD,
      pm1aEvent: { port: pm + PM_REG.PM1_STS, length: PM1_EVT_LEN },
      pm1aControl: { port: pm + PM_REG.PM1_CNT, length: PM1_CNT_LEN },
      pmTimer: { port: pm + PM_REG.PM_TMR, length: PM_TMR_LEN },
      gpe0: { port: GPE0_BASE, length: GPE0_LEN },
    },
    dsdt: {
      cpus: config.cpus,
      lowRamEnd: low.size,
      highRamBytes: high?.size ?? 0,
      serialPorts: ports,
      gpe0: { port: GPE0_BASE, length: GPE0_LEN },
      s5SlpTyp: PIIX4_SLP_TYP.S5,
      ...(fwCfg ? { fwCfgPort: FW_CFG_IO_PORT } : {}),
    },
  });
}

/**
 * Where a direct kernel boot puts the tables: the RSDP at the start of the BIOS E-segment, where
 * OSPMs search for it (ACPI 6.5 section 5.2.5.1: 16-byte boundaries in 0xE0000-0xFFFFF), and the
 * tables right after it. The MP table keeps the F-segment; the whole 128 KiB is reserved in e820.
 */
export const DIRECT_BOOT_RSDP_ADDR = 0xe_0000;
export const DIRECT_BOOT_TABLES_ADDR = DIRECT_BOOT_RSDP_ADDR + ACPI_TABLES_ALIGN;
/** End of the room for the tables (the MP configuration table starts at 0xF0000). */
export const DIRECT_BOOT_TABLES_END = 0xf_0000;

/** The range a direct boot with ACPI reserves in e820 for the tables (the E-segment). */
export const DIRECT_BOOT_ACPI_RESERVED = { addr: DIRECT_BOOT_RSDP_ADDR, size: DIRECT_BOOT_TABLES_END - DIRECT_BOOT_RSDP_ADDR } as const;

/** Writes relocated tables into guest RAM for a direct kernel boot; returns the reserved range. */
export function installDirectBootAcpi(mem: GuestMemory, set: AcpiTableSet): { addr: number; size: number; rsdp: number } {
  if (DIRECT_BOOT_TABLES_ADDR + set.tables.length > DIRECT_BOOT_TABLES_END) {
    throw new RangeError(`ACPI tables of ${set.tables.length} bytes do not fit the BIOS E-segment`);
  }
  const linked = linkAcpiTables(set, { [ACPI_TABLES_FILE]: DIRECT_BOOT_TABLES_ADDR, [ACPI_RSDP_FILE]: DIRECT_BOOT_RSDP_ADDR });
  mem.write(DIRECT_BOOT_RSDP_ADDR, linked[ACPI_RSDP_FILE]);
  mem.write(DIRECT_BOOT_TABLES_ADDR, linked[ACPI_TABLES_FILE]);
  return { ...DIRECT_BOOT_ACPI_RESERVED, rsdp: DIRECT_BOOT_RSDP_ADDR };
}
