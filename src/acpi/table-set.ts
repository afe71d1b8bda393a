/**
 * The pc machine's ACPI tables as QEMU lays them out for its firmware: one blob
 * (`etc/acpi/tables`: FACS at 0, then DSDT, FADT, MADT, RSDT, each 4-byte aligned after the
 * 64-byte aligned FACS) and the RSDP apart (`etc/acpi/rsdp`). Pointers between tables hold
 * offsets into the blob plus a list of where they are, so a loader (SeaBIOS through the
 * linker/loader script, or tkvm itself for a direct kernel boot) can relocate them and redo the
 * checksums.
 */
import { buildDsdt, type DsdtConfig } from './dsdt.js';
import { buildFacs } from './facs.js';
import { FADT, buildFadt, type FadtHardware } from './fadt.js';
import { buildMadt } from './madt.js';
import { RSDP, RSDP_V1_LENGTH, buildRsdp, buildRsdt, rsdtEntryOffset } from './rsdt.js';
import { SDT } from './sdt.js';

/** fw_cfg names of the two blobs, as QEMU names them. */
export const ACPI_TABLES_FILE = 'etc/acpi/tables';
export const ACPI_RSDP_FILE = 'etc/acpi/rsdp';
/** Alignment of the table blob (the FACS needs 64) and of the RSDP (16, where OSPMs search). */
export const ACPI_TABLES_ALIGN = 64;
export const ACPI_RSDP_ALIGN = 16;

/** The two blobs. */
export type AcpiFile = typeof ACPI_TABLES_FILE | typeof ACPI_RSDP_FILE;

/** A 32-bit field in `file` at `offset` that holds an offset into `target` and must become an address. */
export interface AcpiPointer {
  readonly file: AcpiFile;
  readonly offset: number;
  readonly size: 4;
  readonly target: AcpiFile;
}

/** A checksum byte at `offset` of `file` over [start, start + length). */
export interface AcpiChecksum {
  readonly file: AcpiFile;
  readonly offset: number;
  readonly start: number;
  readonly length: number;
}

/** One table's place in the blob (for tests and logs). */
export interface AcpiTablePlace {
  readonly signature: string;
  readonly offset: number;
  readonly length: number;
}

/** The tables, unrelocated. */
export interface AcpiTableSet {
  readonly tables: Uint8Array;
  readonly rsdp: Uint8Array;
  readonly pointers: readonly AcpiPointer[];
  readonly checksums: readonly AcpiChecksum[];
  readonly places: readonly AcpiTablePlace[];
}

/** Everything the pc machine's tables describe. */
export interface PcAcpiConfig {
  readonly hardware: FadtHardware;
  readonly dsdt: DsdtConfig;
}

/** Builds the table set. */
export function buildAcpiTables(c: PcAcpiConfig): AcpiTableSet {
  const parts: Uint8Array[] = [];
  const places: AcpiTablePlace[] = [];
  const pointers: AcpiPointer[] = [];
  const checksums: AcpiChecksum[] = [];
  let size = 0;
  const add = (signature: string, bytes: Uint8Array, align: number, checksummed: boolean): number => {
    const offset = Math.ceil(size / align) * align;
    if (offset > size) parts.push(new Uint8Array(offset - size));
    parts.push(bytes);
    size = offset + bytes.length;
    places.push({ signature, offset, length: bytes.length });
    if (checksummed) checksums.push({ file: ACPI_TABLES_FILE, offset: offset + SDT.CHECKSUM, start: offset, length: bytes.length });
    return offset;
  };
  const facs = add('FACS', buildFacs(), ACPI_TABLES_ALIGN, false);
  const dsdt = add('DSDT', buildDsdt(c.dsdt), 4, true);
  const fadt = add('FACP', buildFadt(c.hardware, facs, dsdt), 4, true);
  pointers.push({ file: ACPI_TABLES_FILE, offset: fadt + FADT.FIRMWARE_CTRL, size: 4, target: ACPI_TABLES_FILE });
  pointers.push({ file: ACPI_TABLES_FILE, offset: fadt + FADT.DSDT, size: 4, target: ACPI_TABLES_FILE });
  const madt = add('APIC', buildMadt(c.dsdt.cpus), 4, true);
  const listed = [fadt, madt];
  const rsdt = add('RSDT', buildRsdt(listed), 4, true);
  listed.forEach((_, i) => pointers.push({ file: ACPI_TABLES_FILE, offset: rsdt + rsdtEntryOffset(i), size: 4, target: ACPI_TABLES_FILE }));
  const tables = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    tables.set(p, at);
    at += p.length;
  }
  pointers.push({ file: ACPI_RSDP_FILE, offset: RSDP.RSDT_ADDRESS, size: 4, target: ACPI_TABLES_FILE });
  checksums.push({ file: ACPI_RSDP_FILE, offset: RSDP.CHECKSUM, start: 0, length: RSDP_V1_LENGTH });
  // The checksums come after every pointer: they must cover the relocated values.
  return { tables, rsdp: buildRsdp(rsdt), pointers, checksums, places };
}

