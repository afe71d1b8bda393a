/**
 * CPUID: a P6-class identity (GenuineIntel, family 6 model 6 stepping 3 like QEMU's qemu32) with SSE2, NX and SYSENTER,
 * and the hypervisor bit (leaf 1 ECX[31]) that QEMU's models also set: a guest then expects no P6 performance
 * counters (MSR 0x186 raises #GP here as under QEMU) and says so instead of reporting broken hardware.
 */
import type { Core } from './core.js';

/** Family/model/stepping signature, also EDX after RESET. */
export const CPU_SIGNATURE = 0x663;

const BRAND = 'tkvm software CPU (P6 class)';

/** CPUID.1:ECX[31], reserved for hypervisors' use: the processor is virtual. */
export const CPUID1_ECX_HYPERVISOR = 0x8000_0000;

function str4(s: string, i: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) v |= (s.charCodeAt(i + k) || 0) << (8 * k);
  return v >>> 0;
}

/**
 * Leaf 4's caches, the same ones leaf 2's descriptors name (0x2c, 0x30, 0x7d): [type (1 data,
 * 2 instruction, 3 unified), level, ways, sets], all with 64-byte lines, one per core.
 */
const CACHES: readonly (readonly [number, number, number, number])[] = [[1, 1, 8, 64], [2, 1, 8, 64], [3, 2, 8, 4096]];

/**
 * Leaf 4 (deterministic cache parameters), sub-leaf `n`: also the package's core count in
 * EAX[31:26], which Linux reads to see -smp N's CPUs as N cores of one package (as QEMU's default
 * topology has them), not as N hyper-threads of one core.
 */
function cacheLeaf(c: Core, n: number, out: Uint32Array): void {
  const cache = CACHES[n];
  if (cache === undefined) return; // type 0: no more caches
  const [type, level, ways, sets] = cache;
  const cores = Math.min(64, Math.max(1, c.cpus));
  out[0] = (((cores - 1) << 26) | (1 << 8) | (level << 5) | type) >>> 0; // self-initialising
  out[1] = ((ways - 1) << 22) | 63; // one partition, 64-byte lines
  out[2] = sets - 1;
  out[3] = 0;
}

/** Fills out[0..3] with EAX, EBX, ECX, EDX for `leaf` and `subleaf` (ECX; only leaf 4 has sub-leaves). */
export function cpuid(c: Core, leaf: number, out: Uint32Array, subleaf = 0): void {
  const fpu = c.fpu !== undefined;
  out[0] = 0; out[1] = 0; out[2] = 0; out[3] = 0;
  switch (leaf >>> 0) {
    case 0:
      out[0] = 4;
      out[1] = str4('GenuineIntel', 0); out[3] = str4('GenuineIntel', 4); out[2] = str4('GenuineIntel', 8);
      return;
    case 1: {
      out[0] = CPU_SIGNATURE;
      out[1] = ((c.apicId & 0xff) << 24) | ((c.cpus & 0xff) << 16) | (8 << 8);
      let edx = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9) |
        (1 << 11) | (1 << 12) | (1 << 13) | (1 << 15) | (1 << 16) | (1 << 19);
      if (fpu) edx |= 1 | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26);
      if (c.cpus > 1) edx |= 1 << 28;
      out[2] = CPUID1_ECX_HYPERVISOR;
      out[3] = edx;
      return;
    }
    case 2:
      // One descriptor byte per register: 64-byte-line L1/L2 caches (0x2c, 0x30, 0x7d) plus the 01h count.
      out[0] = 0x7d30_2c01; out[1] = 0; out[2] = 0; out[3] = 0;
      return;
    case 3: return; // no processor serial number
    case 4: cacheLeaf(c, subleaf >>> 0, out); return;
    case 0x80000000: out[0] = 0x80000008; return;
    case 0x80000001: out[3] = 1 << 20; return;
    case 0x80000002: case 0x80000003: case 0x80000004: {
      const base = (leaf - 0x80000002) * 16;
      for (let r = 0; r < 4; r++) out[r] = str4(BRAND.padEnd(48, '\0'), base + r * 4);
      return;
    }
    case 0x80000008: out[0] = 0x2024; return;
    default:
      // Above the highest basic leaf, Intel CPUs answer as for the highest one.
      if (leaf < 0x80000000) cpuid(c, 4, out, subleaf);
  }
}
