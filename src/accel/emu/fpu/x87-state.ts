/**
 * The x87 register file (SDM vol. 1 §8.1): eight 80-bit physical registers, the stack top, the
 * tag word, FCW, FSW and the last-instruction pointers, with the stack and exception helpers the
 * instruction code uses. The significands sit in one Uint32Array (lo, hi per register) so the MMX
 * registers, which alias them, are simply bytes 8i..8i+7 of the same buffer.
 */
import { E_IE, out } from './xf-core.js';

/** FSW bits. */
export const SW_SF = 0x40;
/** Error summary. */
export const SW_ES = 0x80;
/** Condition code C0. */
export const SW_C0 = 0x100;
/** Condition code C1. */
export const SW_C1 = 0x200;
/** Condition code C2. */
export const SW_C2 = 0x400;
/** Condition code C3. */
export const SW_C3 = 0x4000;
/** Busy (mirrors ES). */
export const SW_B = 0x8000;
/** All four condition codes. */
export const SW_CC = SW_C0 | SW_C1 | SW_C2 | SW_C3;

/** FCW as a load leaves it: bits 6 reads as one; bits 7 and 13–15 are not kept (measured on the host). */
export function loadedFcw(v: number): number {
  return (v & 0x1f3f) | 0x40;
}

/** The x87 (and aliased MMX) register state. */
export class X87State {
  /** Significands: physical register i has lo at [2i], hi at [2i+1]; MMi is bytes 8i..8i+7. */
  readonly sig = new Uint32Array(16);
  /** Sign and exponent word of each physical register. */
  readonly se = new Uint16Array(8);
  /** The same significand storage as bytes (MMX view). */
  readonly bytes = new Uint8Array(this.sig.buffer);
  /** Bit i set: physical register i is empty (the abridged tag). */
  empty = 0xff;
  top = 0;
  fcw = 0x37f;
  /** Status word without TOP (bits 11–13 kept zero). */
  sw = 0;
  fip = 0;
  fcs = 0;
  fdp = 0;
  fds = 0;
  fop = 0;
  /** EFLAGS as exchanged with the core (EmuFpuUnit.eflags): read by FCMOVcc, written by FCOMI and COMISS. */
  eflags = 0x2;

  /** FNINIT state (and the RESET one, apart from FCW 0x40 which the caller sets). */
  init(): void {
    this.fcw = 0x37f;
    this.sw = 0;
    this.top = 0;
    this.empty = 0xff;
    this.fip = 0;
    this.fcs = 0;
    this.fdp = 0;
    this.fds = 0;
    this.fop = 0;
  }

  /** The architectural FSW. */
  get fsw(): number {
    return (this.sw & ~0x3800) | (this.top << 11);
  }

  /** Loads the architectural FSW (TOP taken from it; ES/B recomputed from flags and masks). */
  setFsw(v: number): void {
    this.top = (v >>> 11) & 7;
    this.sw = v & 0xc7ff & ~(SW_ES | SW_B);
    this.updateEs();
  }

  /** Recomputes ES and B: set while an unmasked exception flag is pending. */
  updateEs(): void {
    if ((this.sw & ~this.fcw & 0x3f) !== 0) this.sw |= SW_ES | SW_B;
    else this.sw &= ~(SW_ES | SW_B);
  }

  /** Physical index of ST(i). */
  phys(i: number): number {
    return (this.top + i) & 7;
  }

  /** Whether ST(i) is empty. */
  isEmpty(i: number): boolean {
    return ((this.empty >>> ((this.top + i) & 7)) & 1) !== 0;
  }

  /** Writes ST(i) from out (and tags it valid). */
  setFromOut(i: number): void {
    const p = (this.top + i) & 7;
    this.se[p] = out.se;
    this.sig[2 * p] = out.lo;
    this.sig[2 * p + 1] = out.hi;
    this.empty &= ~(1 << p);
  }

  /** Writes ST(i) from raw fields. */
  setRaw(i: number, se: number, hi: number, lo: number): void {
    const p = (this.top + i) & 7;
    this.se[p] = se;
    this.sig[2 * p] = lo;
    this.sig[2 * p + 1] = hi;
    this.empty &= ~(1 << p);
  }

  /** Sign/exponent, high and low significand of ST(i). */
  seOf(i: number): number {
    return this.se[(this.top + i) & 7]!;
  }
  hiOf(i: number): number {
    return this.sig[2 * ((this.top + i) & 7) + 1]!;
  }
  loOf(i: number): number {
    return this.sig[2 * ((this.top + i) & 7)]!;
  }

  /** Marks ST0 empty and increments TOP. */
  pop(): void {
    this.empty |= 1 << this.top;
    this.top = (this.top + 1) & 7;
  }

  /** Raises exception flags (with ES/B when unmasked). */
  raise(exc: number): void {
    this.sw |= exc;
    if ((exc & ~this.fcw & 0x3f) !== 0) this.sw |= SW_ES | SW_B;
  }

  /** Sets C1 (and clears it when `on` is false). */
  setC1(on: boolean): void {
    if (on) this.sw |= SW_C1;
    else this.sw &= ~SW_C1;
  }

  /**
   * Stack fault (#IS): IE and SF, C1 = 1 for overflow, 0 for underflow. Returns true when IE is
   * masked (the caller then delivers the masked response).
   */
  stackFault(overflow: boolean): boolean {
    this.setC1(overflow);
    this.raise(E_IE | SW_SF);
    return (this.fcw & E_IE) !== 0;
  }

  /** Full two-bit tag of physical register p (SDM figure 8-7). */
  tagOf(p: number): number {
    if (((this.empty >>> p) & 1) !== 0) return 3;
    const e = this.se[p]! & 0x7fff;
    const hi = this.sig[2 * p + 1]!;
    const lo = this.sig[2 * p]!;
    if (e === 0x7fff) return 2;
    if (e === 0) return (hi | lo) === 0 ? 1 : 2;
    return (hi & 0x80000000) !== 0 ? 0 : 2;
  }

  /** The full tag word. */
  get tagWord(): number {
    let t = 0;
    for (let p = 0; p < 8; p++) t |= this.tagOf(p) << (2 * p);
    return t;
  }

  /** Loads a full tag word: only "empty" (11) is kept, other tags are recomputed from contents. */
  setTagWord(t: number): void {
    let e = 0;
    for (let p = 0; p < 8; p++) if (((t >>> (2 * p)) & 3) === 3) e |= 1 << p;
    this.empty = e;
  }

  /** The abridged (FXSAVE) tag byte: bit p set = physical register p valid. */
  get abridgedTag(): number {
    return ~this.empty & 0xff;
  }
}
