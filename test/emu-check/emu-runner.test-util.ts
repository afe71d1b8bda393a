/**
 * The software-CPU side of the comparison: tkvm's EmuCpu in 32-bit flat protected mode with
 * paging at CPL 3, over a small physical memory whose page tables map the code page and the data
 * area at the same linear addresses as the native harness (everything else not present, so a bad
 * address is a #PF there as it is a SIGSEGV natively), and a GDT holding Linux's user selectors.
 */
import type { EmuCpu, EmuCpuState, EmuCpuWiring, EmuPhysicalMemory, EmuSegment } from '../../src/accel/emu/contract.js';
import { BP, CODE_BASE, COMPLETED, GP, DATA_BASE, DATA_SIZE, STUCK, USER_CS, USER_DS, fillData, type Case, type Outcome } from './layout.test-util.js';

/** The core's factory, as src/accel/emu/cpu/index.ts exports it. */
export type CreateEmuCpu = (wiring: EmuCpuWiring) => EmuCpu;

/** Loads the integer core, or says why it is not there yet (a skip reason). */
export async function loadEmuCore(): Promise<CreateEmuCpu | string> {
  // A computed specifier: this branch builds before the core's module exists.
  const spec = '../../src/accel/emu/cpu/index.js';
  try {
    const mod = (await import(spec)) as { createEmuCpu?: CreateEmuCpu };
    if (typeof mod.createEmuCpu !== 'function') return 'src/accel/emu/cpu/index.ts does not export createEmuCpu yet';
    return mod.createEmuCpu;
  } catch (e) {
    return `the software CPU core (src/accel/emu/cpu) is not available: ${(e as Error).message.split('\n')[0]}`;
  }
}

/** Enough for any generated sequence (REP strings included); more means a runaway. */
const MAX_INSTRUCTIONS = 100_000;
/** The #GP error code of INT3 through an IDT whose limit excludes vector 3 (IDT bit set). */
const INT3_THROUGH_EMPTY_IDT = (3 << 3) | 2;

// Physical page frames.
const PD = 0, PT_CODE = 1, PT_DATA = 2, PT_GDT = 3, CODE = 4, DATA0 = 5, GDT = 7;
const PAGES = 8;
const GDT_LINEAR = 0x3000_0000;

/** Plain-array physical memory: RAM pages 0..7, everything else unassigned. */
class ArrayMemory implements EmuPhysicalMemory {
  readonly pages: Uint8Array[] = [];
  readonly generation = 0;
  private foreign: number[] = [];

  constructor() {
    for (let i = 0; i < PAGES; i++) this.pages.push(new Uint8Array(4096));
  }
  page(pfn: number): Uint8Array | undefined {
    return this.pages[pfn];
  }
  writable(pfn: number): boolean {
    return pfn < PAGES;
  }
  mmioRead(_gpa: number, size: 1 | 2 | 4): number {
    return size === 4 ? 0xffffffff : (1 << (8 * size)) - 1;
  }
  mmioWrite(): void {}
  /** Records pages the test rewrote behind the CPU's back. */
  touched(...pfns: number[]): void {
    this.foreign.push(...pfns);
  }
  takeForeignWrites(): Iterable<number> | undefined {
    if (this.foreign.length === 0) return undefined;
    const out = this.foreign;
    this.foreign = [];
    return out;
  }
  write32(gpa: number, value: number): void {
    const p = this.pages[gpa >>> 12]!;
    const o = gpa & 0xfff;
    p[o] = value & 0xff;
    p[o + 1] = (value >>> 8) & 0xff;
    p[o + 2] = (value >>> 16) & 0xff;
    p[o + 3] = value >>> 24;
  }
}

function seg(selector: number, type: number, dpl: number, present = true, s = true): EmuSegment {
  return { selector, base: 0, limit: present ? 0xffffffff : 0, type, s, dpl, present, db: present, g: present };
}

/** One software CPU set up for the comparison, reused across cases. */
export class EmuSide {
  private readonly mem = new ArrayMemory();
  private readonly cpu: EmuCpu;
  private lastVector = COMPLETED;
  private lastError = 0;
  private readonly fill = new Uint8Array(DATA_SIZE);
  private codeLength = 0;

  constructor(create: CreateEmuCpu) {
    const m = this.mem;
    // Page directory entries and page tables: user pages for code and data, a supervisor page for the GDT.
    m.write32(PD * 4096 + (CODE_BASE >>> 22) * 4, (PT_CODE << 12) | 7);
    m.write32(PD * 4096 + (DATA_BASE >>> 22) * 4, (PT_DATA << 12) | 7);
    m.write32(PD * 4096 + (GDT_LINEAR >>> 22) * 4, (PT_GDT << 12) | 7);
    m.write32(PT_CODE * 4096 + ((CODE_BASE >>> 12) & 0x3ff) * 4, (CODE << 12) | 7);
    for (let i = 0; i < DATA_SIZE / 4096; i++) m.write32(PT_DATA * 4096 + (((DATA_BASE >>> 12) + i) & 0x3ff) * 4, ((DATA0 + i) << 12) | 7);
    m.write32(PT_GDT * 4096 + ((GDT_LINEAR >>> 12) & 0x3ff) * 4, (GDT << 12) | 3);
    // GDT: 0x23 flat 32-bit user code (type B, DPL 3), 0x2B flat user data (type 3, DPL 3).
    m.write32(GDT * 4096 + 0x20, 0x0000ffff);
    m.write32(GDT * 4096 + 0x24, 0x00cffb00);
    m.write32(GDT * 4096 + 0x28, 0x0000ffff);
    m.write32(GDT * 4096 + 0x2c, 0x00cff300);
    const wiring: EmuCpuWiring = {
      memory: m,
      io: { ioRead: () => 0xffffffff, ioWrite: () => {} },
      interrupts: { hasInterrupt: () => false, acknowledge: () => -1 },
      apicId: 0,
      cpus: 1,
      clockNs: () => 0,
      hooks: {
        exception: (vector, errorCode) => {
          this.lastVector = vector;
          this.lastError = errorCode ?? 0;
          return 'stop';
        },
      },
    };
    this.cpu = create(wiring);
    this.cpu.reset();
  }

  private initialState(c: Case): EmuCpuState {
    return {
      gpr: Array.from(c.regs),
      eip: CODE_BASE,
      eflags: c.eflags,
      cs: seg(USER_CS, 0xb, 3),
      ds: seg(USER_DS, 0x3, 3),
      es: seg(USER_DS, 0x3, 3),
      ss: seg(USER_DS, 0x3, 3),
      fs: seg(0, 0, 0, false),
      gs: seg(0, 0, 0, false),
      tr: { ...seg(0x80, 0xb, 0, true, false), limit: 0x67, db: false, g: false },
      ldtr: seg(0, 0, 0, false, false),
      gdtr: { base: GDT_LINEAR, limit: 0x7f },
      idtr: { base: 0, limit: 0 },
      // PE MP ET NE WP AM PG, as Linux runs user code.
      cr0: 0x80050033,
      cr2: 0,
      cr3: PD * 4096,
      cr4: 0,
      efer: 0,
    };
  }

  /** Runs one case to its final int3 or first exception. */
  run(c: Case): Outcome {
    const m = this.mem;
    const code = m.pages[CODE]!;
    code.fill(0, 0, this.codeLength);
    code.set(c.code);
    this.codeLength = c.code.length;
    fillData(c.memSeed, this.fill);
    for (let i = 0; i < DATA_SIZE / 4096; i++) m.pages[DATA0 + i]!.set(this.fill.subarray(i * 4096, (i + 1) * 4096));
    m.touched(CODE);
    this.cpu.setState(this.initialState(c));
    const end = CODE_BASE + c.code.length - 1;
    this.lastVector = COMPLETED;
    this.lastError = 0;
    // One run to the final int3. INT3 is a software exception the core delivers without asking
    // hooks.exception; through this CPU's empty IDT that is #GP(3*8+2) at the int3, reported to the
    // hook: that, or a #BP the hook sees, at the final int3 means the sequence completed.
    const why = this.cpu.run(MAX_INSTRUCTIONS);
    const state = this.cpu.getState();
    let stop = '';
    if (why === 'exception') {
      const atEnd = state.eip === end || state.eip === end + 1;
      if (atEnd && (this.lastVector === BP || (this.lastVector === GP && this.lastError === INT3_THROUGH_EMPTY_IDT))) {
        this.lastVector = COMPLETED;
        this.lastError = 0;
        state.eip = end;
      }
    } else stop = why === 'budget' ? `did not reach the end in ${MAX_INSTRUCTIONS} instructions` : `run() returned '${why}'`;
    const changes = new Map<number, number>();
    const fillWords = new Uint32Array(this.fill.buffer);
    for (let p = 0; p < DATA_SIZE / 4096; p++) {
      const page = m.pages[DATA0 + p]!;
      const words = new Uint32Array(page.buffer, page.byteOffset, 1024);
      for (let w = 0; w < 1024; w++) {
        if (words[w] === fillWords[p * 1024 + w]) continue;
        for (let i = w * 4; i < w * 4 + 4; i++) if (page[i] !== this.fill[p * 4096 + i]) changes.set(p * 4096 + i, page[i]!);
      }
    }
    return {
      vector: stop ? STUCK : this.lastVector,
      errorCode: this.lastError,
      cr2: this.lastVector === 14 ? state.cr2 >>> 0 : 0,
      eip: state.eip >>> 0,
      regs: Uint32Array.from(state.gpr),
      eflags: state.eflags >>> 0,
      segs: Uint16Array.from([state.es.selector, state.cs.selector, state.ss.selector, state.ds.selector, state.fs.selector, state.gs.selector]),
      changes,
      ...(stop ? { note: stop } : {}),
    };
  }
}
