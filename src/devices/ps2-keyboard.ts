/**
 * A PS/2 (MF2) keyboard as seen from the 8042 controller's side of the cable: it takes command
 * bytes and answers them, and queues scancodes for keys the host presses. It does not know key
 * names: `pressKey` takes the bytes the keyboard would send in its current scancode set (set 2 by
 * default; the controller translates to set 1 when its XLATE bit is on).
 *
 * Threat note: command bytes come from the guest; unknown ones are answered with RESEND (0xFE).
 */
import type { DeviceLog } from './scheduler.js';
import { silentLog } from './scheduler.js';

/** A device on a PS/2 port, as the 8042 drives it. */
export interface Ps2Device {
  /** A byte from the host (controller) to the device. */
  write(byte: number): void;
  /** Whether the device has a byte to send. */
  hasData(): boolean;
  /** Takes the next byte the device sends, if any. */
  readByte(): number | undefined;
}

/** Command acknowledge. */
export const PS2_ACK = 0xfa;
/** Basic assurance test passed (sent after reset). */
export const PS2_BAT_OK = 0xaa;
/** Resend / not acknowledged. */
export const PS2_RESEND = 0xfe;
/** Size of the keyboard's scancode buffer. */
export const PS2_KEY_BUFFER = 16;

/** The keyboard's state as plain data. */
export interface Ps2KeyboardState {
  replies: number[];
  keys: number[];
  scanEnabled: boolean;
  scancodeSet: number;
  leds: number;
  typematic: number;
  pendingCommand: number;
  lastSent: number;
}

function powerOnState(): Ps2KeyboardState {
  return { replies: [], keys: [], scanEnabled: true, scancodeSet: 2, leds: 0, typematic: 0x2b, pendingCommand: 0, lastSent: PS2_ACK };
}

/** The keyboard behind the 8042's first port. */
export class Ps2Keyboard implements Ps2Device {
  private s: Ps2KeyboardState = powerOnState();
  private readonly log: DeviceLog;

  constructor(options: { log?: DeviceLog } = {}) {
    this.log = options.log ?? silentLog;
  }

  /** LED bits the guest last set: 1 scroll lock, 2 num lock, 4 caps lock. */
  get leds(): number {
    return this.s.leds;
  }

  /** The scancode set the guest selected (1, 2 or 3); callers encode pressed keys in it. */
  get scancodeSet(): number {
    return this.s.scancodeSet;
  }

  /** Whether the guest has scanning enabled (F4) rather than disabled (F5). */
  get scanEnabled(): boolean {
    return this.s.scanEnabled;
  }

  /** Free bytes in the scancode buffer. */
  keyRoom(): number {
    return PS2_KEY_BUFFER - this.s.keys.length;
  }

  /** Queues one key's scancode bytes; false (and nothing queued) when scanning is off or full. */
  pressKey(scancodes: ArrayLike<number>): boolean {
    if (!this.s.scanEnabled || scancodes.length > this.keyRoom()) return false;
    for (let i = 0; i < scancodes.length; i++) this.s.keys.push(scancodes[i]! & 0xff);
    return true;
  }

  hasData(): boolean {
    return this.s.replies.length > 0 || this.s.keys.length > 0;
  }

  readByte(): number | undefined {
    const b = this.s.replies.length > 0 ? this.s.replies.shift() : this.s.keys.shift();
    if (b !== undefined) this.s.lastSent = b;
    return b;
  }

  write(byte: number): void {
    const s = this.s;
    const pending = s.pendingCommand;
    if (pending !== 0) {
      s.pendingCommand = 0;
      this.parameter(pending, byte & 0xff);
      return;
    }
    switch (byte & 0xff) {
      case 0xed: // set LEDs
      case 0xf3: // set typematic rate/delay
      case 0xf0: // get/set scancode set
        s.pendingCommand = byte & 0xff;
        this.reply(PS2_ACK);
        return;
      case 0xee: // echo
        this.reply(0xee);
        return;
      case 0xf2: // identify: MF2 keyboard
        this.reply(PS2_ACK, 0xab, 0x83);
        return;
      case 0xf4: // enable scanning (clears the buffer)
        s.keys.length = 0;
        s.scanEnabled = true;
        this.reply(PS2_ACK);
        return;
      case 0xf5: // disable scanning and restore defaults
        this.defaults();
        s.scanEnabled = false;
        this.reply(PS2_ACK);
        return;
      case 0xf6: // restore defaults
        this.defaults();
        this.reply(PS2_ACK);
        return;
      case 0xf7: case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc: case 0xfd: // set-3 key types
        this.reply(PS2_ACK);
        return;
      case 0xfe: // resend the last byte
        this.reply(s.lastSent);
        return;
      case 0xff: // reset: ACK, self-test, then BAT result
        this.s = powerOnState();
        this.reply(PS2_ACK, PS2_BAT_OK);
        return;
      default:
        this.log(`ps2-keyboard: unknown command 0x${byte.toString(16)}`);
        this.reply(PS2_RESEND);
    }
  }

  /** Power-on state. */
  reset(): void {
    this.s = powerOnState();
  }

  /** A copy of the keyboard state as plain data. */
  saveState(): Ps2KeyboardState {
    return { ...this.s, replies: [...this.s.replies], keys: [...this.s.keys] };
  }

  /** Restores a state from saveState(). */
  loadState(st: Ps2KeyboardState): void {
    const bytes = (a: number[], n: number): number[] => a.slice(0, n).map((b) => b & 0xff);
    this.s = {
      replies: bytes(st.replies, 8), keys: bytes(st.keys, PS2_KEY_BUFFER), scanEnabled: !!st.scanEnabled,
      scancodeSet: [1, 2, 3].includes(st.scancodeSet) ? st.scancodeSet : 2, leds: st.leds & 7,
      typematic: st.typematic & 0x7f, pendingCommand: [0, 0xed, 0xf3, 0xf0].includes(st.pendingCommand) ? st.pendingCommand : 0,
      lastSent: st.lastSent & 0xff,
    };
  }

  private parameter(command: number, value: number): void {
    const s = this.s;
    switch (command) {
      case 0xed:
        s.leds = value & 7;
        this.reply(PS2_ACK);
        return;
      case 0xf3:
        s.typematic = value & 0x7f;
        this.reply(PS2_ACK);
        return;
      default: // 0xf0
        if (value === 0) this.reply(PS2_ACK, s.scancodeSet);
        else if (value >= 1 && value <= 3) {
          s.scancodeSet = value;
          this.reply(PS2_ACK);
        } else this.reply(PS2_RESEND);
    }
  }

  private defaults(): void {
    this.s.typematic = 0x2b;
    this.s.scancodeSet = 2;
  }

  private reply(...bytes: number[]): void {
    // A command answer goes ahead of pending scancodes; a long-unread queue is bounded.
    if (this.s.replies.length + bytes.length > 8) this.s.replies.length = 0;
    this.s.replies.push(...bytes);
  }
}
