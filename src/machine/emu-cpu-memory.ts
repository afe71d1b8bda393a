/**
 * One software processor's view of the machine's physical memory on a multiprocessor: the shared
 * page table (EmuPhysicalPages) for pages, permissions and MMIO, with a queue of foreign writes
 * (device DMA, firmware loaders) of its own, so that every processor, not only the first to poll,
 * drops the decoded code those writes overwrote. Writes by the processors themselves reach their
 * peers through EmuCpu.shareCodeWith instead.
 */
import type { EmuPhysicalMemory } from '../accel/emu/contract.js';
import { PAGE_SIZE } from '../accel/emu/contract.js';

/** EmuPhysicalMemory for one CPU of several: shared pages, a foreign-write queue per CPU. */
export class EmuCpuMemoryView implements EmuPhysicalMemory {
  /** Page frames written behind this CPU's back and not yet taken (a Set: each page once). */
  private pending = new Set<number>();

  constructor(private readonly shared: EmuPhysicalMemory) {}

  get generation(): number {
    return this.shared.generation;
  }

  page(pfn: number): Uint8Array | undefined {
    return this.shared.page(pfn);
  }

  writable(pfn: number): boolean {
    return this.shared.writable(pfn);
  }

  mmioRead(gpa: number, size: 1 | 2 | 4): number {
    return this.shared.mmioRead(gpa, size);
  }

  mmioWrite(gpa: number, size: 1 | 2 | 4, value: number): void {
    this.shared.mmioWrite(gpa, size, value);
  }

  takeForeignWrites(): Iterable<number> | undefined {
    if (this.pending.size === 0) return undefined;
    const taken = this.pending;
    this.pending = new Set<number>();
    return taken;
  }

  /** Records that [gpa, gpa + len) changed behind this CPU's back. */
  noteForeignWrite(gpa: number, len: number): void {
    if (len <= 0) return;
    const last = Math.floor((gpa + len - 1) / PAGE_SIZE);
    for (let pfn = Math.floor(gpa / PAGE_SIZE); pfn <= last; pfn++) this.pending.add(pfn);
  }
}

/**
 * The memory each of `cpus` processors is given: the shared pages themselves for one CPU (no
 * indirection), else a view per CPU, with `fanOut` sending a foreign write to every view.
 */
export function cpuMemoryViews(shared: EmuPhysicalMemory, cpus: number): { views: EmuPhysicalMemory[]; fanOut?: (gpa: number, len: number) => void } {
  if (cpus <= 1) return { views: [shared] };
  const views = Array.from({ length: cpus }, () => new EmuCpuMemoryView(shared));
  return { views, fanOut: (gpa, len) => { for (const v of views) v.noteForeignWrite(gpa, len); } };
}
