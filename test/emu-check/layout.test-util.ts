/**
 * What both sides of the real-CPU comparison agree on: the fixed linear addresses of the code page
 * and the data area, the data area's seeded fill, the EFLAGS bits, and the shapes of a test case
 * and of its outcome.
 */

/** Linear address of the page the sequence's code runs from (both sides). */
export const CODE_BASE = 0x1000_0000;
/** Size of the code page. */
export const CODE_SIZE = 0x1000;
/** Linear address of the data area: a scratch page, then the stack page. */
export const DATA_BASE = 0x2000_0000;
/** Size of the data area (scratch page + stack page). */
export const DATA_SIZE = 0x2000;
/** Start of the stack page inside the data area. */
export const STACK_PAGE = DATA_BASE + 0x1000;
/** The flat user code and data selectors Linux gives 32-bit processes (__USER32_CS, __USER_DS). */
export const USER_CS = 0x23;
/** See USER_CS. */
export const USER_DS = 0x2b;

/** General registers in encoding order. */
export const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
/** Register names by encoding, for messages. */
export const REG_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;

/** EFLAGS bits. */
export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, IF = 0x200, DF = 0x400, OF = 0x800;
/** More EFLAGS bits. */
export const NT = 0x4000, RF = 0x10000, AC = 0x40000, ID = 0x200000;
/** The six arithmetic status flags. */
export const STATUS = CF | PF | AF | ZF | SF | OF;

/** Exception vectors the comparison meets. */
export const DE = 0, DB = 1, BP = 3, OFV = 4, BR = 5, UD = 6, GP = 13, PF_VECTOR = 14, AC_VECTOR = 17;
/** Outcome.vector of a sequence that ran to its final int3. */
export const COMPLETED = -1;
/** Outcome.vector when the software CPU did not finish the sequence (see Outcome.note). */
export const STUCK = -2;

/** Fills `out` (DATA_SIZE bytes) as the harness does: xorshift32 words from `seed`, little-endian (x86 hosts only). */
export function fillData(seed: number, out: Uint8Array): void {
  const words = new Uint32Array(out.buffer, out.byteOffset, out.length >>> 2);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
}

/** One generated sequence: its bytes (ending in int3), the state it starts from, and what to ignore. */
export interface Case {
  /** Instruction class (the generator's name). */
  readonly cls: string;
  /** The seed this case was generated from (replays it alone). */
  readonly seed: number;
  /** Machine code placed at CODE_BASE; the last byte is the int3 that ends the sequence. */
  readonly code: Uint8Array;
  /** Initial EAX..EDI. */
  readonly regs: Uint32Array;
  /** Initial EFLAGS (user-settable bits; IF set). */
  readonly eflags: number;
  /** Seed of the data area's fill. */
  readonly memSeed: number;
  /** EFLAGS bits the SDM leaves undefined at the end of this sequence. */
  readonly flagsMask: number;
  /** Register bits the SDM leaves undefined at the end (per register). */
  readonly regMask: Uint32Array;
  /** Data-area byte offsets whose final value the SDM leaves undefined. */
  readonly memMask: ReadonlySet<number>;
  /** A readable listing of the instructions, for failure messages. */
  readonly text: string;
}

/** What a sequence did, on either side. */
export interface Outcome {
  /** COMPLETED, or the exception vector that ended it. */
  readonly vector: number;
  /** The exception's error code (0 when it has none). */
  readonly errorCode: number;
  /** CR2 after a page fault (meaningful only for vector 14). */
  readonly cr2: number;
  /** EIP: the final int3 when completed, the faulting instruction for a fault. */
  readonly eip: number;
  readonly regs: Uint32Array;
  readonly eflags: number;
  /** Segment selectors ES, CS, SS, DS, FS, GS. */
  readonly segs: Uint16Array;
  /** Data-area bytes that differ from the fill: offset -> new value. */
  readonly changes: ReadonlyMap<number, number>;
  /** Why the run ended abnormally (STUCK). */
  readonly note?: string;
}
