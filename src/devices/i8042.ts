/**
 * Intel 8042 keyboard controller as on a PC/AT with PS/2 ports (QEMU's i8042 behaviour where guests
 * depend on it): data port 0x60, status/command port 0x64, a PS/2 keyboard on the first port and an
 * optional device on the aux port. The output port drives A20 (bit 1) and CPU reset (bit 0, active
 * low); both leave through injected callbacks.
 *
 * Mapping: as one BusDevice at 0x60 with size 5 (offsets 0 and 4), or, when port 0x61 belongs to
 * someone else, as the two single-port views `dataPort` (0x60) and `commandPort` (0x64).
 *
 * Threat note: every byte comes from the guest; unknown commands are logged and ignored.
 */
import type { BusDevice, IrqLine } from '../bus/bus-device.js';
import type { DeviceLog } from './scheduler.js';
import { silentLog } from './scheduler.js';
import { Ps2Keyboard, PS2_RESEND } from './ps2-keyboard.js';
import type { Ps2Device, Ps2KeyboardState } from './ps2-keyboard.js';

/** The data port. */
export const I8042_DATA_PORT = 0x60;
/** The status (read) / command (write) port. */
export const I8042_COMMAND_PORT = 0x64;
/** Keyboard interrupt. */
export const I8042_KBD_IRQ = 1;
/** Aux (mouse) interrupt. */
export const I8042_AUX_IRQ = 12;

const STAT_OBF = 0x01;
const STAT_CMD = 0x08;
const STAT_UNLOCKED = 0x10;
const STAT_AUX_OBF = 0x20;

const CB_KBD_INT = 0x01;
const CB_AUX_INT = 0x02;
const CB_SYS = 0x04;
const CB_KBD_DISABLE = 0x10;
const CB_AUX_DISABLE = 0x20;
const CB_XLATE = 0x40;

const OUT_RESET = 0x01; // active low: 0 holds the CPU in reset
const OUT_A20 = 0x02;
const OUT_KBD_OBF = 0x10;
const OUT_AUX_OBF = 0x20;
const OUT_POWER_ON = 0xcf; // reset deasserted, A20 on, clock/data lines high

/** The 8042's fixed set 2 -> set 1 translation for codes 0x00-0x7f (IBM PS/2 technical reference);
 *  codes from 0x80 pass through, except 0x83 -> 0x41 and 0x84 -> 0x54. */
const XLATE_LOW = Uint8Array.from([
  'ff 43 41 3f 3d 3b 3c 58 64 44 42 40 3e 0f 29 59',
  '65 38 2a 70 1d 10 02 5a 66 71 2c 1f 1e 11 03 5b',
  '67 2e 2d 20 12 05 04 5c 68 39 2f 21 14 13 06 5d',
  '69 31 30 23 22 15 07 5e 6a 72 32 24 16 08 09 5f',
  '6b 33 25 17 18 0b 0a 60 6c 34 35 26 27 19 0c 61',
  '6d 73 28 74 1a 0d 62 6e 3a 36 1c 1b 75 2b 63 76',
  '55 56 77 78 79 7a 0e 7b 7c 4f 7d 4b 47 7e 7f 6f',
  '52 53 50 4c 4d 48 01 45 57 4e 51 4a 37 49 46 54',
].join(' ').split(' ').map((h) => parseInt(h, 16)));

function translate(code: number): number {
  if (code < 0x80) return XLATE_LOW[code]!;
  if (code === 0x83) return 0x41;
  if (code === 0x84) return 0x54;
  return code;
}

/** What the machine injects into the controller. */
export interface I8042Options {
  /** IRQ 1. */
  kbdIrq: IrqLine;
  /** IRQ 12; without it aux data is still delivered, only not signalled. */
  auxIrq?: IrqLine;
  /** The guest asked for a CPU reset (output port bit 0 low, or a pulse command). */
  onReset: () => void;
  /** The guest changed the A20 gate through the output port. */
  onA20: (enabled: boolean) => void;
  /** The aux-port device (a Ps2Mouse); absent means an empty port (commands to it answer RESEND).
   *  Its `reset`, if it has one, runs with the controller's. */
  aux?: Ps2Device & { reset?(): void };
  /** Where ignored guest mistakes are reported. */
  log?: DeviceLog;
}

/** The controller's state as plain data (the keyboard's is nested). */
export interface I8042State {
  ram: number[];
  outport: number;
  outBuf: number;
  outFull: boolean;
  outFromAux: boolean;
  lastWasCommand: boolean;
  pendingCommand: number;
  queue: Array<[number, boolean]>;
  xlateBreak: boolean;
  keyboard: Ps2KeyboardState;
}

/** The keyboard controller; see the file comment. */
export class I8042 implements BusDevice {
  /** The PS/2 keyboard on the first port. */
  readonly keyboard: Ps2Keyboard;
  /** Port 0x60 alone, for machines that map the two ports separately. */
  readonly dataPort: BusDevice;
  /** Port 0x64 alone. */
  readonly commandPort: BusDevice;
  private ram: number[] = new Array<number>(32).fill(0);
  private outport = OUT_POWER_ON;
  private outBuf = 0;
  private outFull = false;
  private outFromAux = false;
  private lastWasCommand = true;
  private pendingCommand = 0;
  private queue: Array<[number, boolean]> = [];
  private xlateBreak = false;
  private kbdLevel = false;
  private auxLevel = false;
  private readonly opts: I8042Options;
  private readonly log: DeviceLog;

  constructor(options: I8042Options) {
    this.opts = options;
    this.log = options.log ?? silentLog;
    this.keyboard = new Ps2Keyboard({ log: this.log });
    this.ram[0] = CB_KBD_INT | CB_AUX_INT;
    this.dataPort = { read: (_o, d) => this.read(0, d), write: (_o, d) => this.write(0, d) };
    this.commandPort = { read: (_o, d) => this.read(4, d), write: (_o, d) => this.write(4, d) };
  }

  read(offset: number, data: Uint8Array): void {
    data.fill(0xff);
    if (offset === 0) data[0] = this.readData();
    else if (offset === 4) data[0] = this.status();
  }

  write(offset: number, data: Uint8Array): void {
    const v = data[0];
    if (v === undefined) return;
    if (offset === 0) this.writeData(v);
    else if (offset === 4) this.writeCommand(v);
  }

  /** Host key input: one key's scancode bytes in the keyboard's current set; false if dropped. */
  pressKey(scancodes: ArrayLike<number>): boolean {
    const ok = this.keyboard.pressKey(scancodes);
    this.refill();
    return ok;
  }

  /** Tells the controller its aux device has new bytes (a mouse moved). */
  auxDataReady(): void {
    this.refill();
  }

  /** The controller's command byte (interrupt enables, port disables, translation). */
  get commandByte(): number {
    return this.ram[0]!;
  }

  /** Whether the output port currently enables A20. */
  get a20Enabled(): boolean {
    return (this.outport & OUT_A20) !== 0;
  }

  /** The levels driven on IRQ 1 and IRQ 12. */
  get irqLevels(): { kbd: boolean; aux: boolean } {
    return { kbd: this.kbdLevel, aux: this.auxLevel };
  }

  /** Power-on state of controller and keyboard (A20 returns on, without a callback). */
  reset(): void {
    this.ram.fill(0);
    this.ram[0] = CB_KBD_INT | CB_AUX_INT;
    this.outport = OUT_POWER_ON;
    this.outFull = false;
    this.outFromAux = false;
    this.lastWasCommand = true;
    this.pendingCommand = 0;
    this.queue = [];
    this.xlateBreak = false;
    this.keyboard.reset();
    this.opts.aux?.reset?.();
    this.updateIrq();
  }

  /** A copy of the state as plain data. */
  saveState(): I8042State {
    return {
      ram: [...this.ram], outport: this.outport, outBuf: this.outBuf, outFull: this.outFull, outFromAux: this.outFromAux,
      lastWasCommand: this.lastWasCommand, pendingCommand: this.pendingCommand,
      queue: this.queue.map(([b, aux]) => [b, aux]), xlateBreak: this.xlateBreak, keyboard: this.keyboard.saveState(),
    };
  }

  /** Restores a state from saveState(). */
  loadState(st: I8042State): void {
    this.ram = this.ram.map((_, i) => (st.ram[i] ?? 0) & 0xff);
    this.outport = st.outport & 0xff;
    this.outBuf = st.outBuf & 0xff;
    this.outFull = !!st.outFull;
    this.outFromAux = !!st.outFromAux;
    this.lastWasCommand = !!st.lastWasCommand;
    this.pendingCommand = st.pendingCommand & 0xff;
    this.queue = st.queue.slice(0, 16).map(([b, aux]) => [b & 0xff, !!aux]);
    this.xlateBreak = !!st.xlateBreak;
    this.keyboard.loadState(st.keyboard);
    this.refill();
  }

  private status(): number {
    let v = STAT_UNLOCKED | (this.ram[0]! & CB_SYS);
    if (this.outFull) v |= STAT_OBF | (this.outFromAux ? STAT_AUX_OBF : 0);
    if (this.lastWasCommand) v |= STAT_CMD;
    return v;
  }

  private readData(): number {
    const v = this.outBuf;
    this.outFull = false;
    this.updateIrq(); // the line drops before the next byte (if any) raises it again
    this.refill();
    return v;
  }

  private writeData(v: number): void {
    this.lastWasCommand = false;
    const cmd = this.pendingCommand;
    this.pendingCommand = 0;
    if (cmd === 0) {
      this.ram[0] = this.ram[0]! & ~CB_KBD_DISABLE; // sending to the keyboard re-enables its port (QEMU)
      this.keyboard.write(v);
    } else if (cmd >= 0x60 && cmd <= 0x7f) {
      this.ram[cmd & 0x1f] = v;
    } else if (cmd === 0xd1) {
      this.writeOutport(v);
    } else if (cmd === 0xd2) {
      this.queue.push([v, false]);
    } else if (cmd === 0xd3) {
      this.queue.push([v, true]);
    } else if (cmd === 0xd4) {
      if (this.opts.aux) this.opts.aux.write(v);
      else this.queue.push([PS2_RESEND, true]); // nothing on the aux port answers
    }
    this.refill();
  }

  private writeCommand(cmd: number): void {
    this.lastWasCommand = true;
    this.pendingCommand = 0;
    if (cmd >= 0x20 && cmd <= 0x3f) this.respond(this.ram[cmd & 0x1f]!);
    else if ((cmd >= 0x60 && cmd <= 0x7f) || (cmd >= 0xd1 && cmd <= 0xd4)) this.pendingCommand = cmd;
    else if (cmd >= 0xf0) {
      if (!(cmd & OUT_RESET)) this.opts.onReset(); // pulse output bit 0 low
    } else {
      switch (cmd) {
        case 0xa4: this.respond(0xf1); break; // no password installed
        case 0xa7: this.ram[0] = this.ram[0]! | CB_AUX_DISABLE; break;
        case 0xa8: this.ram[0] = this.ram[0]! & ~CB_AUX_DISABLE; break;
        case 0xa9: this.respond(0x00); break; // aux interface test: OK
        case 0xaa: // self-test: OK, and the system flag is set
          this.ram[0] = this.ram[0]! | CB_SYS;
          this.respond(0x55);
          break;
        case 0xab: this.respond(0x00); break; // keyboard interface test: OK
        case 0xad: this.ram[0] = this.ram[0]! | CB_KBD_DISABLE; break;
        case 0xae: this.ram[0] = this.ram[0]! & ~CB_KBD_DISABLE; break;
        case 0xc0: this.respond(0x80); break; // input port: keyboard not inhibited
        case 0xd0: {
          let v = this.outport & ~(OUT_KBD_OBF | OUT_AUX_OBF);
          if (this.outFull) v |= this.outFromAux ? OUT_AUX_OBF : OUT_KBD_OBF;
          this.respond(v);
          break;
        }
        case 0xdd: this.writeOutport(this.outport & ~OUT_A20); break;
        case 0xdf: this.writeOutport(this.outport | OUT_A20); break;
        case 0xe0: this.respond(0x00); break; // test inputs
        default:
          this.log(`i8042: unknown command 0x${cmd.toString(16)} ignored`);
      }
    }
    this.refill();
  }

  private writeOutport(v: number): void {
    const old = this.outport;
    this.outport = v & 0xff;
    if ((old ^ v) & OUT_A20) this.opts.onA20((v & OUT_A20) !== 0);
    if (!(v & OUT_RESET)) this.opts.onReset();
  }

  private respond(v: number): void {
    this.queue.push([v & 0xff, false]);
  }

  /** Loads the output buffer when empty: controller answers first, then keyboard, then aux. */
  private refill(): void {
    while (!this.outFull) {
      const q = this.queue.shift();
      if (q !== undefined) {
        this.load(q[0], q[1]);
        break;
      }
      const cb = this.ram[0]!;
      if (!(cb & CB_KBD_DISABLE) && this.keyboard.hasData()) {
        const raw = this.keyboard.readByte()!;
        if (!(cb & CB_XLATE)) {
          this.load(raw, false);
        } else if (raw === 0xf0) {
          this.xlateBreak = true; // set 2 break prefix: folded into bit 7 of the next code
        } else {
          this.load(translate(raw) | (this.xlateBreak ? 0x80 : 0), false);
          this.xlateBreak = false;
        }
        continue;
      }
      const aux = this.opts.aux;
      if (aux && !(cb & CB_AUX_DISABLE) && aux.hasData()) {
        this.load(aux.readByte()!, true);
        continue;
      }
      break;
    }
    this.updateIrq();
  }

  private load(v: number, fromAux: boolean): void {
    this.outBuf = v & 0xff;
    this.outFull = true;
    this.outFromAux = fromAux;
  }

  private updateIrq(): void {
    const cb = this.ram[0]!;
    const kbd = this.outFull && !this.outFromAux && (cb & CB_KBD_INT) !== 0;
    const aux = this.outFull && this.outFromAux && (cb & CB_AUX_INT) !== 0;
    if (kbd !== this.kbdLevel) {
      this.kbdLevel = kbd;
      this.opts.kbdIrq.set(kbd);
    }
    if (aux !== this.auxLevel) {
      this.auxLevel = aux;
      this.opts.auxIrq?.set(aux);
    }
  }
}
