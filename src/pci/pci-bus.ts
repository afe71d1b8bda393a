/**
 * PCI bus 0 of the pc machine: functions addressed by devfn (device << 3 | function), config
 * mechanism #1 at 0xCF8/0xCFC, BAR decoding onto the port and MMIO buses as the guest programs
 * the BARs and command registers, and INTx lines routed through a chipset hook (PIIX3's PIRQ
 * registers) to ISA IRQs with wired-OR sharing.
 */
import type { BusDevice, IrqLine } from '../bus/bus-device.js';
import type { Bus, MmioBus, PioBus } from '../bus/bus.js';
import { fillLe, leValue } from '../devices/access.js';
import { PCI, PCI_COMMAND, PCI_STATUS_INTERRUPT, type PciConfigSpace } from './config-space.js';

/** One PCI function as the bus sees it. */
export interface PciFunction {
  /** Short name for bus listings ("piix3-ide"). */
  readonly name: string;
  readonly config: PciConfigSpace;
  /** The registers behind I/O or memory BAR `index`; undefined for BARs the machine backs with RAM. */
  barDevice?(index: number): BusDevice | undefined;
  /** Contents of the expansion ROM (config.setRom declared its size). */
  readonly rom?: Uint8Array;
  /** Device-specific config reads; undefined falls back to the config bytes. */
  configRead?(offset: number, size: number): number | undefined;
  /** Told after a guest config write has gone through the write masks (PAM, PIRQ, BAR moves...). */
  configWritten?(offset: number, size: number, value: number): void;
  /** A PCI reset: the config space is reset by the bus; the function resets its own state. */
  reset?(): void;
}

/** Where the machine backs a memory BAR with RAM (a framebuffer): told each time it moves. */
export type RamBarMapper = (fn: PciFunction, index: number, address: number | undefined) => void;

/** Machine hooks for the bus. */
export interface PciBusWiring {
  readonly pio: PioBus;
  readonly mmio: MmioBus;
  /** The ISA IRQ an INTx pin (1-4) of device `slot` reaches now, or undefined when unrouted. */
  readonly routeIntx?: (slot: number, pin: number) => number | undefined;
  /** The interrupt line of an ISA IRQ. */
  readonly irqLine?: (irq: number) => IrqLine;
  readonly mapRamBar?: RamBarMapper;
}

interface Slot {
  readonly devfn: number;
  readonly fn: PciFunction;
  /** Currently mapped base of each BAR (index 6: ROM). */
  readonly mapped: Array<number | undefined>;
  intx: boolean;
}

/** PCI bus 0 with its functions. */
export class PciBus {
  private readonly slots = new Map<number, Slot>();
  /** Levels last driven on each ISA IRQ by PCI INTx. */
  private readonly irqLevels = new Map<number, boolean>();

  constructor(private readonly w: PciBusWiring) {}

  /** Plugs `fn` in at `devfn`; its config space must be fully set up (markInitial is taken here). */
  add(devfn: number, fn: PciFunction): void {
    if (this.slots.has(devfn)) throw new Error(`PCI devfn ${devfn.toString(16)} is taken`);
    fn.config.markInitial();
    this.slots.set(devfn, { devfn, fn, mapped: [undefined, undefined, undefined, undefined, undefined, undefined, undefined], intx: false });
  }

  /** The function at `devfn`, if any. */
  functionAt(devfn: number): PciFunction | undefined {
    return this.slots.get(devfn)?.fn;
  }

  /** All functions, in devfn order. */
  functions(): Array<{ devfn: number; fn: PciFunction }> {
    return [...this.slots.values()].sort((a, b) => a.devfn - b.devfn).map((s) => ({ devfn: s.devfn, fn: s.fn }));
  }

  /** A config read of 1, 2 or 4 bytes; absent functions read all-ones (vendor 0xFFFF). */
  configRead(devfn: number, offset: number, size: number): number {
    const s = this.slots.get(devfn);
    if (s === undefined) return size === 4 ? 0xffff_ffff : (1 << (8 * size)) - 1;
    return s.fn.configRead?.(offset, size) ?? s.fn.config.read(offset, size);
  }

  /** A config write of 1, 2 or 4 bytes; remaps BARs and re-evaluates INTx when they change. */
  configWrite(devfn: number, offset: number, size: number, value: number): void {
    const s = this.slots.get(devfn);
    if (s === undefined) return;
    s.fn.config.write(offset, size, value);
    s.fn.configWritten?.(offset, size, value);
    const touches = (lo: number, hi: number): boolean => offset < hi && offset + size > lo;
    if (touches(PCI.COMMAND, PCI.COMMAND + 2) || touches(PCI.BAR0, PCI.BAR0 + 24) || touches(PCI.ROM_ADDRESS, PCI.ROM_ADDRESS + 4)) this.remap(s);
    if (touches(PCI.COMMAND, PCI.COMMAND + 2)) this.updateIrqs();
  }

  /** The INTx line of the function at `devfn` (its pin is in config INTERRUPT_PIN). */
  intx(devfn: number): IrqLine {
    return {
      set: (level) => this.setIntx(devfn, level),
      pulse: () => {
        this.setIntx(devfn, true);
        this.setIntx(devfn, false);
      },
    };
  }

  /** Re-evaluates INTx routing: call when the chipset's PIRQ routing registers change. */
  updateIrqs(): void {
    if (this.w.routeIntx === undefined || this.w.irqLine === undefined) return;
    const levels = new Map<number, boolean>();
    for (const irq of this.irqLevels.keys()) levels.set(irq, false);
    for (const s of this.slots.values()) {
      const pin = s.fn.config.bytes[PCI.INTERRUPT_PIN]!;
      if (pin === 0) continue;
      const irq = this.w.routeIntx(s.devfn >> 3, pin);
      if (irq === undefined) continue;
      const on = s.intx && (s.fn.config.command & PCI_COMMAND.INTX_DISABLE) === 0;
      levels.set(irq, (levels.get(irq) ?? false) || on);
    }
    for (const [irq, level] of levels) {
      if (this.irqLevels.get(irq) === level) continue;
      this.irqLevels.set(irq, level);
      this.w.irqLine(irq).set(level);
    }
  }

  /** A PCI reset: every function's config space and BAR mappings return to power-on state. */
  reset(): void {
    for (const s of this.slots.values()) {
      s.fn.config.reset();
      s.fn.reset?.();
      s.intx = false;
      this.remap(s);
    }
    this.updateIrqs();
  }

  private setIntx(devfn: number, level: boolean): void {
    const s = this.slots.get(devfn);
    if (s === undefined || s.intx === level) return;
    s.intx = level;
    const st = PCI.STATUS;
    s.fn.config.bytes[st] = level ? s.fn.config.bytes[st]! | PCI_STATUS_INTERRUPT : s.fn.config.bytes[st]! & ~PCI_STATUS_INTERRUPT;
    this.updateIrqs();
  }

  /** Moves each BAR's mapping to where the config space now decodes it. */
  private remap(s: Slot): void {
    const cfg = s.fn.config;
    for (let i = 0; i < 7; i++) {
      const isRom = i === 6;
      const spec = isRom ? undefined : cfg.bar(i);
      if (!isRom && spec === undefined) continue;
      if (isRom && cfg.romSize === 0) continue;
      const want = isRom ? cfg.romAddress() : cfg.barAddress(i);
      const have = s.mapped[i];
      if (want === have) continue;
      const bus: Bus = spec?.kind === 'io' ? this.w.pio : this.w.mmio;
      const device = isRom ? romDevice(s.fn.rom ?? new Uint8Array(0), cfg.romSize) : s.fn.barDevice?.(i);
      if (device === undefined) {
        s.mapped[i] = want;
        this.w.mapRamBar?.(s.fn, i, want);
        continue;
      }
      if (have !== undefined) bus.remove(have);
      s.mapped[i] = undefined;
      if (want === undefined) continue;
      const size = isRom ? cfg.romSize : spec!.size;
      const name = `${s.fn.name}.${isRom ? 'rom' : `bar${i}`}`;
      try {
        bus.insert(want, size, name, device);
        s.mapped[i] = want;
      } catch {
        // The guest placed a BAR over another range: real hardware would conflict on the bus;
        // leave it unmapped until the guest moves it.
      }
    }
  }
}

/** A read-only view of an expansion ROM (reads past the image are zero, writes are ignored). */
function romDevice(rom: Uint8Array, size: number): BusDevice {
  return {
    read(offset, data) {
      for (let i = 0; i < data.length; i++) data[i] = offset + i < size ? rom[offset + i] ?? 0 : 0xff;
    },
    write() {},
  };
}

/** The CONFIG_ADDRESS bit that enables a config cycle. */
const CONFIG_ENABLE = 0x8000_0000;

/**
 * Configuration mechanism #1 at 0xCF8-0xCFF: a dword CONFIG_ADDRESS at 0xCF8 and the data window
 * at 0xCFC-0xCFF. A byte access to 0xCF9 is the PIIX3 reset control register, handed to `resetControl`.
 */
export class PciConfigPorts implements BusDevice {
  private address = 0;

  constructor(private readonly bus: PciBus, private readonly resetControl?: BusDevice) {}

  read(offset: number, data: Uint8Array): void {
    if (offset < 4) {
      if (data.length === 4 && offset === 0) return fillLe(data, this.address);
      if (offset === 1 && data.length === 1 && this.resetControl) return this.resetControl.read(0, data);
      data.fill(0xff);
      return;
    }
    const target = this.target();
    if (target === undefined) {
      data.fill(0xff);
      return;
    }
    fillLe(data, this.bus.configRead(target.devfn, target.reg + (offset - 4), data.length));
  }

  write(offset: number, data: Uint8Array): void {
    if (offset < 4) {
      if (data.length === 4 && offset === 0) this.address = leValue(data) & 0x80ff_fffc;
      else if (offset === 1 && data.length === 1) this.resetControl?.write(0, data);
      return;
    }
    const target = this.target();
    if (target !== undefined) this.bus.configWrite(target.devfn, target.reg + (offset - 4), data.length, leValue(data));
  }

  /** The addressed function on bus 0 (other buses do not exist here). */
  private target(): { devfn: number; reg: number } | undefined {
    const a = this.address >>> 0;
    if ((a & CONFIG_ENABLE) === 0 || ((a >>> 16) & 0xff) !== 0) return undefined;
    return { devfn: (a >>> 8) & 0xff, reg: a & 0xfc };
  }
}

