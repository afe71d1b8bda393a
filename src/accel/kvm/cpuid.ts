import { existsSync } from 'node:fs';
import type { CpuidEntry } from '../../abi/kvm-regs.js';
import { applyQemu64Model } from './cpu-model-qemu64.js';

/** "KVMKVMKVM\0\0\0" as the three registers of the hypervisor signature leaf 0x40000000. */
const KVM_SIGNATURE = { ebx: 0x4b4d564b, ecx: 0x564b4d56, edx: 0x0000004d } as const;

/**
 * True on the nested, paravirtual KVM of our development machines (host module kvm_pvm), whose
 * ring-0 instruction emulator cannot run xsave/xrstor or cmpxchg16b (DESIGN section 5).
 */
export function isNestedPvmHost(): boolean {
  return existsSync('/sys/module/kvm_pvm');
}

/** Options that shape the guest's CPUID. */
export interface CpuidOptions {
  /** This vCPU's APIC ID. */
  readonly apicId: number;
  /** vCPUs in the VM (one socket, one thread per core, like QEMU's `-smp N`). */
  readonly cpus: number;
  /** Hide features the nested PVM host cannot emulate in ring 0. */
  readonly nestedPvm: boolean;
  /** -cpu: `host` and `max` (tkvm's default) pass KVM's supported features through; `qemu64` is QEMU's model. */
  readonly model?: 'host' | 'max' | 'qemu64';
}

const bit = (n: number): number => 2 ** n;
const clear = (v: number, ...bits: number[]): number => bits.reduce((acc, b) => (acc & ~bit(b)) >>> 0, v >>> 0);

/**
 * Builds one vCPU's CPUID from KVM_GET_SUPPORTED_CPUID: topology consistent across vCPUs
 * (leaf 1 APIC ID and logical count, leaf 4 core count, leaf 0xB x2APIC levels), the hypervisor
 * bit and the KVM signature leaf, minus what this host cannot run.
 */
export function buildCpuid(supported: readonly CpuidEntry[], opts: CpuidOptions): CpuidEntry[] {
  const { apicId, cpus } = opts;
  const coreBits = Math.ceil(Math.log2(Math.max(1, cpus)));
  const out: CpuidEntry[] = [];
  for (const src of supported) {
    const e: CpuidEntry = { ...src };
    switch (e.function) {
      case 1:
        e.ebx = ((e.ebx & 0x0000ffff) | ((cpus & 0xff) << 16) | ((apicId & 0xff) << 24)) >>> 0;
        e.ecx = (e.ecx | bit(31)) >>> 0; // running under a hypervisor
        e.edx = cpus > 1 ? (e.edx | bit(28)) >>> 0 : clear(e.edx, 28);
        if (opts.nestedPvm) e.ecx = clear(e.ecx, 13, 26, 27, 28, 12, 29); // CX16, XSAVE, OSXSAVE, AVX, FMA, F16C
        break;
      case 4:
        if ((e.eax & 0x1f) !== 0) {
          const sharing = (e.eax >>> 14) & 0xfff;
          const perCache = sharing === 0 ? 0 : cpus - 1;
          e.eax = ((e.eax & 0x3fff) | ((perCache & 0xfff) << 14) | (((cpus - 1) & 0x3f) << 26)) >>> 0;
        }
        break;
      case 7:
        if (e.index === 0) {
          e.edx = clear(e.edx, 29); // IA32_ARCH_CAPABILITIES: the nested host rejects MSR 0x10a
          if (opts.nestedPvm) {
            e.ebx = clear(e.ebx, 5, 16, 17, 21, 26, 27, 28, 30, 31); // AVX2 and AVX-512 need XSAVE
            e.ecx = clear(e.ecx, 1, 6, 11, 12, 14);
          }
        }
        break;
      case 0xb:
        if (e.index === 0) Object.assign(e, { eax: 0, ebx: 1, ecx: 0x100, edx: apicId });
        else if (e.index === 1) Object.assign(e, { eax: coreBits, ebx: cpus, ecx: 0x201, edx: apicId });
        else Object.assign(e, { eax: 0, ebx: 0, ecx: e.index & 0xff, edx: apicId });
        break;
      case 0xd:
        if (opts.nestedPvm) continue; // no XSAVE state enumeration without XSAVE
        break;
      case 0x1f:
        continue; // V2 extended topology would contradict leaf 0xB; leave it out as QEMU does by default
      case 0x40000000:
        Object.assign(e, { eax: Math.max(e.eax, 0x40000001), ...KVM_SIGNATURE });
        break;
      case 0x80000001:
        break;
      default:
        break;
    }
    out.push(e);
  }
  if (!out.some((e) => e.function === 0x40000000)) {
    out.push({ function: 0x40000000, index: 0, flags: 0, eax: 0x40000001, ...KVM_SIGNATURE });
  }
  if (!out.some((e) => e.function === 0xb)) {
    out.push({ function: 0xb, index: 0, flags: 1, eax: 0, ebx: 1, ecx: 0x100, edx: apicId });
    out.push({ function: 0xb, index: 1, flags: 1, eax: coreBits, ebx: cpus, ecx: 0x201, edx: apicId });
  }
  return opts.model === 'qemu64' ? applyQemu64Model(out, supported) : out;
}
