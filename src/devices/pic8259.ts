/**
 * The PC's two cascaded Intel 8259A programmable interrupt controllers (master at 0x20/0x21, slave
 * at 0xA0/0xA1 on the master's IR2) with the PIIX3 edge/level control registers (ELCR, 0x4D0/0x4D1),
 * for the software CPU; under KVM the kernel's PIC is used instead.
 *
 * One chip (`Pic8259`) follows the 8259A datasheet: ICW1-ICW4 initialisation, OCW1 (IMR), OCW2
 * (non-specific/specific EOI, rotation, set priority), OCW3 (read IRR/ISR, poll, special mask mode),
 * edge and level inputs, rotating priority, auto-EOI and special fully nested mode. The pair wires
 * the slave's INT output to the master's IR2 and runs the INTA cycle (`acknowledge`), giving the
 * spurious IRQ7 / IRQ15 vectors a real PC gives when a request vanishes before the INTA.
 *
 * Threat note: every value comes from the guest; nothing here throws on guest input.
 */
import type { BusDevice, IrqLine } from '../bus/bus-device.js';
import { readBytes, writeBytes } from './access.js';
import type { DeviceLog } from './scheduler.js';
import { silentLog } from './scheduler.js';

/** Command/data ports of the master 8259A (two ports). */
export const PIC_MASTER_PORT = 0x20;
/** Command/data ports of the slave 8259A (two ports). */
export const PIC_SLAVE_PORT = 0xa0;
/** The PIIX3 ELCR pair (0x4D0 master, 0x4D1 slave). */
export const PIC_ELCR_PORT = 0x4d0;
/** The master's input the slave's INT output is wired to. */
export const PIC_CASCADE_IRQ = 2;
/** ELCR bits that can be set: IRQ0-2 (master) and IRQ8/IRQ13 (slave) are always edge on PIIX3. */
export const ELCR_MASTER_MASK = 0xf8;
/** ELCR bits of the slave that can be set (IRQ9-12, 14, 15). */
export const ELCR_SLAVE_MASK = 0xde;

/** One 8259A's state as plain data. */
export interface Pic8259State {
  irr: number;
  imr: number;
  isr: number;
  pins: number;
  elcr: number;
  vectorBase: number;
  priorityAdd: number;
  initStep: number;
  needIcw4: boolean;
  single: boolean;
  levelMode: boolean;
  autoEoi: boolean;
  rotateOnAutoEoi: boolean;
  specialFullyNested: boolean;
  specialMask: boolean;
  readIsr: boolean;
  poll: boolean;
  icw3: number;
}

/** Lowest priority-ordered position (0 = highest) of a set bit of `mask`, or 8 when none. */
function priorityOf(mask: number, priorityAdd: number): number {
  if (mask === 0) return 8;
  let p = 0;
  while ((mask & (1 << ((p + priorityAdd) & 7))) === 0) p++;
  return p;
}

/** One 8259A. The pair drives its inputs and reads its INT output; ports go through `read`/`write`. */
export class Pic8259 implements BusDevice {
  /** Interrupt request register. */
  irr = 0;
  /** Interrupt mask register (OCW1). */
  imr = 0;
  /** In-service register. */
  isr = 0;
  /** Current input pin levels (edge detection and level-mode requests). */
  pins = 0;
  /** Level-triggered inputs from the ELCR (PIIX3). */
  elcr = 0;
  /** ICW2: vector of IR0 (low three bits zero). */
  vectorBase = 0;
  /** Rotation: the input with the highest priority is `priorityAdd`. */
  priorityAdd = 0;
  /** 0 = operational; 2, 3, 4 = the ICW expected next. */
  initStep = 0;
  needIcw4 = false;
  single = false;
  /** ICW1 LTIM: all inputs level triggered. */
  levelMode = false;
  autoEoi = false;
  rotateOnAutoEoi = false;
  specialFullyNested = false;
  specialMask = false;
  readIsr = false;
  poll = false;
  /** ICW3 as written (the slave mask on the master, the slave's id on the slave). */
  icw3 = 0;
  /** The INT output as last computed. */
  output = false;

  constructor(
    private readonly isMaster: boolean,
    private readonly changed: () => void,
    private readonly log: DeviceLog,
  ) {}

  /** Power-on state; the input pins keep their levels (they belong to the devices driving them). */
  reset(): void {
    this.elcr = 0;
    this.levelMode = false;
    this.initReset();
    this.irr = 0;
    this.vectorBase = 0;
    this.initStep = 0;
    this.single = false;
    this.needIcw4 = false;
    this.icw3 = 0;
  }

  /** What ICW1 resets: IMR, ISR, priority, special mask, read select, edge sense, ICW4 modes. */
  private initReset(): void {
    this.imr = 0;
    this.isr = 0;
    this.priorityAdd = 0;
    this.specialMask = false;
    this.readIsr = false;
    this.poll = false;
    this.autoEoi = false;
    this.rotateOnAutoEoi = false;
    this.specialFullyNested = false;
    // Edge-triggered requests need a fresh low-to-high transition after ICW1.
    this.irr = this.pins & this.levelMask();
  }

  /**
   * Inputs whose request follows the pin: level triggered by ICW1 LTIM or the ELCR. The master's
   * cascade input is edge triggered (PIIX3 fixes ELCR bit 2 at 0), as on a real PC and in QEMU:
   * a request latched there whose slave request vanished gives the spurious IRQ15 vector.
   */
  levelMask(): number {
    return this.levelMode ? 0xff : this.elcr;
  }

  /** Drives input pin `irq` (0-7). */
  setPin(irq: number, level: boolean): void {
    const bit = 1 << irq;
    const was = (this.pins & bit) !== 0;
    if (level) {
      this.pins |= bit;
      if ((this.levelMask() & bit) !== 0 || !was) this.irr |= bit;
    } else {
      this.pins &= ~bit;
      if ((this.levelMask() & bit) !== 0) this.irr &= ~bit;
    }
    this.update();
  }

  /**
   * The input that would be signalled now, or -1: the highest-priority unmasked request above
   * every level in service. In special mask mode a masked level in service no longer holds back
   * lower levels (the datasheet's priority cell gates the in-service inhibit with the mask bit;
   * QEMU resolves it the same way).
   */
  highestRequest(): number {
    const p = priorityOf(this.irr & ~this.imr, this.priorityAdd);
    if (p === 8) return -1;
    let inService = this.isr;
    if (this.specialMask) inService &= ~this.imr;
    // Special fully nested mode: the slave's further requests may interrupt its own service.
    if (this.specialFullyNested && this.isMaster) inService &= ~(1 << PIC_CASCADE_IRQ);
    if (p >= priorityOf(inService, this.priorityAdd)) return -1;
    return (p + this.priorityAdd) & 7;
  }

  /** Recomputes the INT output and tells the pair when it changed. */
  update(): void {
    const out = this.highestRequest() >= 0;
    if (out !== this.output) {
      this.output = out;
      this.changed();
    }
  }

  /** The acknowledge part of the INTA cycle for input `irq`: ISR set (or auto-EOI), edge IRR cleared. */
  intack(irq: number): void {
    const bit = 1 << irq;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.priorityAdd = (irq + 1) & 7;
    } else {
      this.isr |= bit;
    }
    if ((this.levelMask() & bit) === 0) this.irr &= ~bit;
  }

  /** The poll command's answer: 0x80 | level with the request acknowledged, or 0. */
  private pollRead(): number {
    this.poll = false;
    const irq = this.highestRequest();
    if (irq < 0) return 0;
    this.intack(irq);
    this.update();
    return 0x80 | irq;
  }

  read(offset: number, data: Uint8Array): void {
    readBytes(offset, data, 2, (reg) => {
      if (this.poll) return this.pollRead();
      if (reg === 1) return this.imr;
      return this.readIsr ? this.isr : this.irr;
    });
  }

  write(offset: number, data: Uint8Array): void {
    writeBytes(offset, data, 2, (reg, v) => {
      if (reg === 0) this.writeCommand(v);
      else this.writeData(v);
      this.update();
    });
  }

  private writeCommand(v: number): void {
    if (v & 0x10) {
      // ICW1
      this.levelMode = (v & 0x08) !== 0;
      this.single = (v & 0x02) !== 0;
      this.needIcw4 = (v & 0x01) !== 0;
      this.initReset();
      this.initStep = 2;
      return;
    }
    if (v & 0x08) {
      // OCW3
      if (v & 0x04) this.poll = true;
      if (v & 0x02) this.readIsr = (v & 0x01) !== 0;
      if (v & 0x40) this.specialMask = (v & 0x20) !== 0;
      return;
    }
    // OCW2
    const level = v & 7;
    switch (v >> 5) {
      case 0: this.rotateOnAutoEoi = false; break;
      case 4: this.rotateOnAutoEoi = true; break;
      case 1: case 5: {
        const p = priorityOf(this.isr, this.priorityAdd);
        if (p === 8) break;
        const irq = (p + this.priorityAdd) & 7;
        this.isr &= ~(1 << irq);
        if (v >> 5 === 5) this.priorityAdd = (irq + 1) & 7;
        break;
      }
      case 3: this.isr &= ~(1 << level); break;
      case 7: this.isr &= ~(1 << level); this.priorityAdd = (level + 1) & 7; break;
      case 6: this.priorityAdd = (level + 1) & 7; break;
      default: break; // 2: no operation
    }
  }

  private writeData(v: number): void {
    switch (this.initStep) {
      case 2:
        this.vectorBase = v & 0xf8;
        this.initStep = this.single ? (this.needIcw4 ? 4 : 0) : 3;
        return;
      case 3:
        this.icw3 = v;
        this.initStep = this.needIcw4 ? 4 : 0;
        return;
      case 4:
        if ((v & 0x01) === 0) this.log(`8259A: ICW4 ${v.toString(16)} selects 8080 mode, not supported (8086 mode kept)`);
        this.autoEoi = (v & 0x02) !== 0;
        this.specialFullyNested = (v & 0x10) !== 0;
        this.initStep = 0;
        return;
      default:
        this.imr = v;
    }
  }

  /** A copy of the state as plain data. */
  saveState(): Pic8259State {
    const { irr, imr, isr, pins, elcr, vectorBase, priorityAdd, initStep, needIcw4, single, levelMode,
      autoEoi, rotateOnAutoEoi, specialFullyNested, specialMask, readIsr, poll, icw3 } = this;
    return { irr, imr, isr, pins, elcr, vectorBase, priorityAdd, initStep, needIcw4, single, levelMode,
      autoEoi, rotateOnAutoEoi, specialFullyNested, specialMask, readIsr, poll, icw3 };
  }

  /** Restores a state from saveState(). */
  loadState(s: Pic8259State): void {
    Object.assign(this, {
      irr: s.irr & 0xff, imr: s.imr & 0xff, isr: s.isr & 0xff, pins: s.pins & 0xff, elcr: s.elcr & 0xff,
      vectorBase: s.vectorBase & 0xf8, priorityAdd: s.priorityAdd & 7, initStep: s.initStep,
      needIcw4: s.needIcw4, single: s.single, levelMode: s.levelMode, autoEoi: s.autoEoi,
      rotateOnAutoEoi: s.rotateOnAutoEoi, specialFullyNested: s.specialFullyNested,
      specialMask: s.specialMask, readIsr: s.readIsr, poll: s.poll, icw3: s.icw3 & 0xff,
    });
    this.update();
  }
}

/** What the machine injects into the pair. */
export interface Pic8259PairOptions {
  /** Told whenever the master's INT output (the CPU's INTR through LINT0) changes. */
  onIntr?: (level: boolean) => void;
  /** Where ignored guest mistakes are reported. */
  log?: DeviceLog;
}

/** The pair's state as plain data. */
export interface Pic8259PairState {
  master: Pic8259State;
  slave: Pic8259State;
}

/** The master/slave 8259A pair of the PC with the PIIX3 ELCR. */
export class Pic8259Pair {
  /** The master chip: map at PIC_MASTER_PORT, 2 ports. */
  readonly master: Pic8259;
  /** The slave chip: map at PIC_SLAVE_PORT, 2 ports. */
  readonly slave: Pic8259;
  /** The ELCR pair: map at PIC_ELCR_PORT, 2 ports. */
  readonly elcr: BusDevice;
  /** IrqLines for ISA IRQs 0-15, driving `setIrq`. */
  readonly irqLines: readonly IrqLine[];
  private readonly onIntr: ((level: boolean) => void) | undefined;

  constructor(options: Pic8259PairOptions = {}) {
    const log = options.log ?? silentLog;
    this.onIntr = options.onIntr;
    this.master = new Pic8259(true, () => this.onIntr?.(this.master.output), log);
    this.slave = new Pic8259(false, () => this.master.setPin(PIC_CASCADE_IRQ, this.slave.output), log);
    this.elcr = {
      read: (offset, data) => readBytes(offset, data, 2, (reg) => (reg === 0 ? this.master : this.slave).elcr),
      write: (offset, data) => writeBytes(offset, data, 2, (reg, v) => this.writeElcr(reg, v)),
    };
    const lines: IrqLine[] = [];
    for (let irq = 0; irq < 16; irq++) {
      lines.push({
        set: (level) => this.setIrq(irq, level),
        pulse: () => { this.setIrq(irq, true); this.setIrq(irq, false); },
      });
    }
    this.irqLines = lines;
  }

  private writeElcr(reg: number, v: number): void {
    const chip = reg === 0 ? this.master : this.slave;
    chip.elcr = v & (reg === 0 ? ELCR_MASTER_MASK : ELCR_SLAVE_MASK);
    // A level input's request follows its pin; an edge input keeps what it latched.
    chip.irr = (chip.irr & ~chip.levelMask()) | (chip.pins & chip.levelMask());
    chip.update();
  }

  /** Drives ISA IRQ `irq` (0-15) to `level`; edge inputs latch on the rising edge. */
  setIrq(irq: number, level: boolean): void {
    if (irq < 8) this.master.setPin(irq & 7, level);
    else if (irq < 16) this.slave.setPin(irq & 7, level);
  }

  /** True while the master's INT output (the CPU's INTR) is asserted. */
  hasInterrupt(): boolean {
    return this.master.output;
  }

  /**
   * The INTA cycle: the vector the pair puts on the bus. A request that went away gives the
   * master's IR7 vector (spurious IRQ7), or the slave's IR7 vector (spurious IRQ15) when the
   * master granted the cascade input; no ISR bit is set for a spurious interrupt.
   */
  acknowledge(): number {
    const m = this.master;
    const irq = m.highestRequest();
    if (irq < 0) return m.vectorBase + 7;
    m.intack(irq);
    let vector: number;
    if (irq === PIC_CASCADE_IRQ && !m.single) {
      const s = this.slave;
      const sirq = s.highestRequest();
      if (sirq >= 0) {
        s.intack(sirq);
        vector = s.vectorBase + sirq;
      } else {
        vector = s.vectorBase + 7;
      }
      s.update();
    } else {
      vector = m.vectorBase + irq;
    }
    m.update();
    return vector;
  }

  /** Power-on reset of both chips (ELCR all edge; input levels kept, so only new edges request). */
  reset(): void {
    this.slave.reset();
    this.master.reset();
    this.slave.update();
    this.master.update();
  }

  /** A copy of the state as plain data. */
  saveState(): Pic8259PairState {
    return { master: this.master.saveState(), slave: this.slave.saveState() };
  }

  /** Restores a state from saveState(). */
  loadState(state: Pic8259PairState): void {
    this.slave.loadState(state.slave);
    this.master.loadState(state.master);
  }
}
