/**
 * The APIC bus of a multiprocessor: routes IOAPIC messages and inter-processor interrupts to the
 * local APICs by destination (physical ID or logical flat/cluster match, broadcast 0xFF), the
 * lowest-priority arbitration, and the ICR's destination shorthands (SDM vol. 3, 10.6 "Issuing
 * Interprocessor Interrupts"). Delivery is immediate, so the ICR's delivery status is always idle.
 */
import type { BusDevice } from '../bus/bus-device.js';
import { ApicDelivery } from './lapic.js';
import type { LocalApic } from './lapic.js';

const SHORTHAND_NONE = 0;
const SHORTHAND_SELF = 1;
const SHORTHAND_ALL = 2;
const ICR_LOGICAL = 0x800;
const ICR_ASSERT = 0x4000;
const ICR_LEVEL = 0x8000;

/** The local APICs of one machine and the routing between them. */
export class ApicBus {
  /** The processors' local APICs, in CPU index order. */
  readonly apics: LocalApic[] = [];

  /** Adds a processor's local APIC. */
  add(apic: LocalApic): void {
    this.apics.push(apic);
  }

  /**
   * A message on the bus (from the IOAPIC or an IPI without shorthand): `dest` is the 8-bit
   * destination, `logical` its mode, `mode` the delivery mode, `level` the trigger mode.
   */
  deliver(dest: number, logical: boolean, mode: number, vector: number, level: boolean): void {
    if (mode === ApicDelivery.LOWEST) {
      const target = this.lowestPriority(dest, logical);
      target?.receive(mode, vector, level);
      return;
    }
    for (const apic of this.apics) {
      if (apic.matches(dest, logical)) apic.receive(mode, vector, level);
    }
  }

  /**
   * The matching, software-enabled APIC with the lowest priority class (the first on ties), or
   * undefined: a disabled APIC would only drop the message.
   */
  private lowestPriority(dest: number, logical: boolean): LocalApic | undefined {
    let best: LocalApic | undefined;
    for (const apic of this.apics) {
      if (!apic.matches(dest, logical) || !apic.softwareEnabled) continue;
      if (best === undefined || apic.arbitrationPriority() < best.arbitrationPriority()) best = apic;
    }
    return best;
  }

  /** An IPI written to `from`'s ICR: the LocalApic's `sendIpi` option. */
  sendIpi(from: LocalApic, icrLow: number, icrHigh: number): void {
    const mode = (icrLow >> 8) & 7;
    const vector = icrLow & 0xff;
    const level = (icrLow & ICR_LEVEL) !== 0;
    // INIT level de-assert only resynchronises arbitration IDs; nothing is delivered.
    if (mode === ApicDelivery.INIT && level && (icrLow & ICR_ASSERT) === 0) return;
    const shorthand = (icrLow >> 18) & 3;
    if (shorthand === SHORTHAND_NONE) {
      this.deliver(icrHigh >>> 24, (icrLow & ICR_LOGICAL) !== 0, mode, vector, level);
      return;
    }
    if (shorthand === SHORTHAND_SELF) {
      from.receive(mode, vector, level);
      return;
    }
    if (mode === ApicDelivery.LOWEST) {
      let best: LocalApic | undefined;
      for (const apic of this.apics) {
        if (!apic.hardwareEnabled || !apic.softwareEnabled || (shorthand !== SHORTHAND_ALL && apic === from)) continue;
        if (best === undefined || apic.arbitrationPriority() < best.arbitrationPriority()) best = apic;
      }
      best?.receive(mode, vector, level);
      return;
    }
    for (const apic of this.apics) {
      if (shorthand !== SHORTHAND_ALL && apic === from) continue;
      apic.receive(mode, vector, level);
    }
  }
}

/**
 * The local APIC register page as one MMIO range for all processors: every CPU sees its own APIC
 * at the same address, so the machine maps this window once and sets `current` to the APIC of
 * the CPU it is about to run (accesses go to that CPU's registers).
 */
export class ApicMmioWindow implements BusDevice {
  constructor(
    /** The APIC of the processor now running; the machine switches it between CPUs. */
    public current: LocalApic,
  ) {}

  read(offset: number, data: Uint8Array): void {
    this.current.read(offset, data);
  }

  write(offset: number, data: Uint8Array): void {
    this.current.write(offset, data);
  }
}
