/**
 * PIIX3's PCI-to-ISA bridge, function 00:01.0 (Intel 82371SB datasheet; IDs as on QEMU's pc
 * machine). Header type bit 7 marks a multi-function device, without which firmware never probes
 * 00:01.1 (IDE) and beyond. Its PIRQRC[A:D] registers (0x60-0x63) route the four PCI interrupt
 * lines to ISA IRQs: bit 7 disables the route, bits 3:0 name the IRQ (3-7, 9-12, 14, 15; the
 * other values are reserved). The ELCR that makes those IRQs level-triggered (0x4D0/0x4D1) is
 * emulated by KVM's in-kernel PIC.
 */
import type { PciFunction } from '../pci/pci-bus.js';
import { PciConfigSpace } from '../pci/config-space.js';

/** First PIRQ route control register (PIRQRCA). */
export const PIIX3_PIRQRC = 0x60;
/** Bit 7 of a route register: routing disabled. */
const PIRQ_DISABLE = 0x80;
/** ISA IRQs a PIRQ may be steered to. */
const ROUTABLE_IRQS = new Set([3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15]);

/** Power-on values of the device-specific registers (datasheet defaults, as QEMU's piix3_reset). */
const RESET_VALUES: ReadonlyArray<readonly [number, number]> = [
  [0x4c, 0x4d], [0x4e, 0x03], [0x60, 0x80], [0x61, 0x80], [0x62, 0x80], [0x63, 0x80],
  [0x69, 0x02], [0x70, 0x80], [0x76, 0x0c], [0x77, 0x0c], [0x78, 0x02], [0xa0, 0x08], [0xa8, 0x0f],
];

/** The PIRQ line (0-3 = PIRQA-D) a PCI INTx pin (1-4) of device `slot` drives on the PIIX3 (QEMU pci_slot_get_pirq). */
export function pirqIndex(slot: number, pin: number): number {
  return (pin - 1 + slot - 1) & 3;
}

/** The ISA bridge function. */
export class Piix3IsaBridge implements PciFunction {
  readonly name = 'piix3-isa';
  readonly config = new PciConfigSpace({
    vendorId: 0x8086,
    deviceId: 0x7000,
    classCode: 0x06_01_00,
    headerType: 0x80,
    subsystemVendorId: 0x1af4,
    subsystemId: 0x1100,
  });

  /** `onRoutingChange` is called after a guest write to the PIRQ registers. */
  constructor(private readonly onRoutingChange: () => void = () => undefined) {
    this.config.set16(0x04, 0x0007); // I/O, memory and bus master decode on, as after PCIRST#
    this.config.set16(0x06, 0x0200); // DEVSEL medium
    // Device-specific registers are writable (PCI allows it; the guest owns their meaning).
    this.config.allowWrite(0x40, 4, 0xffff_ffff);
    for (let off = 0x44; off < 0x100; off += 4) this.config.allowWrite(off, 4, 0xffff_ffff);
    for (const [off, v] of RESET_VALUES) this.config.bytes[off] = v;
    this.config.markInitial();
  }

  /** The ISA IRQ PIRQ `index` (0-3) reaches now, or undefined when that route is disabled. */
  pirqIrq(index: number): number | undefined {
    const v = this.config.bytes[PIIX3_PIRQRC + (index & 3)]!;
    if (v & PIRQ_DISABLE) return undefined;
    const irq = v & 0x0f;
    return ROUTABLE_IRQS.has(irq) ? irq : undefined;
  }

  /** The ISA IRQ INTx `pin` (1-4) of PCI device `slot` reaches now (PciBusWiring.routeIntx). */
  routeIntx(slot: number, pin: number): number | undefined {
    if (pin < 1 || pin > 4) return undefined;
    return this.pirqIrq(pirqIndex(slot, pin));
  }

  configWritten(offset: number, size: number): void {
    if (offset < PIIX3_PIRQRC + 4 && offset + size > PIIX3_PIRQRC) this.onRoutingChange();
  }
}
