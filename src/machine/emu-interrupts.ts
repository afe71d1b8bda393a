/**
 * The interrupt controllers and timers of the pc machine on the software CPU (KVM has them in the
 * kernel; src/devices and src/accel/emu/interrupt-pin.ts implement them): the 8259A pair, the 8254
 * PIT with port 0x61, the IOAPIC and the local APIC, wired to the ISA IRQ lines (GSIs) the devices
 * drive and to the CPU's INTR pin.
 */
import type { IrqLine } from '../bus/bus-device.js';
import type { MmioBus, PioBus } from '../bus/bus.js';
import type { Clock, DeviceTimer } from '../devices/scheduler.js';
import type { EmuInterruptPin } from '../accel/emu/contract.js';
import { PIC_ELCR_PORT, PIC_MASTER_PORT, PIC_SLAVE_PORT, Pic8259Pair } from '../devices/pic8259.js';
import { PIT_IRQ, PIT_PORT, PIT_PORT_COUNT, Pit8254 } from '../devices/pit8254.js';
import { PORT61, PitPort61 } from '../devices/pit-port61.js';
import { IOAPIC_BASE, IOAPIC_WINDOW_SIZE, IoApic } from '../devices/ioapic.js';
import { APIC_DEFAULT_BASE, APIC_WINDOW_SIZE, LocalApic } from '../devices/lapic.js';
import { ApicBus } from '../devices/lapic-bus.js';
import { EmuApicInterruptPin, routeIsaIrq } from '../accel/emu/interrupt-pin.js';

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
 * Builds the controllers and maps them: the 8259A pair (0x20, 0xA0, ELCR 0x4D0), the 8254
 * (0x40-0x43) on GSI 0 with port 0x61, the IOAPIC at 0xFEC00000 and the boot processor's local
 * APIC at 0xFEE00000 (with its timer) on one APIC bus. GSIs follow the pc routing (routeIsaIrq);
 * the CPU's pin takes the local APIC's interrupts first, then the PIC's through LINT0 (ExtINT).
 */
export function createEmuInterrupts(w: EmuInterruptWiring): EmuInterrupts {
  const pic = new Pic8259Pair();
  const apicBus = new ApicBus();
  const ioapic = new IoApic({ deliver: (dest, logical, mode, vector, level) => apicBus.deliver(dest, logical, mode, vector, level) });
  const lapic = new LocalApic({
    id: 0,
    bsp: true,
    clock: w.clock,
    timer: w.createTimer((now) => lapic.onTimer(now)),
    sendIpi: (from, low, high) => apicBus.sendIpi(from, low, high),
    eoiBroadcast: (vector) => ioapic.eoi(vector),
  });
  apicBus.add(lapic);
  const setGsi = (gsi: number, level: boolean): void => routeIsaIrq(pic, ioapic, gsi, level);
  const pit = new Pit8254({
    irq0: { set: (level) => setGsi(PIT_IRQ, level), pulse: () => { setGsi(PIT_IRQ, true); setGsi(PIT_IRQ, false); } },
    clock: w.clock,
    timer: w.createTimer((now) => pit.onTimer(now)),
  });
  const port61 = new PitPort61({ pit, clock: w.clock });
  w.pio.insert(PIC_MASTER_PORT, 2, 'pic-master', pic.master);
  w.pio.insert(PIC_SLAVE_PORT, 2, 'pic-slave', pic.slave);
  w.pio.insert(PIC_ELCR_PORT, 2, 'pic-elcr', pic.elcr);
  w.pio.insert(PIT_PORT, PIT_PORT_COUNT, 'pit', pit);
  w.pio.insert(PORT61, 1, 'port61', port61);
  w.mmio.insert(IOAPIC_BASE, IOAPIC_WINDOW_SIZE, 'ioapic', ioapic);
  w.mmio.insert(APIC_DEFAULT_BASE, APIC_WINDOW_SIZE, 'lapic', lapic);
  return {
    setGsi,
    pin: new EmuApicInterruptPin(lapic, pic),
    reset: () => {
      pic.reset();
      ioapic.reset();
      lapic.reset();
      pit.reset();
      port61.reset();
    },
  };
}
