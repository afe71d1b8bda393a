import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCpuid } from './cpuid.js';
import type { CpuidEntry } from '../../abi/kvm-regs.js';

const e = (fn: number, index: number, regs: Partial<CpuidEntry> = {}): CpuidEntry => ({ function: fn, index, flags: 0, eax: 0, ebx: 0, ecx: 0, edx: 0, ...regs });
const host: CpuidEntry[] = [
  e(0, 0, { eax: 0xd }),
  e(1, 0, { ebx: 0x12345678, ecx: (1 << 13) | (1 << 26) | (1 << 28) | 1, edx: 1 << 28 }),
  e(4, 0, { eax: 0x121 | (0x7 << 14) | (0x3 << 26) }),
  e(7, 0, { ebx: (1 << 5) | 1, edx: 1 << 29 }),
  e(0xd, 0, { eax: 7 }),
];

test('leaf 1 carries this vCPU APIC ID, the CPU count, HTT and the hypervisor bit', () => {
  const cpuid = buildCpuid(host, { apicId: 3, cpus: 4, nestedPvm: false });
  const l1 = cpuid.find((x) => x.function === 1)!;
  assert.equal(l1.ebx >>> 24, 3);
  assert.equal((l1.ebx >>> 16) & 0xff, 4);
  assert.equal(l1.ebx & 0xffff, 0x5678);
  assert.ok(l1.ecx & 0x80000000);
  assert.ok(l1.edx & (1 << 28));
  const l4 = cpuid.find((x) => x.function === 4)!;
  assert.equal((l4.eax >>> 26) + 1, 4);
});

test('x2APIC topology leaf 0xB is consistent with the CPU count', () => {
  const cpuid = buildCpuid(host, { apicId: 5, cpus: 6, nestedPvm: false });
  const core = cpuid.find((x) => x.function === 0xb && x.index === 1)!;
  assert.equal(core.ebx, 6);
  assert.equal(core.eax, 3);
  assert.equal(core.edx, 5);
});

test('the KVM signature leaf is present', () => {
  const sig = buildCpuid(host, { apicId: 0, cpus: 1, nestedPvm: false }).find((x) => x.function === 0x40000000)!;
  const text = Buffer.alloc(12);
  text.writeUInt32LE(sig.ebx, 0);
  text.writeUInt32LE(sig.ecx, 4);
  text.writeUInt32LE(sig.edx, 8);
  assert.equal(text.toString('latin1'), 'KVMKVMKVM\0\0\0');
});

test('on the nested PVM host, XSAVE, AVX and CX16 are hidden; ARCH_CAPABILITIES always', () => {
  const cpuid = buildCpuid(host, { apicId: 0, cpus: 1, nestedPvm: true });
  const l1 = cpuid.find((x) => x.function === 1)!;
  assert.equal(l1.ecx & ((1 << 13) | (1 << 26) | (1 << 28)), 0);
  assert.equal(l1.ecx & 1, 1);
  assert.equal(cpuid.find((x) => x.function === 7)!.ebx & (1 << 5), 0);
  assert.equal(cpuid.find((x) => x.function === 7)!.edx & (1 << 29), 0);
  assert.equal(cpuid.some((x) => x.function === 0xd), false);
  const plain = buildCpuid(host, { apicId: 0, cpus: 1, nestedPvm: false });
  assert.ok(plain.find((x) => x.function === 1)!.ecx & (1 << 26));
});

test('-cpu qemu64: AuthenticAMD family 15 model 107, SSE3/CX16 but no AVX or XSAVE, LM/NX, QEMU brand; topology kept', () => {
  const withExt = [...host, e(0x80000000, 0, { eax: 0x80000008 }), e(0x80000001, 0, { ecx: 0xffffffff, edx: 0xffffffff })];
  const hostSse = withExt.map((x) => (x.function === 1 ? { ...x, ecx: 0xffffffff, edx: 0xffffffff } : x));
  const cpuid = buildCpuid(hostSse, { apicId: 2, cpus: 4, nestedPvm: false, model: 'qemu64' });
  const leaf = (fn: number): CpuidEntry => cpuid.find((x) => x.function === fn && x.index === 0)!;
  assert.equal(leaf(0).eax, 0xd);
  assert.equal(Buffer.from(new Uint32Array([leaf(0).ebx, leaf(0).edx, leaf(0).ecx]).buffer).toString('latin1'), 'AuthenticAMD');
  assert.equal(leaf(1).eax, 0x60fb1);
  assert.equal(leaf(1).ebx >>> 24, 2);
  assert.equal((leaf(1).ebx >>> 16) & 0xff, 4);
  assert.equal(leaf(1).ecx, (1 | (1 << 13) | (1 << 21) | 2 ** 31) >>> 0);
  assert.equal(leaf(1).edx, 0x178bfbfd); // the PPro set + MTRR/MCA/PSE36/CLFLUSH/HTT, no VME
  assert.equal(cpuid.find((x) => x.function === 7), undefined);
  assert.equal(cpuid.find((x) => x.function === 0xd), undefined);
  assert.equal(leaf(0x80000001).edx, 0x2193fbfd);
  assert.equal(leaf(0x80000001).ecx, 1);
  const brand = [2, 3, 4].flatMap((i) => { const l = leaf(0x80000000 + i); return [l.eax, l.ebx, l.ecx, l.edx]; });
  assert.equal(Buffer.from(new Uint32Array(brand).buffer).toString('latin1').replace(/\0+$/, ''), 'QEMU Virtual CPU version 2.5+');
  assert.ok(cpuid.some((x) => x.function === 0xb && x.index === 1 && x.ebx === 4));
  assert.ok(cpuid.some((x) => x.function === 0x40000000));
});

test('-cpu qemu64 never shows a feature KVM does not support', () => {
  const cpuid = buildCpuid(host, { apicId: 0, cpus: 1, nestedPvm: false, model: 'qemu64' });
  const l1 = cpuid.find((x) => x.function === 1)!;
  assert.equal(l1.edx, 0); // the test host supports no leaf 1 EDX features (HTT is off with one CPU)
  assert.equal(l1.ecx, ((1 << 13) | 1 | 2 ** 31) >>> 0); // SSE3 and CX16 are in the test host's set
});
