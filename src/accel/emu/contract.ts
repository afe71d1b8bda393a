/**
 * The contracts between tkvm's software CPU (`-accel emu`, issue 6) and the rest of the machine:
 * what the CPU needs from the machine (physical memory, ports, an interrupt line), what the machine
 * gets from the CPU (run for a while, stop, reset, state), and how the x87/MMX/SSE unit plugs into
 * the integer core. Interfaces only; each side lives in its own files under src/accel/emu/.
 */

/** 4 KiB page frame size, the granule of the physical map and of the decoded-block cache. */
export const PAGE_SIZE = 4096;

/**
 * The guest-physical address space as the CPU sees it. RAM and ROM pages are byte arrays the CPU
 * reads and writes directly; everything else is MMIO, dispatched to the machine's MMIO bus.
 */
export interface EmuPhysicalMemory {
  /**
   * The 4096 bytes backing page frame `pfn` (gpa >>> 12) when it is RAM or ROM, else undefined
   * (MMIO). The array stays valid until `generation` changes.
   */
  page(pfn: number): Uint8Array | undefined;
  /** False for ROM and write-protected shadow RAM: CPU writes there go to mmioWrite instead. */
  writable(pfn: number): boolean;
  /** Bumped on every change of the map (PAM, BAR moves, ROM mapping): drop cached lookups then. */
  readonly generation: number;
  /** A read of `size` bytes (1, 2 or 4) at a gpa that is not RAM; unassigned space reads all ones. */
  mmioRead(gpa: number, size: 1 | 2 | 4): number;
  /** A write of `size` bytes (1, 2 or 4) at a gpa that is not writable RAM. */
  mmioWrite(gpa: number, size: 1 | 2 | 4, value: number): void;
  /**
   * Pages written by someone other than the CPU (device DMA, the firmware loader) since the last
   * call, so decoded code on them can be dropped; the CPU calls this before running a block.
   * Returns undefined when nothing changed.
   */
  takeForeignWrites(): Iterable<number> | undefined;
}

/** Port I/O as the CPU issues it; values are unsigned, `size` 1, 2 or 4 bytes. */
export interface EmuPortIo {
  ioRead(port: number, size: 1 | 2 | 4): number;
  ioWrite(port: number, size: 1 | 2 | 4, value: number): void;
}

/**
 * The CPU's INTR pin and its interrupt-acknowledge cycle, as the local APIC (with the 8259A pair
 * behind LINT0 in ExtINT mode) presents them to one processor.
 */
export interface EmuInterruptPin {
  /** True while a maskable interrupt is pending for this CPU (the CPU checks EFLAGS.IF itself). */
  hasInterrupt(): boolean;
  /** The INTA cycle: the vector to deliver now, or -1 when the request went away (spurious). */
  acknowledge(): number;
  /** Optional NMI latch: true once per NMI. */
  takeNmi?(): boolean;
  /** Optional, when the CPU has a local APIC: RDMSR IA32_APIC_BASE (0x1B), low dword (the high one is 0). */
  readApicBaseMsr?(): number;
  /** Optional: WRMSR IA32_APIC_BASE with EDX:EAX = hi:lo; false when the CPU must raise #GP(0). */
  writeApicBaseMsr?(lo: number, hi: number): boolean;
}

/** One segment register's visible and hidden parts (the kvm_segment shape, 32-bit numbers). */
export interface EmuSegment {
  selector: number;
  base: number;
  limit: number;
  /** Descriptor type (4 bits), S, DPL, P, AVL, L, D/B, G as in KVM's struct kvm_segment. */
  type: number;
  s: boolean;
  dpl: number;
  present: boolean;
  db: boolean;
  g: boolean;
}

/** Architectural state, for tests, the real-CPU comparison harness and direct kernel boot. */
export interface EmuCpuState {
  /** EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI in encoding order, unsigned 32-bit. */
  gpr: number[];
  eip: number;
  eflags: number;
  cs: EmuSegment;
  ds: EmuSegment;
  es: EmuSegment;
  fs: EmuSegment;
  gs: EmuSegment;
  ss: EmuSegment;
  tr: EmuSegment;
  ldtr: EmuSegment;
  gdtr: { base: number; limit: number };
  idtr: { base: number; limit: number };
  cr0: number;
  cr2: number;
  cr3: number;
  cr4: number;
  efer: number;
}

/** Why `run` returned. */
export type EmuStopReason =
  /** The instruction budget ran out. */
  | 'budget'
  /** HLT with interrupts that cannot arrive now (or IF=1 and nothing pending): the machine may sleep until a timer or device event. */
  | 'halted'
  /** A triple fault (shutdown cycle): the PC resets. */
  | 'shutdown'
  /** requestStop() was called (for example by a device handler that must unwind). */
  | 'stopped'
  /** hooks.exception answered 'stop'. */
  | 'exception';

/** Test and harness hooks. */
export interface EmuCpuHooks {
  /** Called before an exception is delivered; 'stop' ends run() with reason 'exception' instead. */
  exception?(vector: number, errorCode: number | undefined): 'deliver' | 'stop';
}

/** What the machine holds: one software processor. */
export interface EmuCpu {
  /** Power-on / RESET state: real mode, CS.selector 0xF000 with base 0xFFFF0000, EIP 0xFFF0, EDX = family/model/stepping. */
  reset(): void;
  /** Executes up to `maxInstructions` instructions (interrupts are taken between instructions). */
  run(maxInstructions: number): EmuStopReason;
  /** Ends the current run() after the current instruction (safe to call from I/O handlers). */
  requestStop(): void;
  /** Instructions retired since creation (for the instruction rate). */
  readonly retired: number;
  getState(): EmuCpuState;
  setState(state: EmuCpuState): void;
  /** MSR access for boot state and tests (values as bigint, as in the KVM API). */
  readMsr(index: number): bigint | undefined;
  writeMsr(index: number, value: bigint): void;
  /**
   * Optional: the INIT signal (SDM vol. 3 table 9-1): RESET's register state, but x87/SSE state,
   * MTRRs, other MSRs and the TSC are kept. The machine then runs the BSP from the reset vector
   * and puts an AP in wait-for-SIPI.
   */
  init?(): void;
  /**
   * Optional, for a multiprocessor: the other processors of the same machine, run by the same
   * thread in turn. This CPU's writes then drop what they overwrite of the peers' decoded code.
   */
  shareCodeWith?(peers: readonly EmuCpu[]): void;
  /**
   * Optional, for a multiprocessor: while on, PAUSE (the spin-wait hint, F3 90) ends run() after
   * it with reason 'budget', so a CPU spinning on a lock hands the thread to the CPU holding it.
   */
  setPauseYield?(on: boolean): void;
}

/** How the CPU is built: the machine's memory, ports and interrupt pin, plus its identity. */
export interface EmuCpuWiring {
  readonly memory: EmuPhysicalMemory;
  readonly io: EmuPortIo;
  readonly interrupts: EmuInterruptPin;
  /** Local APIC id reported by CPUID leaf 1 (EBX[31:24]). */
  readonly apicId: number;
  /** Logical processor count reported by CPUID. */
  readonly cpus: number;
  /** The TSC's source (ns on the machine's monotonic clock); the CPU scales it to its TSC rate. */
  readonly clockNs: () => number;
  readonly hooks?: EmuCpuHooks;
}

/**
 * Linear-address memory access for the x87/MMX/SSE unit. The core applies segmentation first
 * (the unit receives linear addresses) and paging inside these calls; a fault throws the core's
 * own exception object, which the unit lets pass through untouched.
 */
export interface EmuLinearMemory {
  read8(linear: number): number;
  read16(linear: number): number;
  read32(linear: number): number;
  write8(linear: number, value: number): void;
  write16(linear: number, value: number): void;
  write32(linear: number, value: number): void;
  /** Checks that [linear, linear+len) can be written (all-or-nothing stores like FSAVE, FXSAVE, MOVDQU). */
  probeWrite(linear: number, len: number): void;
}

/** What the floating-point unit needs to know about one decoded instruction. */
export interface EmuFpuOperand {
  /** The ModRM byte. */
  readonly modrm: number;
  /** Linear address of the memory operand, or -1 for the register form (mod = 3). */
  readonly linear: number;
  /** 32-bit operand size (FSTENV/FSAVE/FLDENV/FRSTOR layouts) and whether the CPU is in real or v86 mode. */
  readonly operand32: boolean;
  readonly realOrV86: boolean;
  /** CS:EIP of this instruction and the memory operand's segment:offset, for FIP/FCS/FDP/FDS. */
  readonly cs: number;
  readonly eip: number;
  readonly ds: number;
  readonly offset: number;
  /**
   * Optional: the linear address of DS:(E)DI (segment override applied) for MASKMOVQ/MASKMOVDQU,
   * whose destination is implicit (their ModRM is a register form).
   */
  readonly implicitLinear?: number;
}

/** Exceptions the FP unit raises; the core delivers them (`#MF` 16, `#XM` 19, `#UD` 6, `#GP` 13). */
export class EmuFpuFault extends Error {
  constructor(readonly vector: 6 | 13 | 16 | 19) {
    super(`fpu exception ${vector}`);
  }
}

/**
 * The x87 FPU, MMX and SSE/SSE2 state and execution, called by the core after it has decoded the
 * instruction and checked CR0.EM/TS/MP (#NM) and CR4.OSFXSR (#UD) as the SDM says.
 */
export interface EmuFpuUnit {
  /** FINIT-like power-on state (RESET: FCW 0x40, MXCSR 0x1F80, registers zero). */
  reset(): void;
  /**
   * Executes an x87 escape: `opcode` 0xD8..0xDF with its ModRM and operand. `gpr` (optional, as
   * for simd) receives AX for FNSTSW AX.
   */
  x87(opcode: number, op: EmuFpuOperand, mem: EmuLinearMemory, gpr?: Uint32Array): void;
  /**
   * Executes an MMX/SSE/SSE2 instruction of the 0F map: `prefix` is the mandatory prefix in force
   * (0, 0x66, 0xF2 or 0xF3), `opcode` the byte after 0F (0x38xx / 0x3Axx for the three-byte maps),
   * `imm` the immediate byte or -1, `gpr` the integer register file (EAX..EDI, read and written
   * for MOVD, PEXTRW, CVT*SI, MOVMSK, PMOVMSKB).
   * An unmasked SIMD floating-point exception throws EmuFpuFault(19) with MXCSR's flags updated
   * and the destination unchanged; the core delivers #XM when CR4.OSXMMEXCPT is set, else #UD.
   */
  simd(prefix: number, opcode: number, op: EmuFpuOperand, imm: number, gpr: Uint32Array, mem: EmuLinearMemory): void;
  /** Whether opcode (0F map, with its mandatory prefix) is one this unit implements and takes an imm8: the core's decoder asks. */
  simdInfo(prefix: number, opcode: number): { readonly known: boolean; readonly imm8: boolean };
  /** FXSAVE / FXRSTOR image (512 bytes) at a 16-byte aligned linear address. */
  fxsave(linear: number, mem: EmuLinearMemory): void;
  fxrstor(linear: number, mem: EmuLinearMemory): void;
  /** FWAIT/WAIT: raises #MF when an unmasked x87 exception is pending. */
  wait(): void;
  /** LDMXCSR/STMXCSR (setting reserved bits throws EmuFpuFault(13), as LDMXCSR's #GP). */
  mxcsr: number;
  /**
   * Optional: EFLAGS as the unit sees it. The core writes it before x87()/simd() (FCMOVcc reads
   * CF/ZF/PF) and reads it back after (FCOMI/FUCOMI/FCOMIP/FUCOMIP and COMISS/UCOMISS/COMISD/
   * UCOMISD write ZF, PF, CF and clear OF, SF, AF).
   */
  eflags?: number;
}
