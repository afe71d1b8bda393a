/**
 * One software CPU's INTR pin (EmuInterruptPin) on the pc machine: its local APIC's fixed
 * interrupts first, then the 8259A pair's INTR where it reaches this CPU (LINT0 unmasked in ExtINT
 * mode, which QEMU and KVM give the BSP at reset; the APIC globally disabled; or an ExtINT message
 * from the IOAPIC). acknowledge() runs the INTA cycle on whichever device supplied the request.
 * Also the pc's GSI routing: ISA IRQ n to PIC input n and IOAPIC pin n, except IRQ0 (the PIT) on
 * IOAPIC pin 2, as QEMU's pc wires it and its ACPI tables describe (interrupt source override).
 */
import type { IrqLine } from '../../bus/bus-device.js';
import type { IoApic } from '../../devices/ioapic.js';
import { IOAPIC_PINS } from '../../devices/ioapic.js';
import type { LocalApic } from '../../devices/lapic.js';
import type { Pic8259Pair } from '../../devices/pic8259.js';
import { PIC_CASCADE_IRQ } from '../../devices/pic8259.js';
import type { EmuInterruptPin } from './contract.js';

/** The interrupt pin of one processor: its local APIC, and the 8259A pair behind LINT0. */
export class EmuApicInterruptPin implements EmuInterruptPin {
  constructor(
    /** This CPU's local APIC. */
    readonly lapic: LocalApic,
    /** The machine's 8259A pair (wired to every CPU's LINT0; only ExtINT-enabled ones take it). */
    readonly pic: Pic8259Pair | undefined,
  ) {}

  /** Whether the PIC's INTR is a request for this CPU now. */
  private picRequest(): boolean {
    const pic = this.pic;
    return pic !== undefined && pic.hasInterrupt() && (this.lapic.acceptsPicInterrupt() || this.lapic.extIntPending);
  }

  hasInterrupt(): boolean {
    return this.lapic.hasInterrupt() || this.picRequest();
  }

  acknowledge(): number {
    if (this.lapic.hasInterrupt()) return this.lapic.acknowledge();
    if (this.picRequest()) {
      this.lapic.extIntPending = false;
      return this.pic!.acknowledge();
    }
    return -1;
  }

  takeNmi(): boolean {
    return this.lapic.takeNmi();
  }

  readApicBaseMsr(): number {
    return this.lapic.readBaseMsr();
  }

  writeApicBaseMsr(lo: number, hi: number): boolean {
    return this.lapic.writeBaseMsr(lo, hi);
  }
}

/**
 * Drives GSI `gsi` of the pc machine to `level`: GSIs 0-15 are ISA IRQs and reach PIC input n
 * (except IRQ2: that input is the slave's cascade) and IOAPIC pin n, IRQ0 going to pin 2;
 * GSIs 16-23 reach only the IOAPIC.
 */
export function routeIsaIrq(pic: Pic8259Pair, ioapic: IoApic, gsi: number, level: boolean): void {
  if (gsi < 16 && gsi !== PIC_CASCADE_IRQ) pic.setIrq(gsi, level);
  if (gsi < IOAPIC_PINS) ioapic.setIrq(gsi === 0 ? 2 : gsi, level);
}

/** IrqLines for GSIs 0-23 of the pc machine, each driving `routeIsaIrq`. */
export function pcGsiLines(pic: Pic8259Pair, ioapic: IoApic): IrqLine[] {
  const lines: IrqLine[] = [];
  for (let gsi = 0; gsi < IOAPIC_PINS; gsi++) {
    lines.push({
      set: (level) => routeIsaIrq(pic, ioapic, gsi, level),
      pulse: () => {
        routeIsaIrq(pic, ioapic, gsi, true);
        routeIsaIrq(pic, ioapic, gsi, false);
      },
    });
  }
  return lines;
}
