/**
 * The pc machine's interrupt controllers and timers under the software CPU, built and wired in one
 * place: the 8259A pair with the PIIX3 ELCR, the 8254 PIT with port 0x61, the IOAPIC, one local
 * APIC and interrupt pin per CPU on an APIC bus, and the GSI lines devices are given. Under KVM the
 * kernel provides all of these (KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2) and none of this is built.
 */
import type { IrqLine } from '../../bus/bus-device.js';
import type { MmioBus, PioBus } from '../../bus/bus.js';
import { IOAPIC_BASE, IOAPIC_WINDOW_SIZE, IoApic } from '../../devices/ioapic.js';
import { ApicBus, ApicMmioWindow } from '../../devices/lapic-bus.js';
import { APIC_DEFAULT_BASE, APIC_WINDOW_SIZE, LocalApic } from '../../devices/lapic.js';
import { PIC_ELCR_PORT, PIC_MASTER_PORT, PIC_SLAVE_PORT, Pic8259Pair } from '../../devices/pic8259.js';
import { PORT61, PitPort61 } from '../../devices/pit-port61.js';
import { PIT_PORT, PIT_PORT_COUNT, Pit8254 } from '../../devices/pit8254.js';
import type { Clock, DeviceLog, DeviceTimer } from '../../devices/scheduler.js';
import { EmuApicInterruptPin, pcGsiLines, routeIsaIrq } from './interrupt-pin.js';

/** What the machine gives the interrupt system. */
export interface PcInterruptSystemOptions {
  /** Number of processors (APIC IDs 0..cpus-1; CPU 0 is the BSP). */
  cpus: number;
  /** The machine's monotonic clock (ns). */
  clock: Clock;
  /** One-shot timers the machine's loop fires (the PIT's IRQ0 edge, each APIC timer). */
  createTimer: (fire: (nowNs: number) => void) => DeviceTimer;
  /** CPU `cpu` has something to take (interrupt, NMI, INIT, SIPI): wake it from HLT. */
  onWake?: (cpu: number) => void;
  /** An INIT message reached CPU `cpu` (its APIC has already done its INIT reset). */
  onInit?: (cpu: number) => void;
  /** A start-up IPI reached CPU `cpu`: it starts at `vector << 12` if waiting for SIPI. */
  onStartup?: (cpu: number, vector: number) => void;
  /** CPU `cpu` moved its APIC register page (IA32_APIC_BASE). */
  onApicBaseChange?: (cpu: number, base: number) => void;
  /** The speaker was switched on or off through port 0x61. */
  onSpeaker?: (on: boolean) => void;
  /** The CPUs offer the TSC-deadline timer (CPUID.01H:ECX[24]); see LocalApic.writeTscDeadline. */
  tscDeadline?: boolean;
  /** IOAPIC version register: 0x11 (default, as KVM's) or 0x20 (as QEMU's userspace IOAPIC). */
  ioapicVersion?: 0x11 | 0x20;
  /** Where ignored guest mistakes are reported. */
  log?: DeviceLog;
}

/** The built interrupt system; `map` puts it on the machine's buses. */
export interface PcInterruptSystem {
  readonly pic: Pic8259Pair;
  readonly pit: Pit8254;
  readonly port61: PitPort61;
  readonly ioapic: IoApic;
  readonly apicBus: ApicBus;
  /** Local APIC of each CPU (index = CPU = APIC ID). */
  readonly lapics: readonly LocalApic[];
  /** EmuCpuWiring.interrupts of each CPU. */
  readonly pins: readonly EmuApicInterruptPin[];
  /** The APIC register page for all CPUs: set `current` to the running CPU's APIC. */
  readonly apicWindow: ApicMmioWindow;
  /** Lines for GSIs 0-23 (ISA IRQ n = GSI n): what `isaIrq(n)` and PCI PIRQ routing give devices. */
  readonly gsi: readonly IrqLine[];
  /** Drives GSI `gsi` (ISA IRQ n to PIC n and IOAPIC pin n, IRQ0 to pin 2). */
  routeIsaIrq(gsi: number, level: boolean): void;
  /** Maps PIC, ELCR, PIT, port 0x61, IOAPIC and the APIC window. */
  map(pio: PioBus, mmio: MmioBus): void;
  /** Machine reset: every controller and timer to its power-on state. */
  reset(): void;
}

/** Builds and wires the pc's interrupt controllers and timers for `cpus` software CPUs. */
export function createPcInterruptSystem(o: PcInterruptSystemOptions): PcInterruptSystem {
  const lapics: LocalApic[] = [];
  const wakePicTargets = (): void => {
    lapics.forEach((apic, cpu) => {
      if (apic.acceptsPicInterrupt() || apic.extIntPending) o.onWake?.(cpu);
    });
  };
  const pic = new Pic8259Pair({ onIntr: (level) => { if (level) wakePicTargets(); }, log: o.log });
  const apicBus = new ApicBus();
  const ioapic = new IoApic({ deliver: apicBus.deliver.bind(apicBus), version: o.ioapicVersion, log: o.log });
  for (let cpu = 0; cpu < o.cpus; cpu++) {
    let apic: LocalApic | undefined;
    const timer = o.createTimer((now) => apic?.onTimer(now));
    apic = new LocalApic({
      id: cpu, bsp: cpu === 0, clock: o.clock, timer, tscDeadline: o.tscDeadline,
      sendIpi: apicBus.sendIpi.bind(apicBus),
      eoiBroadcast: (vector) => ioapic.eoi(vector),
      onInit: () => o.onInit?.(cpu),
      onStartup: (vector) => o.onStartup?.(cpu, vector),
      onWake: () => o.onWake?.(cpu),
      onBaseChange: (base) => o.onApicBaseChange?.(cpu, base),
      log: o.log,
    });
    lapics.push(apic);
    apicBus.add(apic);
  }
  const gsi = pcGsiLines(pic, ioapic);
  let pit: Pit8254 | undefined;
  const pitTimer = o.createTimer((now) => pit?.onTimer(now));
  pit = new Pit8254({ irq0: gsi[0]!, clock: o.clock, timer: pitTimer });
  const port61 = new PitPort61({ pit, clock: o.clock, onSpeaker: o.onSpeaker });
  const pins = lapics.map((apic) => new EmuApicInterruptPin(apic, pic));
  const apicWindow = new ApicMmioWindow(lapics[0]!);
  const system: PcInterruptSystem = {
    pic, pit, port61, ioapic, apicBus, lapics, pins, apicWindow, gsi,
    routeIsaIrq: (n, level) => routeIsaIrq(pic, ioapic, n, level),
    map(pio: PioBus, mmio: MmioBus): void {
      pio.insert(PIC_MASTER_PORT, 2, 'pic-master', pic.master);
      pio.insert(PIC_SLAVE_PORT, 2, 'pic-slave', pic.slave);
      pio.insert(PIC_ELCR_PORT, 2, 'elcr', pic.elcr);
      pio.insert(PIT_PORT, PIT_PORT_COUNT, 'pit', system.pit);
      pio.insert(PORT61, 1, 'port61', port61);
      mmio.insert(IOAPIC_BASE, IOAPIC_WINDOW_SIZE, 'ioapic', ioapic);
      mmio.insert(APIC_DEFAULT_BASE, APIC_WINDOW_SIZE, 'lapic', apicWindow);
    },
    reset(): void {
      // Controllers keep their input levels: only edges after the reset request interrupts.
      system.pit.reset();
      port61.reset();
      ioapic.reset();
      pic.reset();
      for (const apic of lapics) apic.reset();
    },
  };
  return system;
}
