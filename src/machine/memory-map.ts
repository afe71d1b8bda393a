/**
 * The guest-physical memory map: named memory slots (RAM, ROM, shadow RAM, RAM-backed BARs), each
 * with its host backing and whether guest writes reach it. Slots can be added, changed and removed
 * while the machine runs (PAM changes, BAR moves). The map keeps the bookkeeping; a pluggable sink
 * carries the slots out: KVM's memory slots (KvmMemoryMap) or the software CPU's page table
 * (src/accel/emu/physical-memory.ts). `connect` replays every slot into a new sink, as after a
 * reset that recreates the VM. Guest accesses that hit no slot go to the MMIO bus.
 */
import type { VmFd } from '../kvm/kvm.js';
import { KVM_MEM } from '../kvm/ioctls.js';
import { TkvmError, hex } from '../errors.js';

/** One slot's contents. */
export interface SlotSpec {
  readonly gpa: number;
  readonly size: number;
  readonly hostAddress: bigint;
  /** Guest writes go to the MMIO bus instead of changing the memory (KVM_MEM_READONLY, ROM). */
  readonly readOnly: boolean;
}

/** Where mapped slots take effect; `id` is stable for a name over the map's life. */
export interface SlotSink {
  add(id: number, spec: SlotSpec): void;
  remove(id: number, spec: SlotSpec): void;
}

interface Entry {
  readonly id: number;
  spec: SlotSpec | undefined;
}

/** The named slots of one machine, carried out by the connected sink. */
export class MemoryMap {
  private readonly entries = new Map<string, Entry>();
  private nextId = 0;
  private sink: SlotSink | undefined;

  /** Sets, changes (spec) or removes (undefined) the slot called `name`. */
  set(name: string, spec: SlotSpec | undefined): void {
    let e = this.entries.get(name);
    if (e === undefined) {
      if (spec === undefined) return;
      e = { id: this.nextId++, spec: undefined };
      this.entries.set(name, e);
    }
    if (spec !== undefined) this.checkOverlap(name, spec);
    const old = e.spec;
    if (same(old, spec)) return;
    e.spec = spec;
    if (this.sink === undefined) return;
    if (old !== undefined) this.sink.remove(e.id, old);
    if (spec !== undefined) this.sink.add(e.id, spec);
  }

  /** The slot called `name`, if mapped. */
  get(name: string): SlotSpec | undefined {
    return this.entries.get(name)?.spec;
  }

  /** Every mapped slot, by address (for listings and tests). */
  list(): Array<{ name: string } & SlotSpec> {
    return [...this.entries].filter(([, e]) => e.spec !== undefined).map(([name, e]) => ({ name, ...e.spec! })).sort((a, b) => a.gpa - b.gpa);
  }

  /** Installs every slot into `sink`; later changes go to it directly. */
  connect(sink: SlotSink): void {
    this.sink = sink;
    for (const e of this.entries.values()) if (e.spec !== undefined) sink.add(e.id, e.spec);
  }

  /** Forgets the sink; changes are only recorded until the next connect. */
  disconnect(): void {
    this.sink = undefined;
  }

  /** Overlapping slots are a VMM wiring bug (KVM would refuse them with EEXIST). */
  private checkOverlap(name: string, s: SlotSpec): void {
    for (const [other, e] of this.entries) {
      const o = e.spec;
      if (other === name || o === undefined) continue;
      if (s.gpa < o.gpa + o.size && o.gpa < s.gpa + s.size) {
        throw new TkvmError('overlap', `memory slot ${name} ${hex(s.gpa)}+${hex(s.size)} overlaps ${other} ${hex(o.gpa)}+${hex(o.size)}`, { name, other });
      }
    }
  }
}

/** The memory map as KVM memory slots of one VM at a time (a guest reset recreates the VM). */
export class KvmMemoryMap extends MemoryMap {
  /** `readOnlySupported`: KVM_CAP_READONLY_MEM; without it read-only slots are mapped writable. */
  constructor(readonly readOnlySupported = true) {
    super();
  }

  /** Installs every slot into a freshly created VM; later changes go to it directly. */
  attach(vm: VmFd): void {
    const flags = (s: SlotSpec): number => (s.readOnly && this.readOnlySupported ? KVM_MEM.READONLY : 0);
    this.connect({
      add: (id, s) => vm.setMemoryRegion(id, s.gpa, s.size, s.hostAddress, flags(s)),
      remove: (id) => vm.deleteMemoryRegion(id),
    });
  }

  /** Forgets the VM (it is about to be closed); changes are only recorded until the next attach. */
  detach(): void {
    this.disconnect();
  }
}

function same(a: SlotSpec | undefined, b: SlotSpec | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.gpa === b.gpa && a.size === b.size && a.hostAddress === b.hostAddress && a.readOnly === b.readOnly;
}
