/**
 * The interrupt controllers and timers of the pc machine on the software CPU (KVM has them in the
 * kernel; src/devices and src/accel/emu/interrupt-pin.ts implement them): the 8259A pair, the 8254
 * PIT with port 0x61, the IOAPIC and the local APIC, wired to the ISA IRQ lines (GSIs) the devices
 * drive and to the CPU's INTR pin.
 */
import type { IrqLine } from '../bus/bus-device.js';
import { BusError, type MmioBus, type PioBus } from '../bus/bus.js';
import type { Clock, DeviceTimer } from '../devices/scheduler.js';
import type { EmuInterruptPin } from '../accel/emu/contract.js';
import { createPcInterruptSystem } from '../accel/emu/interrupt-pin-pc.js';
import { APIC_DEFAULT_BASE, APIC_WINDOW_SIZE } from '../devices/lapic.js';

/** What the interrupt controllers need from the machine. */
export interface EmuInterruptWiring {
  readonly pio: PioBus;
  readonly mmio: MmioBus;
  readonly clock: Clock;
  readonly createTimer: (fire: (nowNs: number) => void) => DeviceTimer;
  /** Number of processors, one local APIC each (APIC IDs 0..cpus-1); 1 when absent. */
  readonly cpus?: number;
  /** CPU `cpu` has an interrupt, NMI, INIT or SIPI to take: it leaves HLT. */
  readonly onWake?: (cpu: number) => void;
  /** An INIT message reached CPU `cpu`. */
  readonly onInit?: (cpu: number) => void;
  /** A start-up IPI with `vector` reached CPU `cpu`. */
  readonly onStartup?: (cpu: number, vector: number) => void;
}

/** The machine's view of its interrupt controllers. */
export interface EmuInterrupts {
  /** Drives GSI `gsi` (ISA IRQs 0-15 reach the PICs and the IOAPIC, 16-23 the IOAPIC). */
  setGsi(gsi: number, level: boolean): void;
  /** The INTR pin of the boot processor. */
  readonly pin: EmuInterruptPin;
  /** The INTR pin of each processor (index = CPU = APIC ID). */
  readonly pins: readonly EmuInterruptPin[];
  /** Points the APIC register page at CPU `cpu`'s local APIC: call before running that CPU. */
  select(cpu: number): void;
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
 * Builds the pc's interrupt system (createPcInterruptSystem: the 8259A pair with the ELCR, the
 * 8254 with port 0x61, the IOAPIC and one local APIC per processor on one APIC bus) and maps it
 * on the machine's buses. A guest that moves its APIC page (IA32_APIC_BASE) gets the window moved;
 * a move onto another device is refused with a line on stderr and the window stays where it was.
 */
export function createEmuInterrupts(w: EmuInterruptWiring): EmuInterrupts {
  let apicBase = APIC_DEFAULT_BASE;
  const system = createPcInterruptSystem({
    cpus: w.cpus ?? 1,
    clock: w.clock,
    createTimer: w.createTimer,
    onWake: w.onWake,
    onInit: w.onInit,
    onStartup: w.onStartup,
    onApicBaseChange: (_cpu, base) => {
      if (base === apicBase) return;
      w.mmio.remove(apicBase);
      try {
        w.mmio.insert(base, APIC_WINDOW_SIZE, 'lapic', system.apicWindow);
        apicBase = base;
      } catch (err) {
        if (!(err instanceof BusError)) throw err;
        w.mmio.insert(apicBase, APIC_WINDOW_SIZE, 'lapic', system.apicWindow);
        process.stderr.write(`tkvm: the guest moved its local APIC onto another device at 0x${base.toString(16)}; it stays at 0x${apicBase.toString(16)}\n`);
      }
    },
  });
  system.map(w.pio, w.mmio);
  return {
    setGsi: (gsi, level) => system.routeIsaIrq(gsi, level),
    pin: system.pins[0]!,
    pins: system.pins,
    select: (cpu) => {
      system.apicWindow.current = system.lapics[cpu]!;
    },
    reset: () => system.reset(),
  };
}
