/**
 * The processor's state in typed arrays and plain number fields: the register file, the segment
 * descriptor caches, lazy flags, system registers, the software TLB and the decoded-instruction
 * fields of the instruction being executed. Behaviour lives in the modules that take a Core.
 */
import type { EmuCpuHooks, EmuFpuUnit, EmuInterruptPin, EmuPhysicalMemory, EmuPortIo } from '../contract.js';
import { CS, REG_SLOTS, SS } from './constants.js';

/** Entries of the direct-mapped software TLB. */
export const TLB_SIZE = 4096;
/** Mask selecting a TLB slot from a linear page number. */
export const TLB_MASK = TLB_SIZE - 1;

/** TLB permission bits: read/write/execute for supervisor and user accesses. */
export const P_RS = 1, P_WS = 2, P_RU = 4, P_WU = 8, P_XS = 16, P_XU = 32;

/** The object thrown for a processor exception; the vector and error code are on the Core. */
export const CPU_FAULT: { readonly kind: 'cpu-fault' } = { kind: 'cpu-fault' };

/** A decoded block of instructions starting at one physical address. */
export interface Block {
  /** Decoded rows, ROW_STRIDE numbers per instruction. */
  readonly rows: Int32Array;
  readonly count: number;
  /** Physical page frame of the block (a block never spans pages). */
  readonly pfn: number;
  /** Cache key (physical address and decode mode). */
  readonly key: number;
  /** Byte range [start, end) of the page the block's instructions occupy. */
  readonly start: number;
  readonly end: number;
  valid: boolean;
  /** Times the block was entered (the compiler's hotness count) and its compiled function, if any. */
  hits: number;
  fn: ((c: Core) => void) | undefined;
}

/** All state of one software processor. */
export class Core {
  /** General-purpose registers (EAX..EDI; slot 16 is always zero). */
  readonly r = new Uint32Array(REG_SLOTS);
  eip = 0;
  /** EFLAGS with the arithmetic flags that are not lazy. */
  flags = 2;
  /** Lazy arithmetic flags: which of CF/PF/AF/ZF/SF/OF are still to be computed from lOp/lA/lB/lR. */
  lMask = 0;
  /** 0 add-like, 1 sub-like, 2 result-only. */
  lOp = 0;
  lA = 0;
  lB = 0;
  lR = 0;
  /** Operand size in bytes of the lazy operation (1, 2, 4). */
  lSize = 4;

  /** Segment caches, indexed ES CS SS DS FS GS LDTR TR. */
  readonly segSel = new Uint16Array(8);
  readonly segBase = new Uint32Array(8);
  readonly segLimit = new Uint32Array(8);
  /** Attribute word (type, S, DPL, P, AVL, L, D/B, G). */
  readonly segAttr = new Uint32Array(8);
  /** Lowest and highest valid offsets (expand-down aware). */
  readonly segLo = new Uint32Array(8);
  readonly segHi = new Uint32Array(8);
  /** SEG_READ / SEG_WRITE / SEG_VALID. */
  readonly segAcc = new Uint8Array(8);

  gdtBase = 0;
  gdtLimit = 0xffff;
  idtBase = 0;
  idtLimit = 0x3ff;
  cr0 = 0x60000010;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  efer = 0;
  readonly dr = new Uint32Array(8);
  cpl = 0;
  /** CS.D: 32-bit default operand and address size. */
  code32 = false;
  /** SS.B: 32-bit stack pointer. */
  stack32 = false;

  halted = false;
  /** Interrupt shadow after STI / MOV SS / POP SS. */
  shadow = false;
  stopRequested = false;
  /** Set by instructions after which the current block must not go on. */
  breakBlock = false;
  retired = 0;
  /** run()'s instruction target. */
  target = 0;
  /** PAUSE ends run() (another processor waits for its turn: EmuCpu.setPauseYield). */
  pauseYield = false;
  /** Pending exception set by raise(). */
  faultVector = 0;
  faultCode = -1;
  /** How the pending exception is delivered: 2 (exception/hardware) unless a trap instruction said 1 (INT3/INTO, DPL-checked). */
  faultKind = 2;
  /** The event being delivered is a fault: its pushed EFLAGS image has RF set. */
  faultRf = false;
  /** A single-step #DB trap is due after the instruction just executed. */
  trapPending = false;
  nmiPending = false;
  nmiBlocked = false;
  /** Cleared TLB and block cache are rebuilt when memory.generation moves. */
  memGeneration = -1;

  /** MSRs the core keeps. */
  sysenterCs = 0;
  sysenterEsp = 0;
  sysenterEip = 0;
  /** TSC = clockNs() + tscOffset (a 1 GHz TSC). */
  tscOffset = 0;
  apicBase = 0xfee00900;
  pat = 0x0007040600070406n;
  miscEnable = 1n;
  readonly mtrr = new Map<number, bigint>();

  /** Access permission masks for the current privilege level. */
  permR = P_RS;
  permW = P_WS;
  permX = P_XS;
  /** CR0.AM, EFLAGS.AC and CPL 3 all hold: misaligned user data accesses raise #AC(0) (see updateAlignCheck). */
  alignCheck = false;
  /** Software TLB: linear page numbers (-1 empty), fast-path and architectural permissions, backing arrays, physical page numbers. */
  readonly tlbLp = new Int32Array(TLB_SIZE).fill(-1);
  readonly tlbFast = new Uint8Array(TLB_SIZE);
  readonly tlbAllow = new Uint8Array(TLB_SIZE);
  readonly tlbGlobal = new Uint8Array(TLB_SIZE);
  readonly tlbPfn = new Int32Array(TLB_SIZE);
  readonly tlbMem: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(TLB_SIZE).fill(undefined);
  /** Per page frame below 4 GiB: CODE_OWN when this core decoded code there, CODE_PEER when another core of the machine may have (code-pages.ts). */
  readonly codePage = new Uint8Array(1 << 20);
  /** The other processors of the machine, whose decoded code this core's writes must invalidate (empty on a uniprocessor). */
  codePeers: readonly Core[] = [];
  readonly blocks = new Map<number, Block>();
  readonly pageBlocks = new Map<number, Block[]>();
  /** Per code page, one bit per byte that decoded instructions occupy (writes elsewhere on the page keep the code). */
  readonly codeBits = new Map<number, Uint8Array>();
  /** Direct-mapped front cache of blocks in front of the `blocks` map. */
  readonly frontBlock: (Block | undefined)[] = new Array<Block | undefined>(4096).fill(undefined);
  /** TLB slots that may hold an entry (so flushes touch only those). */
  readonly tlbUsed = new Int32Array(TLB_SIZE);
  tlbUsedCount = 0;
  readonly tlbListed = new Uint8Array(TLB_SIZE);
  /** Page frame of the block being executed (-1 none). */
  curPfn = -1;
  /** Per TLB slot: the page is writable RAM (not ROM, not MMIO). */
  readonly tlbRamW = new Uint8Array(TLB_SIZE);

  /** Fields of the instruction being executed (loaded from its decoded row). */
  op = 0;
  info = 0;
  modrm = 0;
  mem = 0;
  disp = 0;
  imm = 0;
  imm2 = 0;
  /** Operand and address size in bytes (2 or 4) of the current instruction. */
  osz = 4;
  asz = 4;
  /** Effective segment of the memory operand. */
  seg = 3;
  nextEip = 0;
  /** Linear address of a read-modify-write memory operand. */
  rmwLin = 0;

  constructor(
    readonly memory: EmuPhysicalMemory,
    readonly io: EmuPortIo,
    readonly pin: EmuInterruptPin,
    readonly apicId: number,
    readonly cpus: number,
    readonly clockNs: () => number,
    readonly hooks: EmuCpuHooks | undefined,
    readonly fpu: EmuFpuUnit | undefined,
  ) {}

  /** Real mode or virtual-8086: segment registers hold paragraph numbers. */
  get realOrV86(): boolean {
    return (this.cr0 & 1) === 0 || (this.flags & 0x20000) !== 0;
  }
}

/** Raises a processor exception: records it and unwinds to the run loop. */
export function raise(c: Core, vector: number, code: number = -1): never {
  c.faultVector = vector;
  c.faultCode = code;
  throw CPU_FAULT;
}

/** Reads register `i` with `size` bytes (byte registers AH..BH are 4..7). */
export function getReg(c: Core, size: number, i: number): number {
  if (size === 4) return c.r[i]!;
  if (size === 2) return c.r[i]! & 0xffff;
  return i < 4 ? c.r[i]! & 0xff : (c.r[i - 4]! >>> 8) & 0xff;
}

/** Writes register `i` with `size` bytes, keeping the other bytes. */
export function setReg(c: Core, size: number, i: number, v: number): void {
  if (size === 4) c.r[i] = v;
  else if (size === 2) c.r[i] = (c.r[i]! & 0xffff0000) | (v & 0xffff);
  else if (i < 4) c.r[i] = (c.r[i]! & 0xffffff00) | (v & 0xff);
  else c.r[i - 4] = (c.r[i - 4]! & 0xffff00ff) | ((v & 0xff) << 8);
}

/** Value mask for an operand size in bytes. */
export function sizeMask(size: number): number {
  return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
}

/** Sign-extends a value of `size` bytes to a signed 32-bit number. */
export function signExtend(v: number, size: number): number {
  return size === 4 ? v | 0 : size === 2 ? (v << 16) >> 16 : (v << 24) >> 24;
}

/** Updates the cached stack/code sizes after CS or SS changed. */
export function refreshSegSizes(c: Core): void {
  const v86 = (c.flags & 0x20000) !== 0;
  c.code32 = (c.segAttr[CS]! & 0x4000) !== 0 && !v86;
  c.stack32 = (c.segAttr[SS]! & 0x4000) !== 0 && !v86;
}
