/**
 * The guest-physical address space of the software CPU: the machine's memory map (the same named
 * slots KVM gets: RAM, ROM, PAM shadow RAM, RAM-backed BARs) carried out as a page-frame table.
 * RAM and ROM pages are views of the slots' host memory, so the CPU, the devices (through
 * GuestMemory) and the display share the bytes; every other address is MMIO on the machine's bus.
 * Writes to read-only slots also go to the bus, where nothing answers them (dropped, as on ROM)
 * unless a device catches them (the PAM write catcher copies them into shadow RAM).
 */
import type { MmioBus } from '../../bus/bus.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import type { SlotSink, SlotSpec } from '../../machine/memory-map.js';
import { pointerAt, viewOf } from '../../kvm/libc.js';
import { SizedBusAccess } from '../../machine/emu-bus-access.js';
import { PAGE_SIZE, type EmuPhysicalMemory } from './contract.js';

/** Page frames the table covers at most: 36-bit physical addresses (PAE on a P6). */
const MAX_PFNS = 1 << 24;
/** Host views are made per 1 GiB (koffi limits a view to below 4 GiB). */
const VIEW_PAGES = 1 << 18;
/** No slot at this page frame. */
const NO_SLOT = -1;

/** A host address range as bytes (tests pass their own; the default views process memory). */
export type HostView = (address: bigint, size: number) => Uint8Array;

/** The default HostView: a zero-copy view of mmap'ed memory of this process. */
export const processMemoryView: HostView = (address, size) => new Uint8Array(viewOf(pointerAt(address), size));

interface MappedSlot {
  readonly spec: SlotSpec;
  readonly firstPfn: number;
  /** Views of the slot's host memory, VIEW_PAGES pages each, made when first touched. */
  readonly views: Array<Uint8Array | undefined>;
}

/** The software CPU's physical memory: a SlotSink for the MemoryMap and the CPU's EmuPhysicalMemory. */
export class EmuPhysicalPages implements EmuPhysicalMemory, SlotSink {
  generation = 0;
  /** Index into `slots` for each page frame, NO_SLOT where MMIO. */
  private slotOf = new Int32Array(0);
  /** Page views made so far, by page frame (dropped with their slot). */
  private pages: Array<Uint8Array | undefined> = [];
  /** 1 where the page is ROM or write-protected shadow RAM. */
  private readOnly = new Uint8Array(0);
  private readonly slots: Array<MappedSlot | undefined> = [];
  private readonly slotIndex = new Map<number, number>();
  /** Foreign writes not yet taken: the list and a bitmap against duplicates. */
  private foreign: number[] = [];
  private foreignMark = new Uint8Array(0);
  private readonly mmio: SizedBusAccess;

  constructor(
    mmio: MmioBus,
    private readonly hostView: HostView = processMemoryView,
  ) {
    this.mmio = new SizedBusAccess(mmio);
    this.grow(1 << 20); // the 4 GiB below PAE's reach, where every pc slot and MMIO lives
  }

  /** Routes `memory`'s writes (device DMA, firmware loaders) into takeForeignWrites. */
  observe(memory: GuestMemory): void {
    memory.onWrite = (gpa, len) => this.noteForeignWrite(gpa, len);
  }

  add(id: number, spec: SlotSpec): void {
    const firstPfn = Math.floor(spec.gpa / PAGE_SIZE);
    const end = Math.min(MAX_PFNS, Math.ceil((spec.gpa + spec.size) / PAGE_SIZE));
    this.grow(end);
    let index = this.slotIndex.get(id);
    if (index === undefined) {
      index = this.slots.length;
      this.slotIndex.set(id, index);
    }
    this.slots[index] = { spec, firstPfn, views: [] };
    this.slotOf.fill(index, firstPfn, end);
    this.readOnly.fill(spec.readOnly ? 1 : 0, firstPfn, end);
    this.pages.fill(undefined, firstPfn, end);
    this.generation++;
  }

  remove(id: number, spec: SlotSpec): void {
    const index = this.slotIndex.get(id);
    if (index === undefined) return;
    this.slots[index] = undefined;
    const firstPfn = Math.floor(spec.gpa / PAGE_SIZE);
    const end = Math.min(this.slotOf.length, Math.ceil((spec.gpa + spec.size) / PAGE_SIZE));
    for (let pfn = firstPfn; pfn < end; pfn++) {
      if (this.slotOf[pfn] !== index) continue;
      this.slotOf[pfn] = NO_SLOT;
      this.readOnly[pfn] = 0;
      this.pages[pfn] = undefined;
    }
    this.generation++;
  }

  page(pfn: number): Uint8Array | undefined {
    const cached = this.pages[pfn];
    if (cached !== undefined) return cached;
    const index = pfn < this.slotOf.length ? this.slotOf[pfn]! : NO_SLOT;
    if (index === NO_SLOT) return undefined;
    const slot = this.slots[index]!;
    const rel = pfn - slot.firstPfn;
    const chunk = Math.floor(rel / VIEW_PAGES);
    let view = slot.views[chunk];
    if (view === undefined) {
      const offset = chunk * VIEW_PAGES * PAGE_SIZE;
      view = this.hostView(slot.spec.hostAddress + BigInt(offset), Math.min(VIEW_PAGES * PAGE_SIZE, slot.spec.size - offset));
      slot.views[chunk] = view;
    }
    const at = (rel - chunk * VIEW_PAGES) * PAGE_SIZE;
    const page = view.subarray(at, at + PAGE_SIZE);
    this.pages[pfn] = page;
    return page;
  }

  writable(pfn: number): boolean {
    return pfn < this.slotOf.length && this.slotOf[pfn] !== NO_SLOT && this.readOnly[pfn] === 0;
  }

  mmioRead(gpa: number, size: 1 | 2 | 4): number {
    return this.mmio.read(gpa, size);
  }

  mmioWrite(gpa: number, size: 1 | 2 | 4, value: number): void {
    this.mmio.write(gpa, size, value);
  }

  takeForeignWrites(): Iterable<number> | undefined {
    if (this.foreign.length === 0) return undefined;
    const taken = this.foreign;
    this.foreign = [];
    for (const pfn of taken) this.foreignMark[pfn] = 0;
    return taken;
  }

  /** Records that [gpa, gpa + len) changed behind the CPU's back. */
  noteForeignWrite(gpa: number, len: number): void {
    if (len <= 0) return;
    const last = Math.min(Math.floor((gpa + len - 1) / PAGE_SIZE), this.foreignMark.length - 1);
    for (let pfn = Math.floor(gpa / PAGE_SIZE); pfn <= last; pfn++) {
      if (this.foreignMark[pfn] !== 0) continue;
      this.foreignMark[pfn] = 1;
      this.foreign.push(pfn);
    }
  }

  /** Widens the tables to cover page frames below `pfns`. */
  private grow(pfns: number): void {
    if (pfns <= this.slotOf.length) return;
    const n = Math.min(MAX_PFNS, Math.max(pfns, 1 << 20));
    const slotOf = new Int32Array(n).fill(NO_SLOT);
    slotOf.set(this.slotOf);
    this.slotOf = slotOf;
    const readOnly = new Uint8Array(n);
    readOnly.set(this.readOnly);
    this.readOnly = readOnly;
    const mark = new Uint8Array(n);
    mark.set(this.foreignMark);
    this.foreignMark = mark;
    const pages = new Array<Uint8Array | undefined>(n).fill(undefined);
    for (let i = 0; i < this.pages.length; i++) pages[i] = this.pages[i];
    this.pages = pages;
  }
}
