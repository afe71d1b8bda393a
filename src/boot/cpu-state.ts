/**
 * The vCPU state a boot path (bzImage, PVH, firmware reset) asks for, independent of KVM's
 * structures, so the software CPU can start from the same description.
 */

/** A segment register's hidden part, in the form KVM's kvm_segment uses. */
export interface SegmentState {
  readonly selector: number;
  readonly base: number;
  readonly limit: number;
  /** Descriptor type field (4 bits), e.g. 0xb = execute/read accessed code, 0x3 = read/write accessed data. */
  readonly type: number;
  readonly present: boolean;
  readonly dpl: number;
  /** Default operation size (1 = 32-bit). */
  readonly db: boolean;
  /** Code or data (true), vs. system segment (false). */
  readonly s: boolean;
  /** 64-bit code segment. */
  readonly l: boolean;
  /** Granularity (limit in 4 KiB units). */
  readonly g: boolean;
}

/** Registers at entry; anything absent starts as after reset (zero). */
export interface BootCpuState {
  readonly rip: number;
  readonly rsp?: number;
  readonly rsi?: number;
  readonly rbx?: number;
  readonly rflags?: number;
  readonly cr0: number;
  readonly cr3?: number;
  readonly cr4?: number;
  readonly efer?: number;
  readonly cs: SegmentState;
  /** Used for DS, ES, FS, GS and SS. */
  readonly data: SegmentState;
  /** Task register's hidden part; absent = leave KVM's default (the PVH spec asks for a 32-bit TSS). */
  readonly tr?: SegmentState;
  readonly gdt?: { readonly base: number; readonly limit: number };
  readonly idt?: { readonly base: number; readonly limit: number };
}
