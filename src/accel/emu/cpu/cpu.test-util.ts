/** Test helpers for the software CPU: a RAM-backed physical memory with recorded MMIO, recorded ports, an interrupt pin, and an assembler front end (binutils). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmuCpu, EmuCpuHooks, EmuFpuUnit, EmuInterruptPin, EmuPhysicalMemory, EmuPortIo } from '../contract.js';
import { createEmuCpu } from './index.js';

/** RAM from 0 to `size`, optional ROM pages, and MMIO (everything else) recorded. */
export class TestMemory implements EmuPhysicalMemory {
  readonly ram: Uint8Array;
  readonly mmio: { gpa: number; size: number; value: number; write: boolean }[] = [];
  readonly rom = new Map<number, Uint8Array>();
  readonly readOnly = new Set<number>();
  generation = 0;
  foreign: number[] = [];
  private readonly pages: Uint8Array[] = [];

  constructor(size = 16 << 20) {
    this.ram = new Uint8Array(size);
    for (let i = 0; i < size / 4096; i++) this.pages.push(this.ram.subarray(i * 4096, i * 4096 + 4096));
  }

  page(pfn: number): Uint8Array | undefined {
    return this.rom.get(pfn) ?? this.pages[pfn];
  }

  writable(pfn: number): boolean {
    return !this.rom.has(pfn) && !this.readOnly.has(pfn) && pfn < this.pages.length;
  }

  mmioRead(gpa: number, size: 1 | 2 | 4): number {
    this.mmio.push({ gpa, size, value: 0, write: false });
    return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  }

  mmioWrite(gpa: number, size: 1 | 2 | 4, value: number): void {
    this.mmio.push({ gpa, size, value, write: true });
  }

  takeForeignWrites(): Iterable<number> | undefined {
    if (this.foreign.length === 0) return undefined;
    const f = this.foreign;
    this.foreign = [];
    return f;
  }

  /** Maps `data` as ROM at physical `gpa` (page aligned). */
  mapRom(gpa: number, data: Uint8Array): void {
    for (let off = 0; off < data.length; off += 4096) {
      const p = new Uint8Array(4096);
      p.set(data.subarray(off, off + 4096));
      this.rom.set((gpa + off) >>> 12, p);
    }
    this.generation++;
  }

  /** Copies bytes into RAM as a DMA engine would (reported as foreign writes). */
  dma(gpa: number, data: Uint8Array): void {
    this.ram.set(data, gpa);
    for (let p = gpa >>> 12; p <= (gpa + data.length - 1) >>> 12; p++) this.foreign.push(p);
  }

  write(gpa: number, data: Uint8Array | number[]): void {
    this.ram.set(data, gpa);
  }

  read32(gpa: number): number {
    return (this.ram[gpa]! | (this.ram[gpa + 1]! << 8) | (this.ram[gpa + 2]! << 16) | (this.ram[gpa + 3]! << 24)) >>> 0;
  }

  write32(gpa: number, v: number): void {
    this.ram[gpa] = v; this.ram[gpa + 1] = v >>> 8; this.ram[gpa + 2] = v >>> 16; this.ram[gpa + 3] = v >>> 24;
  }
}

/** Records port writes; reads come from `inputs` or read all ones. */
export class TestPorts implements EmuPortIo {
  readonly writes: { port: number; size: number; value: number }[] = [];
  readonly inputs = new Map<number, number>();
  onWrite?: (port: number, size: number, value: number) => void;

  ioRead(port: number, size: 1 | 2 | 4): number {
    return this.inputs.get(port) ?? (size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff);
  }

  ioWrite(port: number, size: 1 | 2 | 4, value: number): void {
    this.writes.push({ port, size, value });
    this.onWrite?.(port, size, value);
  }
}

/** An interrupt pin tests can raise vectors on. */
export class TestPin implements EmuInterruptPin {
  pending: number[] = [];
  nmi = false;
  hasInterrupt(): boolean { return this.pending.length > 0; }
  acknowledge(): number { return this.pending.shift() ?? -1; }
  takeNmi(): boolean { const n = this.nmi; this.nmi = false; return n; }
}

/** A CPU on test memory, ports and pin, with every exception recorded. */
export interface TestRig {
  cpu: EmuCpu;
  mem: TestMemory;
  ports: TestPorts;
  pin: TestPin;
  exceptions: { vector: number; code: number | undefined }[];
}

/** Builds a CPU; `stopOnException` makes hooks.exception stop run() instead of delivering. */
export function makeRig(opts: { stopOnException?: boolean; fpu?: EmuFpuUnit; memSize?: number } = {}): TestRig {
  const mem = new TestMemory(opts.memSize);
  const ports = new TestPorts();
  const pin = new TestPin();
  const exceptions: { vector: number; code: number | undefined }[] = [];
  const hooks: EmuCpuHooks = {
    exception(vector, code) {
      exceptions.push({ vector, code });
      return opts.stopOnException ? 'stop' : 'deliver';
    },
  };
  let t = 0;
  const cpu = createEmuCpu({ memory: mem, io: ports, interrupts: pin, apicId: 0, cpus: 1, clockNs: () => (t += 100), hooks }, opts.fpu);
  return { cpu, mem, ports, pin, exceptions };
}

/** Assembles GNU-as source (AT&T syntax unless it says otherwise) into flat binary placed at `org`. */
export function assemble(source: string, org = 0): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'emu-asm-'));
  try {
    writeFileSync(join(dir, 'a.s'), source + '\n');
    execFileSync('as', ['--32', '-o', join(dir, 'a.o'), join(dir, 'a.s')], { stdio: 'pipe' });
    execFileSync('ld', ['-m', 'elf_i386', '-Ttext', '0x' + org.toString(16), '--oformat', 'binary', '-o', join(dir, 'a.bin'), join(dir, 'a.o')], { stdio: 'pipe' });
    return new Uint8Array(readFileSync(join(dir, 'a.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Puts the CPU in real mode at 0:org with SP at 0x7000 and the given code loaded at org. */
export function startReal(rig: TestRig, code: Uint8Array, org = 0x1000): void {
  rig.mem.write(org, code);
  const st = rig.cpu.getState();
  const seg = { ...st.cs, selector: 0, base: 0, limit: 0xffff, type: 0xb };
  st.cs = seg;
  st.ds = { ...st.ds, selector: 0, base: 0 };
  st.es = { ...st.es, selector: 0, base: 0 };
  st.ss = { ...st.ss, selector: 0, base: 0 };
  st.eip = org;
  st.gpr[4] = 0x7000;
  rig.cpu.setState(st);
}

/** Runs until HLT (or the budget); returns the stop reason. */
export function runToHalt(rig: TestRig, budget = 1_000_000): string {
  return rig.cpu.run(budget);
}
