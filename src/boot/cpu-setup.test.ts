import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory } from '../memory/guest-memory.js';
import { GDT_ADDR, PML4_ADDR } from './boot-layout.js';
import { BOOT_CS, BOOT_DS, BOOT_TSS, CR0_PE, CR0_PG, CR4_PAE, EFER_LMA, EFER_LME, longModeEntry, protectedModeEntry } from './cpu-setup.js';

const mem = (): GuestMemory => GuestMemory.allocate([{ gpa: 0, size: 0x10_0000 }]);

/** Translates a virtual address through 4-level paging as the CPU would (SDM 4.5); null = not present. */
function walk(m: GuestMemory, cr3: number, va: bigint): bigint | null {
  const idx = (shift: bigint): number => Number((va >> shift) & 0x1ffn);
  const pml4e = m.readU64(cr3 + idx(39n) * 8);
  if ((pml4e & 1n) === 0n) return null;
  const pdpte = m.readU64(Number(pml4e & 0xf_ffff_ffff_f000n) + idx(30n) * 8);
  if ((pdpte & 1n) === 0n) return null;
  if (pdpte & 0x80n) return (pdpte & 0xf_ffff_c000_0000n) | (va & 0x3fff_ffffn);
  const pde = m.readU64(Number(pdpte & 0xf_ffff_ffff_f000n) + idx(21n) * 8);
  if ((pde & 1n) === 0n) return null;
  assert.ok(pde & 0x80n, 'expected a 2 MiB leaf');
  assert.ok(pde & 2n, 'expected writable');
  return (pde & 0xf_ffff_ffe0_0000n) | (va & 0x1f_ffffn);
}

test('64-bit entry: long-mode registers and the Linux boot selectors', () => {
  const m = mem();
  const s = longModeEntry(m, 0x100200, 0x7000);
  assert.equal(s.rip, 0x100200);
  assert.equal(s.rsi, 0x7000);
  assert.equal(s.cr0, CR0_PE | CR0_PG);
  assert.equal(s.cr4, CR4_PAE);
  assert.equal(s.efer, EFER_LME | EFER_LMA);
  assert.equal(s.cr3, PML4_ADDR);
  assert.deepEqual(s.gdt, { base: GDT_ADDR, limit: 0x2f });
  assert.equal(s.cs.selector, 0x10);
  assert.ok(s.cs.l && !s.cs.db);
  assert.equal(s.data.selector, 0x18);
  assert.equal(s.rflags, 2);
  // Descriptors as the SDM packs them: 64-bit code, flat data, 32-bit busy TSS.
  assert.equal(m.readU64(GDT_ADDR + BOOT_CS), 0x00af_9b00_0000_ffffn);
  assert.equal(m.readU64(GDT_ADDR + BOOT_DS), 0x00cf_9300_0000_ffffn);
  assert.equal(m.readU64(GDT_ADDR + BOOT_TSS), 0x0000_8b00_0000_0067n);
  assert.equal(m.readU64(GDT_ADDR), 0n);
});

test('64-bit entry: page tables map the first 4 GiB to themselves and nothing above', () => {
  const m = mem();
  const s = longModeEntry(m, 0x100200, 0x7000);
  for (const va of [0n, 0x7000n, 0x1234_5678n, 0xfec0_0000n, 0xfee0_0ff0n, 0xffff_ffffn, 0x4000_0000n, 0xbfff_f000n]) {
    assert.equal(walk(m, s.cr3!, va), va, `va 0x${va.toString(16)}`);
  }
  assert.equal(walk(m, s.cr3!, 0x1_0000_0000n), null);
  assert.equal(walk(m, s.cr3!, 0x80_0000_0000n), null);
});

test('32-bit entry: protected mode, paging off, flat 4 GiB segments, pointer in ESI or EBX', () => {
  const m = mem();
  const s = protectedModeEntry(m, 0x100000, { rbx: 0x6000 });
  assert.equal(s.cr0, CR0_PE);
  assert.equal(s.rbx, 0x6000);
  assert.equal(s.rsi, undefined);
  assert.equal(s.cs.limit, 0xffff_ffff);
  assert.ok(s.cs.db && !s.cs.l && s.cs.g);
  assert.equal(m.readU64(GDT_ADDR + BOOT_CS), 0x00cf_9b00_0000_ffffn);
  assert.equal(s.tr?.limit, 0x67);
});
