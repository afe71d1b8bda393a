/**
 * QEMU's ACPI linker/loader protocol (QEMU hw/acpi/bios-linker-loader.c documents it; SeaBIOS
 * src/fw/romfile_loader.c carries it out): `etc/table-loader` is a list of 128-byte commands,
 * each a u32 command code and a union of
 *   ALLOCATE (1):     file[56], u32 align, u8 zone (1 = high memory, 2 = the F-segment)
 *   ADD_POINTER (2):  dest_file[56], src_file[56], u32 offset, u8 size: add src's address to the
 *                     little-endian value of `size` bytes at dest+offset
 *   ADD_CHECKSUM (3): file[56], u32 offset, u32 start, u32 length: subtract the byte sum of
 *                     [start, start+length) from the byte at offset
 * all little-endian, names NUL-padded. `linkAcpiTables` does the same for a direct kernel boot,
 * where tkvm places the tables itself.
 */
import { ACPI_RSDP_ALIGN, ACPI_RSDP_FILE, ACPI_TABLES_ALIGN, ACPI_TABLES_FILE, type AcpiFile, type AcpiTableSet } from './table-set.js';

/** The fw_cfg name of the loader script. */
export const TABLE_LOADER_FILE = 'etc/table-loader';
/** Size of one command, and of its file-name fields. */
export const LOADER_ENTRY_SIZE = 128;
export const LOADER_FILESZ = 56;
/** Command codes. */
export const LOADER_COMMAND = { ALLOCATE: 1, ADD_POINTER: 2, ADD_CHECKSUM: 3 } as const;
/** ALLOCATE zones. */
export const LOADER_ZONE = { HIGH: 1, FSEG: 2 } as const;

function putName(entry: Uint8Array, at: number, file: string): void {
  const bytes = new TextEncoder().encode(file);
  if (bytes.length >= LOADER_FILESZ) throw new RangeError(`linker/loader file name '${file}' is too long`);
  entry.set(bytes, at);
}

/** The loader script for a table set: allocate both blobs, patch the pointers, then fix the checksums. */
export function tableLoaderScript(set: AcpiTableSet): Uint8Array {
  const entries: Uint8Array[] = [];
  const entry = (command: number): { bytes: Uint8Array; dv: DataView } => {
    const bytes = new Uint8Array(LOADER_ENTRY_SIZE);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(0, command, true);
    entries.push(bytes);
    return { bytes, dv };
  };
  const allocate = (file: AcpiFile, align: number, zone: number): void => {
    const { bytes, dv } = entry(LOADER_COMMAND.ALLOCATE);
    putName(bytes, 4, file);
    dv.setUint32(4 + LOADER_FILESZ, align, true);
    bytes[8 + LOADER_FILESZ] = zone;
  };
  allocate(ACPI_TABLES_FILE, ACPI_TABLES_ALIGN, LOADER_ZONE.HIGH);
  allocate(ACPI_RSDP_FILE, ACPI_RSDP_ALIGN, LOADER_ZONE.FSEG);
  for (const p of set.pointers) {
    const { bytes, dv } = entry(LOADER_COMMAND.ADD_POINTER);
    putName(bytes, 4, p.file);
    putName(bytes, 4 + LOADER_FILESZ, p.target);
    dv.setUint32(4 + 2 * LOADER_FILESZ, p.offset, true);
    bytes[8 + 2 * LOADER_FILESZ] = p.size;
  }
  for (const c of set.checksums) {
    const { bytes, dv } = entry(LOADER_COMMAND.ADD_CHECKSUM);
    putName(bytes, 4, c.file);
    dv.setUint32(4 + LOADER_FILESZ, c.offset, true);
    dv.setUint32(8 + LOADER_FILESZ, c.start, true);
    dv.setUint32(12 + LOADER_FILESZ, c.length, true);
  }
  const out = new Uint8Array(entries.length * LOADER_ENTRY_SIZE);
  entries.forEach((e, i) => out.set(e, i * LOADER_ENTRY_SIZE));
  return out;
}

/** Relocated copies of the blobs for the given addresses (what the loader script yields there). */
export function linkAcpiTables(set: AcpiTableSet, at: Readonly<Record<AcpiFile, number>>): Record<AcpiFile, Uint8Array> {
  for (const [file, addr] of Object.entries(at)) {
    const align = file === ACPI_TABLES_FILE ? ACPI_TABLES_ALIGN : ACPI_RSDP_ALIGN;
    if (addr % align !== 0 || addr < 0 || addr > 0xffff_ffff) throw new RangeError(`${file} must be placed ${align}-byte aligned below 4 GiB, not at 0x${addr.toString(16)}`);
  }
  const out: Record<AcpiFile, Uint8Array> = { [ACPI_TABLES_FILE]: set.tables.slice(), [ACPI_RSDP_FILE]: set.rsdp.slice() };
  for (const p of set.pointers) {
    const dv = new DataView(out[p.file].buffer);
    dv.setUint32(p.offset, (dv.getUint32(p.offset, true) + at[p.target]) >>> 0, true);
  }
  for (const c of set.checksums) {
    const bytes = out[c.file];
    let sum = 0;
    for (let i = c.start; i < c.start + c.length; i++) sum += bytes[i]!;
    bytes[c.offset] = (bytes[c.offset]! - sum) & 0xff;
  }
  return out;
}
