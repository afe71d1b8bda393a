/**
 * The CPU-side structures a direct boot hands the kernel: a GDT with the boot selectors Linux
 * expects (__BOOT_CS 0x10, __BOOT_DS 0x18, boot.rst "32-bit/64-bit boot protocol"), an identity
 * map of the first 4 GiB for the 64-bit entry, and the matching BootCpuState.
 * Descriptor format: Intel SDM vol. 3A 3.4.5 "Segment Descriptors".
 */
import type { GuestMemory } from '../memory/guest-memory.js';
import type { BootCpuState, SegmentState } from './cpu-state.js';
import { BOOT_STACK_ADDR, GDT_ADDR, PML4_ADDR } from './boot-layout.js';

/** Code selector Linux's boot protocol asks for (__BOOT_CS). */
export const BOOT_CS = 0x10;
/** Data selector Linux's boot protocol asks for (__BOOT_DS). */
export const BOOT_DS = 0x18;
/** TSS selector, for a usable TR at entry (PVH spec: 32-bit TSS, base 0, limit 0x67). */
export const BOOT_TSS = 0x20;
/** GDT size in bytes: null, null, code, data, TSS (16 bytes, the long-mode form). */
export const GDT_SIZE = 0x30;
/** CR0.PE, protection enable (SDM 2.5). */
export const CR0_PE = 1 << 0;
/** CR0.PG, paging (SDM 2.5). */
export const CR0_PG = 0x8000_0000;
/** CR4.PAE (SDM 2.5). */
export const CR4_PAE = 1 << 5;
/** EFER.LME, long mode enable (SDM 2.2.1). */
export const EFER_LME = 1 << 8;
/** EFER.LMA, long mode active (SDM 2.2.1); KVM wants it set with LME when starting in long mode. */
export const EFER_LMA = 1 << 10;
/** Page-table entry bit: present (SDM 4.5). */
export const PTE_P = 1 << 0;
/** Page-table entry bit: writable. */
export const PTE_RW = 1 << 1;
/** Page-directory entry bit: maps a 2 MiB page. */
export const PTE_PS = 1 << 7;
/** Bytes covered by the identity map: 4 GiB, so the MMIO hole (LAPIC, IOAPIC) is mapped too. */
export const IDENTITY_MAP_SIZE = 0x1_0000_0000;
/** Bytes of page tables the identity map uses: PML4, PDPT, 4 page directories. */
export const PAGE_TABLES_SIZE = 6 * 0x1000;

/** The CPU mode a boot path enters the kernel in. */
export type EntryMode = 'long' | 'protected';

/** A flat (base 0, 4 GiB) segment's hidden part. */
function flat(selector: number, type: number, long: boolean): SegmentState {
  return { selector, base: 0, limit: 0xffff_ffff, type, present: true, dpl: 0, db: !long, s: true, l: long, g: true };
}

/** Packs a segment's hidden part into an 8-byte descriptor (SDM figure 3-8). */
export function encodeDescriptor(s: SegmentState): bigint {
  const limit = s.g ? Math.floor(s.limit / 0x1000) : s.limit;
  const access = (s.present ? 0x80 : 0) | (s.dpl << 5) | (s.s ? 0x10 : 0) | s.type;
  const flags = (s.g ? 8 : 0) | (s.db ? 4 : 0) | (s.l ? 2 : 0);
  const base = BigInt(s.base >>> 0);
  return (
    BigInt(limit & 0xffff) |
    ((base & 0xffffffn) << 16n) |
    (BigInt(access) << 40n) |
    (BigInt((limit >>> 16) & 0xf) << 48n) |
    (BigInt(flags) << 52n) |
    ((base >> 24n) << 56n)
  );
}

/** Code segment for `mode`: execute/read accessed (type 0xb), 64-bit (L) or 32-bit (D). */
export function codeSegment(mode: EntryMode): SegmentState {
  return flat(BOOT_CS, 0xb, mode === 'long');
}
/** Flat read/write accessed data segment (type 0x3) for DS, ES, FS, GS, SS. */
export function dataSegment(): SegmentState {
  return flat(BOOT_DS, 0x3, false);
}
/** Busy TSS (type 0xb), base 0, limit 0x67, as the PVH spec asks; the kernel loads its own. */
export function tssSegment(): SegmentState {
  return { selector: BOOT_TSS, base: 0, limit: 0x67, type: 0xb, present: true, dpl: 0, db: false, s: false, l: false, g: false };
}

/** Writes the boot GDT at GDT_ADDR and returns the GDTR value. */
export function writeGdt(mem: GuestMemory, mode: EntryMode): { base: number; limit: number } {
  mem.fill(GDT_ADDR, GDT_SIZE);
  mem.writeU64(GDT_ADDR + BOOT_CS, encodeDescriptor(codeSegment(mode)));
  mem.writeU64(GDT_ADDR + BOOT_DS, encodeDescriptor(dataSegment()));
  mem.writeU64(GDT_ADDR + BOOT_TSS, encodeDescriptor(tssSegment()));
  return { base: GDT_ADDR, limit: GDT_SIZE - 1 };
}

/**
 * Writes 4-level page tables at PML4_ADDR mapping virtual = physical for [0, 4 GiB) with 2 MiB
 * pages (SDM 4.5, tables 4-15..4-18) and returns CR3. 2 MiB pages need no CPUID feature.
 */
export function writeIdentityPageTables(mem: GuestMemory): number {
  const pdpt = PML4_ADDR + 0x1000;
  const pd0 = PML4_ADDR + 0x2000;
  mem.fill(PML4_ADDR, PAGE_TABLES_SIZE);
  mem.writeU64(PML4_ADDR, BigInt(pdpt | PTE_P | PTE_RW));
  for (let g = 0; g < 4; g++) {
    const pd = pd0 + g * 0x1000;
    mem.writeU64(pdpt + g * 8, BigInt(pd | PTE_P | PTE_RW));
    for (let i = 0; i < 512; i++) {
      const phys = BigInt(g) * 0x4000_0000n + BigInt(i) * 0x20_0000n;
      mem.writeU64(pd + i * 8, phys | BigInt(PTE_P | PTE_RW | PTE_PS));
    }
  }
  return PML4_ADDR;
}

/** 64-bit entry state (boot.rst "64-bit Boot Protocol"): long mode, paging, RSI = zero page. */
export function longModeEntry(mem: GuestMemory, rip: number, rsi: number): BootCpuState {
  const gdt = writeGdt(mem, 'long');
  const cr3 = writeIdentityPageTables(mem);
  return {
    rip, rsi, rsp: BOOT_STACK_ADDR, rflags: 2,
    cr0: CR0_PE | CR0_PG, cr3, cr4: CR4_PAE, efer: EFER_LME | EFER_LMA,
    cs: codeSegment('long'), data: dataSegment(), tr: tssSegment(), gdt,
  };
}

/**
 * 32-bit entry state (boot.rst "32-bit Boot Protocol", PVH spec): protected mode, paging off,
 * flat segments; the boot-info pointer goes in ESI (Linux) or EBX (PVH).
 */
export function protectedModeEntry(mem: GuestMemory, rip: number, info: { rsi?: number; rbx?: number }): BootCpuState {
  const gdt = writeGdt(mem, 'protected');
  return { rip, ...info, rsp: BOOT_STACK_ADDR, rflags: 2, cr0: CR0_PE, cr4: 0, efer: 0, cs: codeSegment('protected'), data: dataSegment(), tr: tssSegment(), gdt };
}
