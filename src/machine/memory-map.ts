/**
 * The guest-physical memory map as KVM sees it: named memory slots (RAM, ROM, shadow RAM, RAM-backed
 * BARs), each with its host backing and whether guest writes reach it. Slots can be added, changed
 * and removed while the VM runs (PAM changes, BAR moves); `attach` replays them all into a new VM
 * after a reset. Guest accesses that hit no slot exit to the MMIO bus.
 */
import type { VmFd } from '../kvm/kvm.js';
import { KVM_MEM } from '../kvm/ioctls.js';
import { TkvmError, hex } from '../errors.js';

/** One KVM slot's contents. */
export interface SlotSpec {
  readonly gpa: number;
  readonly size: number;
  readonly hostAddress: bigint;
  /** Guest writes exit as MMIO instead of changing the memory (KVM_MEM_READONLY). */
  readonly readOnly: boolean;
}

interface Entry {
  readonly id: number;
  spec: SlotSpec | undefined;
}

/** The named slots of one machine. */
export class KvmMemoryMap {
  private readonly entries = new Map<string, Entry>();
  private nextId = 0;
  private vm: VmFd | undefined;

  /** `readOnlySupported`: KVM_CAP_READONLY_MEM; without it read-only slots are mapped writable. */
  constructor(readonly readOnlySupported = true) {}

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
    if (this.vm === undefined) return;
    if (old !== undefined) this.vm.deleteMemoryRegion(e.id);
    if (spec !== undefined) this.install(this.vm, e.id, spec);
  }

  /** The slot called `name`, if mapped. */
  get(name: string): SlotSpec | undefined {
    return this.entries.get(name)?.spec;
  }

  /** Every mapped slot, by address (for listings and tests). */
  list(): Array<{ name: string } & SlotSpec> {
    return [...this.entries].filter(([, e]) => e.spec !== undefined).map(([name, e]) => ({ name, ...e.spec! })).sort((a, b) => a.gpa - b.gpa);
  }

  /** Installs every slot into a freshly created VM; later changes go to it directly. */
  attach(vm: VmFd): void {
    this.vm = vm;
    for (const e of this.entries.values()) if (e.spec !== undefined) this.install(vm, e.id, e.spec);
  }

  /** Forgets the VM (it is about to be closed); changes are only recorded until the next attach. */
  detach(): void {
    this.vm = undefined;
  }

  private install(vm: VmFd, id: number, s: SlotSpec): void {
    vm.setMemoryRegion(id, s.gpa, s.size, s.hostAddress, s.readOnly && this.readOnlySupported ? KVM_MEM.READONLY : 0);
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

function same(a: SlotSpec | undefined, b: SlotSpec | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.gpa === b.gpa && a.size === b.size && a.hostAddress === b.hostAddress && a.readOnly === b.readOnly;
}
