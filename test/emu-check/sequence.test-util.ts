/**
 * The sequence builder the instruction generators share: it encodes instructions and memory
 * operands (every 32-bit ModRM/SIB form, aimed at a chosen address in the data area), chooses the
 * registers' initial values, and tracks which flags and results the SDM leaves undefined, so
 * that no instruction consumes an undefined flag and the final comparison masks exactly those.
 */
import { Rng } from './rng.test-util.js';
import { CODE_BASE, DATA_BASE, DATA_SIZE, ESP, EBP, STATUS, IF, fillData, type Case } from './layout.test-util.js';

/** Operand size in bits. */
export type Size = 8 | 16 | 32;

/** How an instruction uses the status flags. */
export interface FlagEffect {
  /** Flags it reads (an undefined one is first made defined by a CMP). */
  readonly reads?: number;
  /** Flags it leaves defined. */
  readonly sets?: number;
  /** Flags it leaves undefined. */
  readonly undef?: number;
}

/** Size mask of an operand. */
export function sizeMask(size: Size): number {
  return size === 32 ? 0xffffffff : size === 16 ? 0xffff : 0xff;
}

/** Bytes of a little-endian immediate. */
export function imm(size: Size | 8, value: number): number[] {
  const out = [value & 0xff];
  if (size >= 16) out.push((value >>> 8) & 0xff);
  if (size === 32) out.push((value >>> 16) & 0xff, value >>> 24);
  return out;
}

/** The operand-size prefix for a size (16-bit code needs 0x66 in 32-bit mode). */
export function osize(size: Size): number[] {
  return size === 16 ? [0x66] : [];
}

/** One sequence under construction. */
export class SequenceBuilder {
  readonly bytes: number[] = [];
  readonly regs = new Uint32Array(8);
  /** Registers whose initial value is chosen. */
  private readonly assigned = new Set<number>();
  /** Registers the sequence must not write (address bases and indexes, ESP). */
  readonly pinned = new Set<number>();
  /** Registers an instruction of the sequence may have written (no longer usable as address bases). */
  private readonly written = new Set<number>();
  eflags: number;
  readonly memSeed: number;
  /** The data area as the generator knows it (the fill plus the pokes so far), filled on first use. */
  private memory: Uint8Array | undefined;
  /** Status flags undefined at this point of the sequence. */
  undef = 0;
  /** Extra EFLAGS bits to ignore at the end. */
  extraFlagsMask = 0;
  readonly regMask = new Uint32Array(8);
  readonly memMask = new Set<number>();
  private readonly lines: string[] = [];
  /**
   * Stack mode: memory operands are absolute or ESP-based (no other register is pinned, so POP,
   * POPA and LEAVE may write any register); `espNow` is ESP before the next instruction, when known.
   */
  stackMode = false;
  /** POPF images may set EFLAGS.AC (the alignment-check class). */
  alignmentChecks = false;
  espNow: number | undefined;

  constructor(
    readonly rng: Rng,
    readonly cls: string,
    readonly seed: number,
  ) {
    this.memSeed = rng.u32();
    this.eflags = 0x2 | IF | (rng.u32() & (STATUS | 0x400));
    this.pin(ESP, DATA_BASE + 0x1800 - 4 * rng.int(64));
  }

  /** Chooses a register's initial value. */
  setReg(reg: number, value: number): void {
    this.regs[reg] = value >>> 0;
    this.assigned.add(reg);
  }

  /** Chooses a register's initial value and keeps the sequence from writing it. */
  pin(reg: number, value: number): void {
    this.setReg(reg, value);
    this.pinned.add(reg);
  }

  /** Records that the sequence writes a register it did not get from destReg. */
  writes(reg: number): void {
    this.written.add(reg);
  }

  /** Whether the register's initial value is chosen already. */
  isAssigned(reg: number): boolean {
    return this.assigned.has(reg);
  }

  /** A register the sequence may write, for an operand of `size` (8-bit: AL..BH encodings). */
  destReg(size: Size): number {
    for (let tries = 0; ; tries++) {
      if (tries > 1000) throw new Error(`generator bug: no writable register left (pinned: ${[...this.pinned].join(',')})`);
      const r = this.rng.int(8);
      const full = size === 8 ? r & 3 : r;
      if (!this.pinned.has(full)) {
        this.written.add(full);
        return r;
      }
    }
  }

  /** A register to read (any). */
  srcReg(): number {
    return this.rng.int(8);
  }

  /** A random offset into the scratch page for an access of `bytes` bytes (sometimes unaligned). */
  scratchAddress(bytes: number): number {
    const off = this.alignmentChecks || this.rng.chance(0.5) ? this.rng.int(0x1000 - bytes) : this.rng.int((0x1000 - bytes) >> 2) << 2;
    return DATA_BASE + off;
  }

  /** A target that faults or straddles the end of the data area (page-fault cases). */
  faultingAddress(bytes: number): number {
    switch (this.rng.int(4)) {
      case 0:
        return DATA_BASE + DATA_SIZE - this.rng.range(1, Math.max(1, bytes - 1));
      case 1:
        return DATA_BASE - this.rng.range(1, 16);
      case 2:
        return 0x5000_0000 + this.rng.int(0x10000);
      default:
        return this.rng.int(0x1000);
    }
  }

  /** A memory target: mostly in the scratch page, with probability `faultP` one that faults. */
  target(bytes: number, faultP = 0.02): number {
    return this.rng.chance(faultP) ? this.faultingAddress(bytes) : this.scratchAddress(bytes);
  }

  /** The data area as the generator knows it. */
  get mem(): Uint8Array {
    if (!this.memory) {
      this.memory = new Uint8Array(DATA_SIZE);
      fillData(this.memSeed, this.memory);
    }
    return this.memory;
  }

  /** The data-area bytes at a linear address as the generator knows them (little-endian). */
  known(addr: number, bytes: number): number {
    let v = 0;
    for (let i = bytes - 1; i >= 0; i--) v = v * 256 + (this.mem[addr - DATA_BASE + i] ?? 0);
    return v >>> 0;
  }

  /** Whether pinning `reg` still leaves writable registers for 8-bit and wider destinations. */
  private canPin(reg: number): boolean {
    let low = 0;
    let all = 0;
    for (let r = 0; r < 8; r++) {
      if (r === reg || this.pinned.has(r)) continue;
      all++;
      if (r < 4) low++;
    }
    return low >= 1 && all >= 2;
  }

  private baseCandidate(allowPinned: boolean): number | undefined {
    const free: number[] = [];
    for (let r = 0; r < 8; r++) {
      if (r === ESP) continue;
      if (allowPinned && this.pinned.has(r)) free.push(r);
      else if (!this.assigned.has(r) && !this.written.has(r) && this.canPin(r)) free.push(r);
    }
    return free.length ? this.rng.pick(free) : undefined;
  }

  /**
   * ModRM (+ SIB + displacement) bytes for a memory operand at linear `target` with `regField` in
   * ModRM.reg, in a random 32-bit addressing form; base and index registers get values that make
   * the effective address `target` and are pinned.
   */
  memOperand(regField: number, target: number): number[] {
    const reg = (regField & 7) << 3;
    if (this.stackMode) {
      if (this.espNow !== undefined && this.rng.chance(0.5)) return [0x84 | reg, 0x24, ...imm(32, (target - this.espNow) | 0)];
      return [0x05 | reg, ...imm(32, target)];
    }
    const form = this.rng.int(9);
    const base = this.baseCandidate(true);
    if (form === 0 || base === undefined) return [0x05 | reg, ...imm(32, target)];
    const baseFree = !this.pinned.has(base);
    const disp8 = this.rng.range(-128, 127);
    if (form <= 3) {
      // [base], [base+disp8], [base+disp32]
      let mod = form === 1 ? 0 : form === 2 ? 1 : 2;
      if (!baseFree) mod = 2;
      if (mod === 0 && base === EBP) mod = 1;
      const disp = mod === 0 ? 0 : mod === 1 ? (form === 2 ? disp8 : 0) : baseFree ? this.rng.interesting() | 0 : (target - this.regs[base]!) | 0;
      if (baseFree) this.pin(base, (target - disp) >>> 0);
      return [(mod << 6) | reg | base, ...(mod === 1 ? [disp & 0xff] : mod === 2 ? imm(32, disp) : [])];
    }
    // SIB forms: index (never ESP, or none), scale, and a base (ESP allowed: its value is known).
    const scale = this.rng.int(4);
    let index = 4;
    if (form !== 8) {
      // Choose the index as if the base were pinned already (it will be), so both pins together
      // still leave destination registers.
      const provisional = !this.pinned.has(base);
      if (provisional) this.pinned.add(base);
      const cand = this.baseCandidate(true);
      if (provisional) this.pinned.delete(base);
      if (cand !== undefined && cand !== base) {
        index = cand;
        if (!this.pinned.has(index)) this.pin(index, this.rng.range(-40, 40) >>> 0);
      }
    }
    const indexPart = index === 4 ? 0 : Math.imul(this.regs[index]! | 0, 1 << scale);
    if (form === 7) {
      // [index*scale + disp32], no base
      return [0x04 | reg, (scale << 6) | ((index & 7) << 3) | 5, ...imm(32, (target - indexPart) | 0)];
    }
    const useEsp = this.rng.chance(0.2);
    const b = useEsp ? ESP : base;
    const known = useEsp || !baseFree;
    let mod = form === 4 || form === 8 ? 0 : form === 5 ? 1 : 2;
    if (known) mod = 2;
    if (mod === 0 && b === EBP) mod = 1;
    const disp = mod === 0 ? 0 : mod === 1 ? disp8 : known ? (target - this.regs[b]! - indexPart) | 0 : this.rng.interesting() | 0;
    if (!known) this.pin(b, (target - indexPart - disp) >>> 0);
    return [0x04 | reg | (mod << 6), (scale << 6) | ((index & 7) << 3) | b, ...(mod === 1 ? [disp & 0xff] : mod === 2 ? imm(32, disp) : [])];
  }

  /** Emits an instruction, first defining any undefined flag it reads. */
  instr(text: string, bytes: readonly number[], fx: FlagEffect = {}): void {
    if ((fx.reads ?? 0) & this.undef) this.defineFlags();
    this.bytes.push(...bytes);
    this.lines.push(text);
    this.undef = (this.undef & ~(fx.sets ?? 0)) | (fx.undef ?? 0);
  }

  /** CMP of two random registers: all six status flags defined again. */
  defineFlags(): void {
    const a = this.rng.int(8);
    const b = this.rng.int(8);
    this.instr(`cmp ${a},${b}`, [0x39, 0xc0 | (b << 3) | a], { sets: STATUS });
  }

  /** MOV dword [addr], imm32 (C7 05): sets known memory contents inside the sequence. */
  poke32(addr: number, value: number): void {
    this.instr(`mov [${hex(addr)}], ${hex(value)}`, [0xc7, 0x05, ...imm(32, addr), ...imm(32, value)]);
    const off = addr - DATA_BASE;
    for (let i = 0; i < 4; i++) if (off + i >= 0 && off + i < DATA_SIZE) this.mem[off + i] = (value >>> (8 * i)) & 0xff;
  }

  /** Marks the bytes [addr, addr+bytes) of the data area as undefined at the end. */
  maskMemory(addr: number, bytes: number): void {
    for (let i = 0; i < bytes; i++) this.memMask.add(addr - DATA_BASE + i);
  }

  /** Finishes the case: unchosen registers random, the final int3 appended. */
  finish(): Case {
    for (let r = 0; r < 8; r++) if (!this.assigned.has(r)) this.regs[r] = this.rng.interesting();
    const code = Uint8Array.from([...this.bytes, 0xcc]);
    if (code.length > 0x1000) throw new Error('sequence too long');
    return {
      cls: this.cls,
      seed: this.seed,
      code,
      regs: this.regs,
      eflags: this.eflags,
      memSeed: this.memSeed,
      flagsMask: this.undef | this.extraFlagsMask,
      regMask: this.regMask,
      memMask: this.memMask,
      text: this.lines.join('; '),
    };
  }
}

/** Hex for messages. */
export function hex(v: number, digits = 8): string {
  return '0x' + (v >>> 0).toString(16).padStart(digits, '0');
}

/** The linear address of the next byte the builder emits (for relative branches). */
export function here(b: SequenceBuilder): number {
  return CODE_BASE + b.bytes.length;
}
