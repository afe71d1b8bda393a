/**
 * Intel 82093AA I/O APIC at 0xFEC00000 for the software CPU (under KVM the kernel's is used):
 * IOREGSEL at +0x00, IOWIN at +0x10, 24 redirection entries with fixed, lowest-priority, NMI, INIT
 * and ExtINT delivery, physical and logical destinations, masks, edge and level triggering with
 * Remote IRR cleared by the local APICs' EOI broadcast.
 *
 * The version register reads 0x11 by default, as KVM's in-kernel IOAPIC does, so a guest sees the
 * same IOAPIC under `-accel emu` as under `-accel kvm` (QEMU's own userspace IOAPIC defaults to
 * 0x20). With `version: 0x20` the EOI register at +0x40 is decoded as well. Like QEMU and KVM, the
 * `level` given to `setIrq` means "asserted": the polarity bit is stored but not applied.
 *
 * Threat note: every register value comes from the guest; nothing here throws on guest input.
 */
import type { BusDevice, IrqLine } from '../bus/bus-device.js';
import { fillLe, leValue } from './access.js';
import { ApicDelivery } from './lapic.js';
import type { DeviceLog } from './scheduler.js';
import { silentLog } from './scheduler.js';

/** The IOAPIC's physical address on the pc machine. */
export const IOAPIC_BASE = 0xfec00000;
/** Size of its MMIO window. */
export const IOAPIC_WINDOW_SIZE = 0x1000;
/** Redirection entries (input pins). */
export const IOAPIC_PINS = 24;

const REG_ID = 0x00;
const REG_VERSION = 0x01;
const REG_ARBITRATION = 0x02;
const REG_REDIR = 0x10;
const WIN_SELECT = 0x00;
const WIN_DATA = 0x10;
const WIN_EOI = 0x40;

const ENTRY_LOGICAL = 0x800;
const ENTRY_DELIVERY_STATUS = 0x1000;
const ENTRY_REMOTE_IRR = 0x4000;
const ENTRY_LEVEL = 0x8000;
const ENTRY_MASKED = 0x10000;
const ENTRY_READ_ONLY = ENTRY_DELIVERY_STATUS | ENTRY_REMOTE_IRR;

/** Sends one message on the APIC bus (ApicBus.deliver). */
export type ApicMessageSink = (dest: number, logical: boolean, mode: number, vector: number, level: boolean) => void;

/** What the machine injects into the IOAPIC. */
export interface IoApicOptions {
  /** Where redirected interrupts go: the APIC bus. */
  deliver: ApicMessageSink;
  /** Version register value: 0x11 (default, as KVM) or 0x20 (with the EOI register, as QEMU). */
  version?: 0x11 | 0x20;
  /** Where ignored guest mistakes are reported. */
  log?: DeviceLog;
}

/** The IOAPIC's state as plain data. */
export interface IoApicState {
  select: number;
  id: number;
  low: number[];
  high: number[];
  lines: number;
  irr: number;
}

/** The 82093AA I/O APIC. */
export class IoApic implements BusDevice {
  private select = 0;
  private id = 0;
  /** Redirection entries: low dwords (vector, mode, flags, mask) and high dwords (destination). */
  private readonly low = new Uint32Array(IOAPIC_PINS);
  private readonly high = new Uint32Array(IOAPIC_PINS);
  /** Input line levels (edge detection). */
  private lines = 0;
  /** Level-triggered pins requesting (asserted). */
  private irr = 0;
  private readonly version: number;
  private readonly log: DeviceLog;
  /** IrqLines for pins 0-23, driving `setIrq`. */
  readonly irqLines: readonly IrqLine[];

  constructor(private readonly options: IoApicOptions) {
    this.version = options.version ?? 0x11;
    this.log = options.log ?? silentLog;
    this.low.fill(ENTRY_MASKED);
    const lines: IrqLine[] = [];
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      lines.push({ set: (level) => this.setIrq(pin, level), pulse: () => { this.setIrq(pin, true); this.setIrq(pin, false); } });
    }
    this.irqLines = lines;
  }

  /** Drives input `pin` (a GSI 0-23): level pins request while asserted, edge pins on a rising edge. */
  setIrq(pin: number, level: boolean): void {
    if (pin < 0 || pin >= IOAPIC_PINS) return;
    const bit = 1 << pin;
    const rising = level && (this.lines & bit) === 0;
    this.lines = level ? this.lines | bit : this.lines & ~bit;
    const entry = this.low[pin]!;
    if ((entry & ENTRY_LEVEL) !== 0) {
      this.irr = level ? this.irr | bit : this.irr & ~bit;
      this.service(pin);
    } else if (rising && (entry & ENTRY_MASKED) === 0) {
      // The 82093AA ignores edges on masked pins.
      this.send(pin, entry);
    }
  }

  /** Sends a level pin's message when it is asserted, unmasked and not awaiting an EOI. */
  private service(pin: number): void {
    const entry = this.low[pin]!;
    if ((entry & (ENTRY_MASKED | ENTRY_REMOTE_IRR)) !== 0 || (entry & ENTRY_LEVEL) === 0) return;
    if ((this.irr & (1 << pin)) === 0) return;
    this.low[pin] = entry | ENTRY_REMOTE_IRR;
    this.send(pin, entry | ENTRY_REMOTE_IRR);
  }

  private send(pin: number, entry: number): void {
    const mode = (entry >> 8) & 7;
    // NMI, INIT and ExtINT are edge messages on the bus whatever the entry says.
    const level = (entry & ENTRY_LEVEL) !== 0 && (mode === ApicDelivery.FIXED || mode === ApicDelivery.LOWEST);
    this.options.deliver(this.high[pin]! >>> 24, (entry & ENTRY_LOGICAL) !== 0, mode, entry & 0xff, level);
  }

  /** A local APIC's EOI broadcast for `vector`: clears Remote IRR and resends still-asserted pins. */
  eoi(vector: number): void {
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      const entry = this.low[pin]!;
      if ((entry & 0xff) !== vector || (entry & ENTRY_REMOTE_IRR) === 0) continue;
      this.low[pin] = entry & ~ENTRY_REMOTE_IRR;
      this.service(pin);
    }
  }

  private readRegister(index: number): number {
    if (index === REG_ID || index === REG_ARBITRATION) return (this.id << 24) >>> 0;
    if (index === REG_VERSION) return this.version | ((IOAPIC_PINS - 1) << 16);
    const i = index - REG_REDIR;
    if (i >= 0 && i < 2 * IOAPIC_PINS) return (i & 1 ? this.high[i >> 1]! : this.low[i >> 1]!) >>> 0;
    return 0xffffffff; // no register there: all ones, as KVM's IOAPIC answers
  }

  private writeRegister(index: number, v: number): void {
    if (index === REG_ID) {
      this.id = (v >>> 24) & 0xf;
      return;
    }
    const i = index - REG_REDIR;
    if (i < 0 || i >= 2 * IOAPIC_PINS) {
      this.log(`IOAPIC: write of ${v.toString(16)} to read-only or absent register ${index.toString(16)} ignored`);
      return;
    }
    const pin = i >> 1;
    if (i & 1) {
      this.high[pin] = v & 0xff000000;
      return;
    }
    const old = this.low[pin]!;
    let entry = ((v & ~ENTRY_READ_ONLY) | (old & ENTRY_READ_ONLY)) >>> 0;
    // Switching to edge clears Remote IRR (the way version-0x11 IOAPICs let Linux end a stuck level).
    if ((entry & ENTRY_LEVEL) === 0) entry &= ~ENTRY_REMOTE_IRR;
    this.low[pin] = entry >>> 0;
    const bit = 1 << pin;
    this.irr = (entry & ENTRY_LEVEL) !== 0 ? (this.irr & ~bit) | (this.lines & bit) : this.irr & ~bit;
    this.service(pin);
  }

  read(offset: number, data: Uint8Array): void {
    const slot = offset & ~0xf;
    const within = offset & 0xf;
    let value = 0;
    if (slot === WIN_SELECT) value = this.select;
    else if (slot === WIN_DATA) value = this.readRegister(this.select);
    fillLe(data, within < 4 ? value >>> (8 * within) : 0);
  }

  write(offset: number, data: Uint8Array): void {
    const slot = offset & ~0xf;
    const within = offset & 0xf;
    if (slot === WIN_SELECT && within === 0) {
      this.select = data[0]!;
      return;
    }
    if (within !== 0 || data.length < 4) {
      this.log(`IOAPIC: ${data.length}-byte write at +${offset.toString(16)} ignored (registers take aligned dwords)`);
      return;
    }
    const v = leValue(data.subarray(0, 4));
    if (slot === WIN_DATA) this.writeRegister(this.select, v);
    else if (slot === WIN_EOI && this.version >= 0x20) this.eoi(v & 0xff);
  }

  /** System reset: every entry masked, edge, vector 0; ID 0 (input line levels are the devices'). */
  reset(): void {
    this.select = 0;
    this.id = 0;
    this.low.fill(ENTRY_MASKED);
    this.high.fill(0);
    this.irr = 0;
  }

  /** A copy of the state as plain data. */
  saveState(): IoApicState {
    return { select: this.select, id: this.id, low: [...this.low], high: [...this.high], lines: this.lines, irr: this.irr };
  }

  /** Restores a state from saveState(). */
  loadState(s: IoApicState): void {
    this.select = s.select & 0xff;
    this.id = s.id & 0xf;
    this.low.set(s.low.slice(0, IOAPIC_PINS));
    this.high.set(s.high.slice(0, IOAPIC_PINS));
    this.lines = s.lines >>> 0;
    this.irr = s.irr >>> 0;
  }
}
