/**
 * QEMU's `qemu64` CPU model (QEMU 7.2 with KVM, its default model for x86_64): what `-cpu qemu64`
 * presents, from QEMU's published model definition (vendor AuthenticAMD, family 15 model 107
 * stepping 1, the PPro feature set plus SSE3/CX16, LM/NX/SYSCALL/LAHF, the brand string
 * "QEMU Virtual CPU version 2.5+") and the properties QEMU adds on KVM (x2APIC, the hypervisor bit).
 * Features are only ever narrowed to what KVM supports, never invented.
 */
import type { CpuidEntry } from '../../abi/kvm-regs.js';

const bit = (n: number): number => 2 ** n;
const bits = (...ns: number[]): number => ns.reduce((acc, n) => (acc | bit(n)) >>> 0, 0);

/** "AuthenticAMD" as CPUID leaf 0's EBX, EDX, ECX. */
const AMD_VENDOR = { ebx: 0x68747541, edx: 0x69746e65, ecx: 0x444d4163 } as const;
/** Family 15, model 107 (extended model 6, model 0xb), stepping 1. */
const SIGNATURE = 0x00060fb1;
/** Leaf 1 EDX: FPU DE PSE TSC MSR PAE MCE CX8 APIC SEP MTRR PGE MCA CMOV PAT PSE36 CLFLUSH MMX FXSR SSE SSE2. */
const LEAF1_EDX = bits(0, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 19, 23, 24, 25, 26);
/** Leaf 1 ECX: SSE3, CX16, x2APIC (on with KVM), hypervisor. */
const LEAF1_ECX = bits(0, 13, 21, 31);
/** The leaf 1 EDX bits AMD repeats in 0x80000001 EDX. */
const AMD_ALIASES = bits(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16, 17, 23, 24);
/** 0x80000001 EDX additions: SYSCALL, NX, LM; ECX: LAHF/SAHF in long mode. */
const EXT_EDX = bits(11, 20, 29);
const EXT_ECX = bits(0);
/** The highest basic and extended leaves qemu64 reports. */
const LEVEL = 0xd;
const XLEVEL = 0x8000000a;
/** "QEMU Virtual CPU version 2.5+", 48 bytes NUL-padded, as leaves 0x80000002-4. */
const BRAND = 'QEMU Virtual CPU version 2.5+';
/** QEMU's legacy AMD cache descriptors (leaves 0x80000005 and 0x80000006). */
const L1_CACHE = [0x01ff01ff, 0x01ff01ff, 0x40020140, 0x40020140] as const;
const L2_CACHE = [0x00000000, 0x42004200, 0x02008140, 0x00808140] as const;
/** 40 physical and 48 virtual address bits, QEMU's default phys-bits. */
const ADDRESS_SIZES = 0x00003028;

function brandWords(): number[] {
  const bytes = new Uint8Array(48);
  bytes.set(Buffer.from(BRAND, 'latin1'));
  const dv = new DataView(bytes.buffer);
  return Array.from({ length: 12 }, (_, i) => dv.getUint32(i * 4, true));
}

/**
 * Rewrites tkvm's host-based CPUID (buildCpuid's output) into the qemu64 model: leaves outside
 * qemu64's range go, the identity and feature leaves are replaced, and topology (leaf 0xB, the
 * APIC ID and logical count in leaf 1) and the KVM leaves stay as built.
 */
export function applyQemu64Model(entries: readonly CpuidEntry[], supported: readonly CpuidEntry[]): CpuidEntry[] {
  const host = (fn: number, reg: 'ecx' | 'edx'): number => supported.find((e) => e.function === fn && e.index === 0)?.[reg] ?? 0;
  const brand = brandWords();
  const out: CpuidEntry[] = [];
  const put = (fn: number, regs: readonly [number, number, number, number], index = 0, flags = 0): void => {
    out.push({ function: fn, index, flags, eax: regs[0], ebx: regs[1], ecx: regs[2], edx: regs[3] });
  };
  for (const e of entries) {
    const fn = e.function;
    if (fn >= 0x40000000 && fn < 0x80000000) out.push({ ...e });
    else if (fn === 1) {
      const edx = ((LEAF1_EDX | (e.edx & bit(28))) & (host(1, 'edx') | bit(28))) >>> 0; // HTT follows -smp
      put(1, [SIGNATURE, ((e.ebx & 0xffff0000) | (8 << 8)) >>> 0, (LEAF1_ECX & (host(1, 'ecx') | bit(31))) >>> 0, edx]);
    } else if (fn === 0xb) out.push({ ...e });
  }
  put(0, [LEVEL, AMD_VENDOR.ebx, AMD_VENDOR.ecx, AMD_VENDOR.edx]);
  const leaf1 = out.find((e) => e.function === 1);
  put(0x80000000, [XLEVEL, AMD_VENDOR.ebx, AMD_VENDOR.ecx, AMD_VENDOR.edx]);
  const extEdx = ((((leaf1?.edx ?? 0) & AMD_ALIASES) | EXT_EDX) & (host(0x80000001, 'edx') | AMD_ALIASES)) >>> 0;
  put(0x80000001, [SIGNATURE, 0, (EXT_ECX & host(0x80000001, 'ecx')) >>> 0, extEdx]);
  for (let i = 0; i < 3; i++) put(0x80000002 + i, [brand[i * 4]!, brand[i * 4 + 1]!, brand[i * 4 + 2]!, brand[i * 4 + 3]!]);
  put(0x80000005, L1_CACHE);
  put(0x80000006, L2_CACHE);
  put(0x80000008, [ADDRESS_SIZES, 0, 0, 0]);
  return out.sort((a, b) => a.function - b.function || a.index - b.index);
}
