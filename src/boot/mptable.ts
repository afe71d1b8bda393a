/**
 * Intel MultiProcessor Specification 1.4 tables, so a kernel booted without ACPI finds every
 * vCPU, the IOAPIC and the ISA interrupt routing (Linux arch/x86/kernel/mpparse.c).
 *
 * Where: the 16-byte floating pointer at 0x9fc00, the start of the EBDA / last KiB of base
 * memory, one of the three places MP spec 4 says to search and where Firecracker puts it
 * (Linux scans [0, 1 KiB), [639 KiB, 640 KiB), then the F-segment). The configuration table goes
 * in the BIOS F-segment at 0xf0000, as SeaBIOS does: that 64 KiB is reserved in e820 and holds
 * 254 CPUs, whereas the 1 KiB EBDA would hold only about 40 (Firecracker writes past it).
 */
import type { GuestMemory } from '../memory/guest-memory.js';
import { IOAPIC_BASE, LAPIC_BASE } from '../memory/layout.js';
import { BootError } from './boot-error.js';
import { BIOS_SEGMENT_START, EBDA_START } from './e820.js';

/** Address of the MP floating pointer structure. */
export const MP_FLOATING_ADDR = EBDA_START;
/** Address of the MP configuration table. */
export const MP_TABLE_ADDR = BIOS_SEGMENT_START;
/** Most vCPUs the table describes: APIC IDs 0..n-1 plus the IOAPIC's ID n must stay below 0xff. */
export const MP_MAX_CPUS = 254;
/** IOAPIC pin the PIT's ISA IRQ 0 arrives on (the PC's interrupt source override). */
export const IRQ0_IOAPIC_PIN = 2;
/** Local APIC version KVM reports (APIC_VERSION, integrated APIC). */
export const LAPIC_VERSION = 0x14;
/** IOAPIC version KVM's in-kernel IOAPIC reports. */
export const IOAPIC_VERSION = 0x11;

/** MP spec 4.1 floating pointer structure. */
const MPF = { signature: 0, physPtr: 4, length: 8, specRev: 9, checksum: 10, feature1: 11, feature2: 12, size: 16 } as const;
/** MP spec 4.2 configuration table header. */
const MPC = {
  signature: 0, baseLength: 4, specRev: 6, checksum: 7, oemId: 8, productId: 16,
  oemTablePtr: 28, oemTableSize: 32, entryCount: 34, lapicAddr: 36, extLength: 40, extChecksum: 42, size: 44,
} as const;
/** MP spec 4.3 entry types and sizes. */
export const MP_ENTRY = { processor: 0, bus: 1, ioapic: 2, ioInterrupt: 3, localInterrupt: 4 } as const;
/** Interrupt types (MP spec table 4-11). */
export const MP_INT = { INT: 0, NMI: 1, SMI: 2, ExtINT: 3 } as const;
/** MP spec 1.4 revision byte. */
const SPEC_REV = 4;
/** CPU flags: enabled, bootstrap processor. */
const CPU_EN = 1;
const CPU_BP = 2;
/** CPU signature (family 6) and feature flags (FPU, on-chip APIC) for processor entries. */
const CPU_SIGNATURE = 0x600;
const CPU_FEATURES = (1 << 0) | (1 << 9);
/** Destination APIC ID meaning "all local APICs". */
const ALL_APICS = 0xff;
/** ISA bus id in the table. */
const ISA_BUS = 0;

/** Where the MP tables went. */
export interface MpTableInfo {
  readonly floatingPointer: number;
  readonly table: number;
  readonly tableLength: number;
  readonly ioapicId: number;
}

/** Byte sum that makes [gpa, gpa+len) add up to 0 mod 256 when stored in the checksum byte. */
function checksum(mem: GuestMemory, gpa: number, len: number): number {
  let sum = 0;
  for (const b of mem.read(gpa, len)) sum += b;
  return (256 - (sum & 0xff)) & 0xff;
}

function writeAscii(mem: GuestMemory, gpa: number, text: string, width: number): void {
  mem.write(gpa, new TextEncoder().encode(text.padEnd(width, ' ').slice(0, width)));
}

/** Writes the MP floating pointer and configuration table for `cpus` vCPUs (CPU 0 is the BSP). */
export function writeMpTable(mem: GuestMemory, cpus: number): MpTableInfo {
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > MP_MAX_CPUS) {
    throw new BootError('unsupported', `MP table describes 1 to ${MP_MAX_CPUS} CPUs; asked for ${cpus} (-smp)`, { cpus });
  }
  const ioapicId = cpus;
  const t = MP_TABLE_ADDR;
  let at = t + MPC.size;
  let count = 0;
  const entry = (bytes: number[]): void => {
    mem.write(at, Uint8Array.from(bytes));
    at += bytes.length;
    count++;
  };
  const le32 = (x: number): number[] => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff];
  for (let id = 0; id < cpus; id++) {
    // type, LAPIC id, LAPIC version, flags, signature u32, features u32, reserved 8 bytes
    entry([MP_ENTRY.processor, id, LAPIC_VERSION, CPU_EN | (id === 0 ? CPU_BP : 0), ...le32(CPU_SIGNATURE), ...le32(CPU_FEATURES), 0, 0, 0, 0, 0, 0, 0, 0]);
  }
  entry([MP_ENTRY.bus, ISA_BUS, ...new TextEncoder().encode('ISA   ')]);
  entry([MP_ENTRY.ioapic, ioapicId, IOAPIC_VERSION, 1, ...le32(IOAPIC_BASE)]);
  for (let irq = 0; irq < 16; irq++) {
    if (irq === IRQ0_IOAPIC_PIN) continue; // ISA IRQ 2 is the PIC cascade; its pin carries IRQ 0
    const pin = irq === 0 ? IRQ0_IOAPIC_PIN : irq;
    // type, interrupt type, flags u16 (0 = conforms to bus), source bus, source IRQ, dest IOAPIC, dest pin
    entry([MP_ENTRY.ioInterrupt, MP_INT.INT, 0, 0, ISA_BUS, irq, ioapicId, pin]);
  }
  entry([MP_ENTRY.localInterrupt, MP_INT.ExtINT, 0, 0, ISA_BUS, 0, ALL_APICS, 0]);
  entry([MP_ENTRY.localInterrupt, MP_INT.NMI, 0, 0, ISA_BUS, 0, ALL_APICS, 1]);
  const length = at - t;
  mem.fill(t, MPC.size);
  writeAscii(mem, t + MPC.signature, 'PCMP', 4);
  mem.writeU16(t + MPC.baseLength, length);
  mem.writeU8(t + MPC.specRev, SPEC_REV);
  writeAscii(mem, t + MPC.oemId, 'TKVM', 8);
  writeAscii(mem, t + MPC.productId, 'TKVM PC', 12);
  mem.writeU16(t + MPC.entryCount, count);
  mem.writeU32(t + MPC.lapicAddr, LAPIC_BASE);
  mem.writeU8(t + MPC.checksum, checksum(mem, t, length));

  const f = MP_FLOATING_ADDR;
  mem.fill(f, MPF.size);
  writeAscii(mem, f + MPF.signature, '_MP_', 4);
  mem.writeU32(f + MPF.physPtr, t);
  mem.writeU8(f + MPF.length, 1); // in 16-byte units
  mem.writeU8(f + MPF.specRev, SPEC_REV);
  // feature1 = 0: a configuration table is present; feature2 bit 7 (IMCR) = 0: virtual wire mode.
  mem.writeU8(f + MPF.checksum, checksum(mem, f, MPF.size));
  return { floatingPointer: f, table: t, tableLength: length, ioapicId };
}
