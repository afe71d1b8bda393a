/**
 * The interrupt controllers and timers of the pc machine on the software CPU (KVM has them in the
 * kernel): the 8259A pair, the 8254 PIT with port 0x61, the IOAPIC and the local APIC, wired to
 * the ISA IRQ lines (GSIs) the devices drive and to the CPU's INTR pin.
 */
import type { IrqLine } from '../bus/bus-device.js';
import type { MmioBus, PioBus } from '../bus/bus.js';
import type { Clock, DeviceTimer } from '../devices/scheduler.js';
import type { EmuInterruptPin } from '../accel/emu/contract.js';

/** What the interrupt controllers need from the machine. */
export interface EmuInterruptWiring {
  readonly pio: PioBus;
  readonly mmio: MmioBus;
  readonly clock: Clock;
  readonly createTimer: (fire: (nowNs: number) => void) => DeviceTimer;
}

/** The machine's view of its interrupt controllers. */
export interface EmuInterrupts {
  /** Drives GSI `gsi` (ISA IRQs 0-15 reach the PICs and the IOAPIC, 16-23 the IOAPIC). */
  setGsi(gsi: number, level: boolean): void;
  /** The INTR pin of the boot processor. */
  readonly pin: EmuInterruptPin;
  /** Power-on state after a guest reset. */
  reset(): void;
}

/**
 * An IrqLine per GSI that the devices can be given before the controllers exist (the board is
 * built first); the level is remembered and replayed when they are attached.
 */
export class EmuGsiLines {
  private target: EmuInterrupts | undefined;
  private readonly levels = new Map<number, boolean>();
  private readonly lines = new Map<number, IrqLine>();

  /** The line of GSI `gsi`. */
  line(gsi: number): IrqLine {
    let l = this.lines.get(gsi);
    if (l === undefined) {
      l = {
        set: (level) => this.set(gsi, level),
        pulse: () => {
          this.set(gsi, true);
          this.set(gsi, false);
        },
      };
      this.lines.set(gsi, l);
    }
    return l;
  }

  /** Connects the lines to the controllers, replaying the current levels. */
  attach(target: EmuInterrupts): void {
    this.target = target;
    for (const [gsi, level] of this.levels) if (level) target.setGsi(gsi, true);
  }

  private set(gsi: number, level: boolean): void {
    if (this.levels.get(gsi) === level && this.target !== undefined) return;
    this.levels.set(gsi, level);
    this.target?.setGsi(gsi, level);
  }
}

/**
 * Builds the controllers. Until the TypeScript PIC/PIT/APIC land (issue 6, emu-intc), this is a
 * machine without interrupt controllers: lines are recorded, the CPU never sees an interrupt.
 */
export function createEmuInterrupts(_w: EmuInterruptWiring): EmuInterrupts {
  return {
    setGsi: () => undefined,
    pin: { hasInterrupt: () => false, acknowledge: () => -1 },
    reset: () => undefined,
  };
}
