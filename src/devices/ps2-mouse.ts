/**
 * A PS/2 mouse on the 8042's aux port, with the IntelliMouse (wheel, ID 3) and IntelliMouse
 * Explorer (wheel and buttons 4/5, ID 4) extensions that guests unlock with the sample-rate knocks
 * 200,100,80 and 200,200,80. Commands and packet layout: IBM PS/2 Hardware Interface Technical
 * Reference, Microsoft IntelliMouse specification; behaviour matches what Linux's psmouse probes.
 *
 * Host motion arrives through `move()`; in stream mode with reporting enabled it becomes packets
 * (each axis at most 255 counts per packet, the rest carried into the next one). Motion beyond
 * what the bounded queue can hold accumulates; past MAX_PENDING counts it is dropped and the next
 * packet says so with its overflow bit. The controller is told through `onData` when bytes wait.
 *
 * Threat note: command bytes come from the guest; unknown ones are answered with RESEND (0xFE).
 */
import type { DeviceLog } from './scheduler.js';
import { silentLog } from './scheduler.js';
import { PS2_ACK, PS2_BAT_OK, PS2_RESEND } from './ps2-keyboard.js';
import type { Ps2Device } from './ps2-keyboard.js';

/** Mouse buttons as PS/2 packet bits (byte 0), and the Explorer's extra two (byte 3 bits 4-5, shifted down here). */
export const PS2_MOUSE_BUTTON = { LEFT: 1, RIGHT: 2, MIDDLE: 4, SIDE: 8, EXTRA: 16 } as const;

/** Bytes the mouse queues at most (replies and packets together). */
export const PS2_MOUSE_QUEUE = 256;

/** Pending motion per axis beyond which motion is dropped (and overflow reported). */
const MAX_PENDING = 4096;

/** Device IDs: plain PS/2, IntelliMouse (wheel), IntelliMouse Explorer (wheel + 5 buttons). */
const ID_PS2 = 0, ID_IMPS2 = 3, ID_EXPS2 = 4;

/** The mouse's state as plain data. */
export interface Ps2MouseState {
  queue: number[];
  pendingCommand: number;
  lastSent: number;
  enabled: boolean;
  remote: boolean;
  wrap: boolean;
  scaling21: boolean;
  resolution: number;
  sampleRate: number;
  id: number;
  knocks: number[];
  dx: number;
  dy: number;
  dz: number;
  buttons: number;
  overflowX: boolean;
  overflowY: boolean;
}

function powerOnState(): Ps2MouseState {
  return {
    queue: [], pendingCommand: 0, lastSent: 0, enabled: false, remote: false, wrap: false, scaling21: false,
    resolution: 2, sampleRate: 100, id: ID_PS2, knocks: [], dx: 0, dy: 0, dz: 0, buttons: 0, overflowX: false, overflowY: false,
  };
}

/** 2:1 scaling as the PS/2 reference defines it (stream mode only). */
function scale21(v: number): number {
  const a = Math.abs(v);
  const s = a <= 5 ? [0, 1, 1, 3, 6, 9][a]! : a * 2;
  return v < 0 ? -s : s;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** The mouse; see the file comment. */
export class Ps2Mouse implements Ps2Device {
  private s: Ps2MouseState = powerOnState();
  private readonly log: DeviceLog;
  private readonly onData: () => void;

  /** `onData` is called when bytes wait to be read (wire it to I8042.auxDataReady). */
  constructor(options: { onData?: () => void; log?: DeviceLog } = {}) {
    this.onData = options.onData ?? ((): void => {});
    this.log = options.log ?? silentLog;
  }

  /** The ID the mouse reports now (0, 3 or 4). */
  get deviceId(): number {
    return this.s.id;
  }

  /** Whether the guest enabled data reporting (0xF4). */
  get reporting(): boolean {
    return this.s.enabled;
  }

  /**
   * Host pointer input: relative motion (dx right, dy down as on screen), wheel steps (dz positive =
   * towards the user, i.e. scroll down) and the buttons now held (PS2_MOUSE_BUTTON bits).
   */
  move(dx: number, dy: number, dz: number, buttons: number): void {
    const s = this.s;
    if (!Number.isFinite(dx) || !Number.isFinite(dy) || !Number.isFinite(dz)) return;
    s.dx += Math.trunc(dx);
    s.dy -= Math.trunc(dy); // PS/2 Y grows upwards
    s.dz += Math.trunc(dz);
    s.buttons = buttons & 0x1f;
    if (Math.abs(s.dx) > MAX_PENDING) { s.dx = clamp(s.dx, -MAX_PENDING, MAX_PENDING); s.overflowX = true; }
    if (Math.abs(s.dy) > MAX_PENDING) { s.dy = clamp(s.dy, -MAX_PENDING, MAX_PENDING); s.overflowY = true; }
    s.dz = clamp(s.dz, -MAX_PENDING, MAX_PENDING);
    if (this.streaming()) {
      this.flushMotion(true);
      this.onData();
    }
  }

  hasData(): boolean {
    return this.s.queue.length > 0;
  }

  readByte(): number | undefined {
    const b = this.s.queue.shift();
    if (b === undefined) return undefined;
    this.s.lastSent = b;
    if (this.streaming()) this.flushMotion(false); // room again for motion that waited
    return b;
  }

  write(byte: number): void {
    const s = this.s;
    const v = byte & 0xff;
    if (s.wrap && s.pendingCommand === 0 && v !== 0xff && v !== 0xec) {
      this.reply(v); // wrap (echo) mode
      return;
    }
    const pending = s.pendingCommand;
    if (pending !== 0) {
      s.pendingCommand = 0;
      this.parameter(pending, v);
      this.onData();
      return;
    }
    s.queue.length = 0; // a command makes the mouse drop what it had not sent yet
    switch (v) {
      case 0xe6: s.scaling21 = false; this.reply(PS2_ACK); break;
      case 0xe7: s.scaling21 = true; this.reply(PS2_ACK); break;
      case 0xe8: case 0xf3: // set resolution / sample rate: a parameter follows
        s.pendingCommand = v;
        this.reply(PS2_ACK);
        break;
      case 0xe9: { // status request
        const st = (s.remote ? 0x40 : 0) | (s.enabled ? 0x20 : 0) | (s.scaling21 ? 0x10 : 0) |
          (s.buttons & 1 ? 4 : 0) | (s.buttons & 4 ? 2 : 0) | (s.buttons & 2 ? 1 : 0);
        this.reply(PS2_ACK, st, s.resolution, s.sampleRate);
        break;
      }
      case 0xea: s.remote = false; this.clearMotion(); this.reply(PS2_ACK); break;
      case 0xeb: // read data (remote mode; also answered in stream mode, as QEMU does)
        this.reply(PS2_ACK);
        this.packet(false, true);
        break;
      case 0xec: s.wrap = false; this.reply(PS2_ACK); break;
      case 0xee: s.wrap = true; this.clearMotion(); this.reply(PS2_ACK); break;
      case 0xf0: s.remote = true; this.clearMotion(); this.reply(PS2_ACK); break;
      case 0xf2: this.clearMotion(); this.reply(PS2_ACK, s.id); break;
      case 0xf4: s.enabled = true; this.reply(PS2_ACK); break;
      case 0xf5: s.enabled = false; this.clearMotion(); this.reply(PS2_ACK); break;
      case 0xf6: this.defaults(); this.reply(PS2_ACK); break;
      case 0xfe: this.reply(s.lastSent); break;
      case 0xff: // reset: ACK, BAT result, ID 0
        this.s = powerOnState();
        this.reply(PS2_ACK, PS2_BAT_OK, ID_PS2);
        break;
      default:
        this.log(`ps2-mouse: unknown command 0x${v.toString(16)}`);
        this.reply(PS2_RESEND);
    }
    this.onData();
  }

  /** Power-on state. */
  reset(): void {
    this.s = powerOnState();
  }

  /** A copy of the state as plain data. */
  saveState(): Ps2MouseState {
    return { ...this.s, queue: [...this.s.queue], knocks: [...this.s.knocks] };
  }

  /** Restores a state from saveState(). */
  loadState(st: Ps2MouseState): void {
    const n = (v: number, lo: number, hi: number): number => clamp(Math.trunc(Number(v) || 0), lo, hi);
    this.s = {
      queue: st.queue.slice(0, PS2_MOUSE_QUEUE).map((b) => b & 0xff),
      pendingCommand: [0, 0xe8, 0xf3].includes(st.pendingCommand) ? st.pendingCommand : 0,
      lastSent: st.lastSent & 0xff, enabled: !!st.enabled, remote: !!st.remote, wrap: !!st.wrap, scaling21: !!st.scaling21,
      resolution: st.resolution & 3, sampleRate: st.sampleRate & 0xff,
      id: [ID_PS2, ID_IMPS2, ID_EXPS2].includes(st.id) ? st.id : ID_PS2,
      knocks: st.knocks.slice(-3).map((b) => b & 0xff),
      dx: n(st.dx, -MAX_PENDING, MAX_PENDING), dy: n(st.dy, -MAX_PENDING, MAX_PENDING), dz: n(st.dz, -MAX_PENDING, MAX_PENDING),
      buttons: st.buttons & 0x1f, overflowX: !!st.overflowX, overflowY: !!st.overflowY,
    };
  }

  private parameter(command: number, value: number): void {
    const s = this.s;
    if (command === 0xe8) {
      s.resolution = value & 3; // 1, 2, 4, 8 counts/mm; host motion is not rescaled (as in QEMU)
      this.reply(PS2_ACK);
      return;
    }
    s.sampleRate = value;
    s.knocks = [...s.knocks, value].slice(-3);
    const k = s.knocks.join(',');
    if (k === '200,100,80' && s.id === ID_PS2) s.id = ID_IMPS2;
    else if (k === '200,200,80' && s.id === ID_IMPS2) s.id = ID_EXPS2;
    this.reply(PS2_ACK);
  }

  private streaming(): boolean {
    return this.s.enabled && !this.s.remote && !this.s.wrap;
  }

  private packetSize(): number {
    return this.s.id === ID_PS2 ? 3 : 4;
  }

  /** Turns pending motion into packets while the queue has room; `always` sends one even without motion (a button change). */
  private flushMotion(always: boolean): void {
    const s = this.s;
    let first = always;
    while (PS2_MOUSE_QUEUE - s.queue.length >= this.packetSize()) {
      if (!first && s.dx === 0 && s.dy === 0 && s.dz === 0) return;
      first = false;
      this.packet(s.scaling21, false);
    }
  }

  /** Appends one movement packet and takes what it carries off the pending motion. */
  private packet(scaled: boolean, force: boolean): void {
    const s = this.s;
    if (!force && PS2_MOUSE_QUEUE - s.queue.length < this.packetSize()) return;
    const dx = clamp(s.dx, -255, 255);
    const dy = clamp(s.dy, -255, 255);
    const dz = clamp(s.dz, s.id === ID_EXPS2 ? -8 : -127, s.id === ID_EXPS2 ? 7 : 127);
    s.dx -= dx;
    s.dy -= dy;
    s.dz -= dz;
    const rx = scaled ? clamp(scale21(dx), -256, 255) : dx;
    const ry = scaled ? clamp(scale21(dy), -256, 255) : dy;
    const b = s.buttons;
    let b0 = 0x08 | (b & 7) | (rx < 0 ? 0x10 : 0) | (ry < 0 ? 0x20 : 0);
    if (s.overflowX) b0 |= 0x40;
    if (s.overflowY) b0 |= 0x80;
    s.overflowX = s.overflowY = false;
    const bytes = [b0, rx & 0xff, ry & 0xff];
    if (s.id === ID_IMPS2) bytes.push(dz & 0xff);
    else if (s.id === ID_EXPS2) bytes.push((dz & 0x0f) | ((b & 0x18) << 1));
    this.push(bytes);
  }

  private clearMotion(): void {
    const s = this.s;
    s.dx = s.dy = s.dz = 0;
    s.overflowX = s.overflowY = false;
  }

  private defaults(): void {
    const s = this.s;
    s.sampleRate = 100;
    s.resolution = 2;
    s.scaling21 = false;
    s.enabled = false;
    s.remote = false;
    this.clearMotion();
  }

  private reply(...bytes: number[]): void {
    this.push(bytes);
  }

  private push(bytes: number[]): void {
    const q = this.s.queue;
    if (q.length + bytes.length > PS2_MOUSE_QUEUE) q.splice(0, q.length + bytes.length - PS2_MOUSE_QUEUE);
    q.push(...bytes);
  }
}
