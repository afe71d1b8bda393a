import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MachineConfig } from '../cli/config.js';
import { parseRunArgs } from '../cli/options.js';
import { GuestMemory } from '../memory/guest-memory.js';
import { findRsdp, parseAcpi, runTableLoader } from './acpi-parse.test-util.js';
import { TABLE_LOADER_FILE, linkAcpiTables, tableLoaderScript } from './linker-loader.js';
import { DIRECT_BOOT_RSDP_ADDR, installDirectBootAcpi, pcAcpiTables } from './pc-acpi.js';
import { ACPI_RSDP_FILE, ACPI_TABLES_FILE } from './table-set.js';

function cfg(...argv: string[]): MachineConfig {
  const r = parseRunArgs(['-display', 'none', ...argv]);
  assert.equal(r.action, 'run');
  return (r as { config: MachineConfig }).config;
}

/** Loads the fw_cfg files as SeaBIOS would and parses the result. */
function loadForFirmware(config: MachineConfig) {
  const set = pcAcpiTables(config, true);
  const files = new Map([[ACPI_TABLES_FILE, set.tables], [ACPI_RSDP_FILE, set.rsdp]]);
  const loaded = runTableLoader(tableLoaderScript(set), files);
  const rsdp = findRsdp(loaded.read);
  assert.ok(rsdp !== undefined, 'the RSDP is in the F-segment');
  return { set, loaded, acpi: parseAcpi(loaded.read, rsdp) };
}

const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset).getUint32(at, true);

test('fw_cfg tables: the loader script yields valid RSDP -> RSDT -> FADT/MADT, FACS and DSDT', () => {
  const { acpi } = loadForFirmware(cfg('-m', '128', '-smp', '2', '-serial', 'null'));
  assert.deepEqual([...acpi.tables.keys()].sort(), ['APIC', 'FACP']);
  const fadt = acpi.tables.get('FACP')!.bytes;
  assert.equal(fadt.length, 116);
  assert.equal(fadt[8], 1, 'FADT revision 1, as QEMU pc');
  assert.equal(u16(fadt, 46), 9, 'SCI_INT');
  assert.equal(u32(fadt, 48), 0xb2, 'SMI_CMD');
  assert.deepEqual([fadt[52], fadt[53]], [0xf1, 0xf0], 'ACPI_ENABLE / ACPI_DISABLE');
  assert.equal(u32(fadt, 56), 0x600, 'PM1a_EVT_BLK');
  assert.equal(u32(fadt, 64), 0x604, 'PM1a_CNT_BLK');
  assert.equal(u32(fadt, 76), 0x608, 'PM_TMR_BLK');
  assert.equal(u32(fadt, 80), 0xafe0, 'GPE0_BLK');
  assert.deepEqual([...fadt.subarray(88, 94)], [4, 2, 0, 4, 4, 0], 'block lengths');
  assert.equal(fadt[108], 0x32, 'RTC century index');
  assert.equal(u32(fadt, 112), 0x80a5, 'flags as QEMU: WBINVD, C1, sleep button, RTC S4, platform clock');
  assert.equal(acpi.facs.addr % 64, 0);
  assert.equal(acpi.dsdt.revision, 1);
});

test('MADT: a Local APIC per CPU, the IOAPIC, IRQ0 on GSI 2 and level/high SCI and PCI IRQs', () => {
  for (const cpus of [1, 4]) {
    const { acpi } = loadForFirmware(cfg('-smp', String(cpus)));
    const madt = acpi.tables.get('APIC')!.bytes;
    assert.equal(u32(madt, 36), 0xfee0_0000);
    assert.equal(u32(madt, 40), 1, 'PCAT_COMPAT');
    const entries: Array<{ type: number; body: Uint8Array }> = [];
    for (let at = 44; at < madt.length; at += madt[at + 1]!) entries.push({ type: madt[at]!, body: madt.subarray(at, at + madt[at + 1]!) });
    const lapics = entries.filter((e) => e.type === 0);
    assert.deepEqual(lapics.map((e) => [e.body[2], e.body[3], u32(e.body, 4)]), Array.from({ length: cpus }, (_, i) => [i, i, 1]));
    const ioapic = entries.find((e) => e.type === 1)!;
    assert.deepEqual([ioapic.body[2], u32(ioapic.body, 4), u32(ioapic.body, 8)], [0, 0xfec0_0000, 0]);
    const isos = entries.filter((e) => e.type === 2).map((e) => [e.body[3], u32(e.body, 4), u16(e.body, 8)]);
    assert.deepEqual(isos, [[0, 2, 0], [5, 5, 0xd], [9, 9, 0xd], [10, 10, 0xd], [11, 11, 0xd]]);
    assert.deepEqual([...entries.find((e) => e.type === 4)!.body], [4, 6, 0xff, 0, 0, 1], 'LINT1 is NMI on all');
  }
});

test('the direct-boot placement gives the same bytes as the loader script at the same addresses', () => {
  const config = cfg('-m', '256');
  const { set, loaded } = loadForFirmware(config);
  const tablesAt = loaded.at.get(ACPI_TABLES_FILE)!;
  const rsdpAt = loaded.at.get(ACPI_RSDP_FILE)!;
  const linked = linkAcpiTables(set, { [ACPI_TABLES_FILE]: tablesAt.addr, [ACPI_RSDP_FILE]: rsdpAt.addr });
  assert.deepEqual(linked[ACPI_TABLES_FILE], tablesAt.data);
  assert.deepEqual(linked[ACPI_RSDP_FILE], rsdpAt.data);
  assert.ok(tableLoaderScript(set).length % 128 === 0 && TABLE_LOADER_FILE === 'etc/table-loader');
});

test('direct boot: the RSDP is found at 0xE0000 in guest RAM and the tables parse', () => {
  const mem = new GuestMemory([{ gpa: 0, bytes: new Uint8Array(0x20_0000) }]);
  const placed = installDirectBootAcpi(mem, pcAcpiTables(cfg('-m', '2', '-smp', '2'), false));
  assert.equal(placed.rsdp, DIRECT_BOOT_RSDP_ADDR);
  const read = (addr: number, len: number): Uint8Array => mem.read(addr, len);
  assert.equal(findRsdp(read), 0xe_0000);
  const acpi = parseAcpi(read, 0xe_0000);
  assert.ok(acpi.dsdt.addr > 0xe_0000 && acpi.dsdt.addr < 0xf_0000);
});

/** iasl -d on `dsdt`: the disassembly text (throws if iasl reports errors). */
function disassemble(dsdt: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-dsdt-'));
  try {
    writeFileSync(join(dir, 'dsdt.dat'), dsdt);
    const r = spawnSync('iasl', ['-d', 'dsdt.dat'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, `iasl -d failed:\n${r.stdout}\n${r.stderr}`);
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /\bError\b/i);
    return readFileSync(join(dir, 'dsdt.dsl'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const haveIasl = spawnSync('iasl', ['-v']).error === undefined;

test('iasl (Debian acpica-tools) disassembles the DSDT: \\_S5, PCI0 with _CRS, the ISA devices', { skip: haveIasl ? false : 'iasl is not installed (Debian package acpica-tools, in scripts/setup.sh)' }, () => {
  const { acpi } = loadForFirmware(cfg('-m', '5G', '-smp', '3', '-serial', 'null', '-serial', 'null'));
  const dsl = disassemble(acpi.dsdt.bytes);
  assert.match(dsl, /Name \(_S5, Package \(0x04\)[^{]*\{\s*Zero,\s*Zero,\s*Zero,\s*Zero\s*\}/);
  assert.match(dsl, /Device \(PCI0\)[\s\S]*EisaId \("PNP0A03"\)/);
  for (const hid of ['PNP0303', 'PNP0F13', 'PNP0B00']) assert.match(dsl, new RegExp(`EisaId \\("${hid}"\\)`));
  assert.equal(dsl.match(/EisaId \("PNP0501"\)/g)?.length, 2, 'COM1 and COM2');
  assert.match(dsl, /"QEMU0002"/, 'fw_cfg is declared for a firmware boot');
  assert.equal(dsl.match(/"ACPI0007"/g)?.length, 3, 'one processor device per CPU');
  // With 5 GiB: low RAM ends at 3 GiB, RAM above 4 GiB to 6 GiB; the 64-bit window starts at 6 GiB.
  assert.match(dsl, /0xC0000000,\s*\/\/ Range Minimum\s*0xFEBFFFFF,/);
  assert.match(dsl, /0x0000000180000000, \/\/ Range Minimum/);
});
