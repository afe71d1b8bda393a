/**
 * NS16550A UART (PC16550D datasheet), as wired on a PC: 8 byte registers at an I/O base, the
 * interrupt output gated by MCR.OUT2. Transmission is instantaneous (bytes go straight to the
 * sink), reception goes through a 16-byte FIFO filled by `receive()`. The only timing the guest
 * can see is the FIFO character timeout, driven by the injected clock and timer.
 *
 * Threat note: every register access comes from the guest; all values are masked, nothing throws.
 */
import type { BusDevice, IrqLine } from '../bus/bus-device.js';
import { readBytes, writeBytes } from './access.js';
import type { Clock, DeviceLog, DeviceTimer } from './scheduler.js';
import { silentLog } from './scheduler.js';

/** A legacy COM port's place in the PC I/O map. */
export interface ComPort {
  readonly base: number;
  readonly irq: number;
}
/** COM1: 0x3f8, IRQ 4. */
export const COM1: ComPort = { base: 0x3f8, irq: 4 };
/** COM2: 0x2f8, IRQ 3. */
export const COM2: ComPort = { base: 0x2f8, irq: 3 };
/** COM3: 0x3e8, IRQ 4 (shared with COM1 on a PC). */
export const COM3: ComPort = { base: 0x3e8, irq: 4 };
/** COM4: 0x2e8, IRQ 3 (shared with COM2 on a PC). */
export const COM4: ComPort = { base: 0x2e8, irq: 3 };
/** Number of I/O ports a 16550 decodes. */
export const SERIAL_PORT_COUNT = 8;
/** Input clock divided by the divisor latch: 1.8432 MHz / 16. */
export const SERIAL_BASE_BAUD = 115200;
/** Depth of the receive FIFO. */
export const SERIAL_FIFO_SIZE = 16;

// Register offsets (DLAB = 0 unless noted).
const RBR_THR_DLL = 0;
const IER_DLM = 1;
const IIR_FCR = 2;
const LCR = 3;
const MCR = 4;
const LSR = 5;
const MSR = 6;

const IER_RDI = 0x01;
const IER_THRI = 0x02;
const IER_RLSI = 0x04;
const IER_MSI = 0x08;

const IIR_NONE = 0x01;
const IIR_MSI = 0x00;
const IIR_THRI = 0x02;
const IIR_RDI = 0x04;
const IIR_RLSI = 0x06;
const IIR_CTI = 0x0c;
const IIR_FIFO_BITS = 0xc0;

const FCR_ENABLE = 0x01;
const FCR_CLEAR_RX = 0x02;
const TRIGGER_LEVELS = [1, 4, 8, 14] as const;

const LCR_DLAB = 0x80;

const MCR_DTR = 0x01;
const MCR_RTS = 0x02;
const MCR_OUT1 = 0x04;
const MCR_OUT2 = 0x08;
const MCR_LOOP = 0x10;

const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_BI = 0x10;
const LSR_ERRORS = 0x1e; // OE | PE | FE | BI
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const LSR_FIFO_ERR = 0x80;

const MSR_CTS = 0x10;
const MSR_DSR = 0x20;
const MSR_RI = 0x40;
const MSR_DCD = 0x80;

/** Where transmitted bytes go: a CharBackend or anything with the same `write`. */
export interface SerialSink {
  write(data: Uint8Array): void;
}

/** What the machine injects into a UART. */
export interface Serial16550Options {
  /** The UART's interrupt line (IRQ 4 or 3 on a PC). */
  irq: IrqLine;
  /** Receives every byte the guest transmits (not in loopback mode). */
  sink: SerialSink;
  /** Monotonic nanoseconds; needed only for the FIFO character timeout. */
  clock?: Clock;
  /** Timer for the character timeout; without one the timeout counts as elapsed at once. */
  timer?: DeviceTimer;
  /** Called when the guest frees room in the receive FIFO, so a held-back backend can resume. */
  onRxSpace?: () => void;
  /** Where ignored guest mistakes are reported. */
  log?: DeviceLog;
}

/** The UART's registers and FIFO as plain data (v86-style save/restore). */
export interface Serial16550State {
  ier: number;
  lcr: number;
  mcr: number;
  scr: number;
  divisor: number;
  fifoEnabled: boolean;
  triggerLevel: number;
  fcrDma: number;
  lsrErrors: number;
  rbr: number;
  rx: number[];
  thrPending: boolean;
  timeoutPending: boolean;
  timeoutDeadline: number | undefined;
  externalInputs: number;
  msrDelta: number;
}

function powerOnState(): Serial16550State {
  return {
    ier: 0, lcr: 0, mcr: 0, scr: 0, divisor: 12, fifoEnabled: false, triggerLevel: 1, fcrDma: 0,
    lsrErrors: 0, rbr: 0, rx: [], thrPending: false, timeoutPending: false, timeoutDeadline: undefined,
    externalInputs: MSR_CTS | MSR_DSR | MSR_DCD, msrDelta: 0,
  };
}

/** A 16550A UART on the port bus; see the file comment for what is modelled. */
export class Serial16550 implements BusDevice {
  private s: Serial16550State = powerOnState();
  private irqLevel = false;
  private readonly irq: IrqLine;
  private readonly sink: SerialSink;
  private readonly clock: Clock | undefined;
  private readonly timer: DeviceTimer | undefined;
  private readonly onRxSpace: (() => void) | undefined;
  /** One reused buffer for transmitted bytes; sinks copy what they keep. */
  private readonly txByte = new Uint8Array(1);
  private readonly log: DeviceLog;

  constructor(options: Serial16550Options) {
    this.irq = options.irq;
    this.sink = options.sink;
    this.clock = options.clock;
    this.timer = options.timer;
    this.onRxSpace = options.onRxSpace;
    this.log = options.log ?? silentLog;
  }

  read(offset: number, data: Uint8Array): void {
    if (data.length === 1) {
      // The common case, without a closure per access (the exit path must not allocate).
      data[0] = offset < SERIAL_PORT_COUNT ? this.readReg(offset) & 0xff : 0xff;
      return;
    }
    readBytes(offset, data, SERIAL_PORT_COUNT, (reg) => this.readReg(reg));
  }

  write(offset: number, data: Uint8Array): void {
    if (data.length === 1) {
      if (offset < SERIAL_PORT_COUNT) this.writeReg(offset, data[0]!);
      return;
    }
    writeBytes(offset, data, SERIAL_PORT_COUNT, (reg, value) => this.writeReg(reg, value));
  }

  /** Free bytes in the receive FIFO; 0 in loopback mode, where the line input is disconnected. */
  canReceive(): number {
    if (this.s.mcr & MCR_LOOP) return 0;
    return this.capacity() - this.s.rx.length;
  }

  /** Bytes arriving on the line. Beyond the FIFO's room they are lost and LSR.OE is set. */
  receive(bytes: Uint8Array): void {
    if (this.s.mcr & MCR_LOOP) return; // input pin disconnected in loopback (datasheet 8.6)
    for (const b of bytes) this.pushRx(b);
    this.afterRx();
  }

  /** A break condition on the line: a zero character with LSR.BI. */
  receiveBreak(): void {
    if (this.s.mcr & MCR_LOOP) return;
    this.pushRx(0);
    this.s.lsrErrors |= LSR_BI;
    this.afterRx();
  }

  /** Sets the modem status inputs (CTS/DSR/RI/DCD as MSR bits 4-7) the far end drives. */
  setModemInputs(msrBits: number): void {
    const old = this.modemInputs();
    this.s.externalInputs = msrBits & 0xf0;
    this.noteInputChange(old);
    this.updateIrq();
  }

  /** The IRQ level the device currently drives (for tests and `info irq`-style listings). */
  get irqAsserted(): boolean {
    return this.irqLevel;
  }

  /** Whether an enabled interrupt is pending in IIR, regardless of OUT2 gating. */
  interruptPending(): boolean {
    return (this.computeIir() & IIR_NONE) === 0;
  }

  /** Called by the machine when the timer deadline has passed. */
  onTimer(nowNs: number = this.now()): void {
    const d = this.s.timeoutDeadline;
    if (d === undefined) return;
    if (nowNs < d) {
      this.timer?.setTimer(d);
      return;
    }
    this.s.timeoutDeadline = undefined;
    if (this.s.fifoEnabled && this.s.rx.length > 0) this.s.timeoutPending = true;
    this.updateIrq();
  }

  /** Power-on / system reset state (MR pin): registers cleared, FIFOs emptied. */
  reset(): void {
    this.s = powerOnState();
    this.timer?.setTimer(undefined);
    this.updateIrq();
  }

  /** A copy of the device state as plain data. */
  saveState(): Serial16550State {
    return { ...this.s, rx: [...this.s.rx] };
  }

  /** Restores a state from saveState(); values are masked to register widths. */
  loadState(state: Serial16550State): void {
    const t = TRIGGER_LEVELS as readonly number[];
    this.s = {
      ier: state.ier & 0x0f, lcr: state.lcr & 0xff, mcr: state.mcr & 0x1f, scr: state.scr & 0xff,
      divisor: state.divisor & 0xffff, fifoEnabled: !!state.fifoEnabled,
      triggerLevel: t.includes(state.triggerLevel) ? state.triggerLevel : 1, fcrDma: state.fcrDma & 0x08,
      lsrErrors: state.lsrErrors & LSR_ERRORS, rbr: state.rbr & 0xff,
      rx: state.rx.slice(0, SERIAL_FIFO_SIZE).map((b) => b & 0xff), thrPending: !!state.thrPending,
      timeoutPending: !!state.timeoutPending, timeoutDeadline: state.timeoutDeadline,
      externalInputs: state.externalInputs & 0xf0, msrDelta: state.msrDelta & 0x0f,
    };
    this.timer?.setTimer(this.s.timeoutDeadline);
    this.updateIrq();
  }

  private readReg(reg: number): number {
    const s = this.s;
    const dlab = (s.lcr & LCR_DLAB) !== 0;
    switch (reg) {
      case RBR_THR_DLL:
        return dlab ? s.divisor & 0xff : this.readRbr();
      case IER_DLM:
        return dlab ? s.divisor >> 8 : s.ier;
      case IIR_FCR: {
        const iir = this.computeIir();
        if ((iir & 0x0f) === IIR_THRI) {
          s.thrPending = false; // reading IIR with THRE as its source clears it (datasheet table IV)
          this.updateIrq();
        }
        return iir;
      }
      case LCR:
        return s.lcr;
      case MCR:
        return s.mcr;
      case LSR: {
        let v = s.lsrErrors | LSR_THRE | LSR_TEMT;
        if (s.rx.length > 0) v |= LSR_DR;
        if (s.fifoEnabled && (s.lsrErrors & (LSR_ERRORS & ~LSR_OE))) v |= LSR_FIFO_ERR;
        if (s.lsrErrors) {
          s.lsrErrors = 0;
          this.updateIrq();
        }
        return v;
      }
      case MSR: {
        const v = this.modemInputs() | s.msrDelta;
        if (s.msrDelta) {
          s.msrDelta = 0;
          this.updateIrq();
        }
        return v;
      }
      default:
        return s.scr;
    }
  }

  private writeReg(reg: number, value: number): void {
    const s = this.s;
    const dlab = (s.lcr & LCR_DLAB) !== 0;
    switch (reg) {
      case RBR_THR_DLL:
        if (dlab) s.divisor = (s.divisor & 0xff00) | value;
        else this.transmit(value);
        return;
      case IER_DLM:
        if (dlab) {
          s.divisor = (s.divisor & 0xff) | (value << 8);
          return;
        }
        this.writeIer(value);
        return;
      case IIR_FCR:
        this.writeFcr(value);
        return;
      case LCR:
        s.lcr = value;
        return;
      case MCR: {
        const old = this.modemInputs();
        s.mcr = value & 0x1f;
        this.noteInputChange(old);
        this.updateIrq();
        return;
      }
      case LSR:
      case MSR:
        this.log(`serial: write 0x${value.toString(16)} to read-only register ${reg} ignored`);
        return;
      default:
        s.scr = value;
    }
  }

  private writeIer(value: number): void {
    const s = this.s;
    const old = s.ier;
    s.ier = value & 0x0f;
    // Enabling THRI while THR is empty raises the THRE interrupt again (Linux's UART_BUG_THRE probe
    // and QEMU rely on this); disabling it forgets a pending one.
    if ((s.ier & IER_THRI) && !(old & IER_THRI)) s.thrPending = true;
    if (!(s.ier & IER_THRI)) s.thrPending = false;
    this.updateIrq();
  }

  private writeFcr(value: number): void {
    const s = this.s;
    const enable = (value & FCR_ENABLE) !== 0;
    if (enable !== s.fifoEnabled) this.clearRx(); // changing FCR0 clears both FIFOs
    s.fifoEnabled = enable;
    if (enable) {
      // The other bits are programmed only while FCR0 is 1 (datasheet 8.5).
      if (value & FCR_CLEAR_RX) this.clearRx();
      s.triggerLevel = TRIGGER_LEVELS[value >> 6]!;
      s.fcrDma = value & 0x08;
    }
    this.updateIrq();
  }

  private transmit(value: number): void {
    const s = this.s;
    s.thrPending = false;
    this.updateIrq(); // THR write clears the THRE interrupt: the line drops before it rises again
    if (s.mcr & MCR_LOOP) {
      this.pushRx(value);
      this.afterRx();
    } else {
      this.txByte[0] = value;
      this.sink.write(this.txByte);
    }
    s.thrPending = (s.ier & IER_THRI) !== 0; // transmitted at once: THR and shifter empty again
    this.updateIrq();
  }

  private readRbr(): number {
    const s = this.s;
    const b = s.rx.shift();
    if (b !== undefined) s.rbr = b;
    if (s.fifoEnabled) {
      s.timeoutPending = false;
      this.armTimeout();
    }
    this.updateIrq();
    if (b !== undefined && !(s.mcr & MCR_LOOP)) this.onRxSpace?.();
    return s.rbr;
  }

  private capacity(): number {
    return this.s.fifoEnabled ? SERIAL_FIFO_SIZE : 1;
  }

  private pushRx(b: number): void {
    const s = this.s;
    if (s.rx.length < this.capacity()) {
      s.rx.push(b & 0xff);
      return;
    }
    s.lsrErrors |= LSR_OE;
    // Without FIFO the new character overwrites RBR; with FIFO it is lost (datasheet 8.4).
    if (!s.fifoEnabled) s.rx[0] = b & 0xff;
  }

  private afterRx(): void {
    if (this.s.fifoEnabled) this.armTimeout();
    this.updateIrq();
  }

  private clearRx(): void {
    const s = this.s;
    s.rx.length = 0;
    s.timeoutPending = false;
    if (s.timeoutDeadline !== undefined) {
      s.timeoutDeadline = undefined;
      this.timer?.setTimer(undefined);
    }
  }

  /** Restarts the 4-character timeout while the FIFO holds data; stops it when empty. */
  private armTimeout(): void {
    const s = this.s;
    if (s.rx.length === 0) {
      if (s.timeoutDeadline !== undefined) {
        s.timeoutDeadline = undefined;
        this.timer?.setTimer(undefined);
      }
      return;
    }
    if (this.timer === undefined || this.clock === undefined) {
      s.timeoutPending = true; // no time source: treat the timeout as already elapsed
      return;
    }
    s.timeoutDeadline = this.clock() + 4 * this.charTimeNs();
    this.timer.setTimer(s.timeoutDeadline);
  }

  /** Duration of one character frame at the programmed divisor and line format. */
  charTimeNs(): number {
    const lcr = this.s.lcr;
    const dataBits = 5 + (lcr & 3);
    const parity = (lcr & 0x08) ? 1 : 0;
    const stop = (lcr & 0x04) ? (dataBits === 5 ? 1.5 : 2) : 1;
    const baud = SERIAL_BASE_BAUD / (this.s.divisor || 0x10000);
    return ((1 + dataBits + parity + stop) * 1e9) / baud;
  }

  private modemInputs(): number {
    const mcr = this.s.mcr;
    if (!(mcr & MCR_LOOP)) return this.s.externalInputs;
    // Loopback: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD (datasheet 8.6).
    return ((mcr & MCR_RTS) ? MSR_CTS : 0) | ((mcr & MCR_DTR) ? MSR_DSR : 0) |
      ((mcr & MCR_OUT1) ? MSR_RI : 0) | ((mcr & MCR_OUT2) ? MSR_DCD : 0);
  }

  private noteInputChange(old: number): void {
    const now = this.modemInputs();
    const changed = old ^ now;
    let d = 0;
    if (changed & MSR_CTS) d |= 0x01;
    if (changed & MSR_DSR) d |= 0x02;
    if ((old & MSR_RI) && !(now & MSR_RI)) d |= 0x04; // TERI: trailing edge of RI only
    if (changed & MSR_DCD) d |= 0x08;
    this.s.msrDelta |= d;
  }

  private computeIir(): number {
    const s = this.s;
    const fifo = s.fifoEnabled ? IIR_FIFO_BITS : 0;
    let id = IIR_NONE;
    if ((s.ier & IER_RLSI) && (s.lsrErrors & LSR_ERRORS)) id = IIR_RLSI;
    else if ((s.ier & IER_RDI) && s.timeoutPending && s.rx.length > 0) id = IIR_CTI;
    else if ((s.ier & IER_RDI) && s.rx.length > 0 && (!s.fifoEnabled || s.rx.length >= s.triggerLevel)) id = IIR_RDI;
    else if ((s.ier & IER_THRI) && s.thrPending) id = IIR_THRI;
    else if ((s.ier & IER_MSI) && s.msrDelta) id = IIR_MSI;
    return fifo | id;
  }

  /** Drives the IRQ pin: pending interrupt, and OUT2 set (the PC's IRQ buffer enable; OUT2 is forced
   *  inactive in loopback, so loopback also masks the pin). */
  private updateIrq(): void {
    const s = this.s;
    const level = this.interruptPending() && (s.mcr & MCR_OUT2) !== 0 && (s.mcr & MCR_LOOP) === 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.set(level);
    }
  }

  private now(): number {
    return this.clock ? this.clock() : 0;
  }
}
