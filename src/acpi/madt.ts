/**
 * The Multiple APIC Description Table, revision 1 (ACPI 6.5 section 5.2.12), as QEMU's pc machine
 * builds it: one enabled Processor Local APIC entry per vCPU (ACPI processor UID = APIC ID = index),
 * the IOAPIC (ID 0, GSI base 0, the ID both KVM's in-kernel IOAPIC and tkvm's own report at reset),
 * interrupt source overrides for ISA IRQ 0 (on IOAPIC pin 2) and for the SCI and PCI interrupt
 * IRQs 5, 9, 10, 11 (level-triggered, active high), and LINT1 as NMI on every processor.
 */
import { IOAPIC_BASE, LAPIC_BASE } from '../memory/layout.js';
import { cat } from './aml.js';
import { sdt } from './sdt.js';

/** MADT entry types used here. */
export const MADT_ENTRY = { LOCAL_APIC: 0, IO_APIC: 1, INTERRUPT_OVERRIDE: 2, LOCAL_APIC_NMI: 4 } as const;
/** MPS INTI flags: active high (polarity 01) and level-triggered (trigger mode 11). */
export const INTI_ACTIVE_HIGH_LEVEL = 0x0d;
/** The IOAPIC's ID. */
export const MADT_IOAPIC_ID = 0;
/** ISA IRQs that are level-triggered, active high on this machine: the PCI interrupt links and the SCI. */
export const LEVEL_ISA_IRQS: readonly number[] = [5, 9, 10, 11];
/** Most processors a MADT of xAPIC entries describes (APIC IDs 0-254; 255 is the broadcast ID). */
export const MADT_MAX_CPUS = 255;

/** MADT flags bit 0: the machine also has dual 8259s (PCAT_COMPAT). */
const PCAT_COMPAT = 1;

/** Builds the MADT for `cpus` processors. */
export function buildMadt(cpus: number): Uint8Array {
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > MADT_MAX_CPUS) throw new RangeError(`the MADT describes 1 to ${MADT_MAX_CPUS} CPUs, not ${cpus}`);
  const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  const entries: number[][] = [];
  for (let id = 0; id < cpus; id++) entries.push([MADT_ENTRY.LOCAL_APIC, 8, id, id, ...u32(1)]);
  entries.push([MADT_ENTRY.IO_APIC, 12, MADT_IOAPIC_ID, 0, ...u32(IOAPIC_BASE), ...u32(0)]);
  entries.push([MADT_ENTRY.INTERRUPT_OVERRIDE, 10, 0, 0, ...u32(2), 0, 0]);
  for (const irq of LEVEL_ISA_IRQS) entries.push([MADT_ENTRY.INTERRUPT_OVERRIDE, 10, 0, irq, ...u32(irq), INTI_ACTIVE_HIGH_LEVEL, 0]);
  entries.push([MADT_ENTRY.LOCAL_APIC_NMI, 6, 0xff, 0, 0, 1]);
  return sdt('APIC', 1, cat([u32(LAPIC_BASE), u32(PCAT_COMPAT), ...entries]));
}
