// CPUID's cache and topology leaves: what Linux's identify_cpu reads to count cores and size caches.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuid } from './cpuid.js';
import type { Core } from './core.js';

/** The few Core fields CPUID reads. */
const core = (cpus: number, apicId = 0): Core => ({ cpus, apicId, fpu: {} }) as unknown as Core;

function leaf(c: Core, n: number, sub = 0): number[] {
  const out = new Uint32Array(4);
  cpuid(c, n, out, sub);
  return [...out];
}

test('leaf 0 reports leaf 4 as the highest basic leaf', () => {
  assert.equal(leaf(core(1), 0)[0], 4);
});

test('leaf 4 lists L1d, L1i and L2 like leaf 2\'s descriptors (32 KiB, 32 KiB, 2 MiB, 8-way, 64-byte lines), then type 0', () => {
  const sizes: number[] = [];
  for (let sub = 0; ; sub++) {
    const [eax, ebx, ecx] = leaf(core(1), 4, sub) as [number, number, number, number];
    if ((eax & 0x1f) === 0) break;
    const ways = (ebx >>> 22) + 1, parts = ((ebx >>> 12) & 0x3ff) + 1, line = (ebx & 0xfff) + 1, sets = ecx + 1;
    sizes.push(((eax >>> 5) & 7) * 1e7 + (eax & 0x1f) * 1e6 + ways * parts * line * sets / 1024);
    assert.equal(line, 64);
    assert.equal(ways, 8);
  }
  // level*1e7 + type*1e6 + KiB
  assert.deepEqual(sizes, [1e7 + 1e6 + 32, 1e7 + 2e6 + 32, 2e7 + 3e6 + 2048]);
});

test('with -smp 2, leaves 1 and 4 describe one package of two cores (not two threads of one core)', () => {
  const c = core(2, 1);
  const [, ebx1, , edx1] = leaf(c, 1) as [number, number, number, number];
  assert.equal((ebx1 >>> 16) & 0xff, 2, 'logical processors per package');
  assert.equal(ebx1 >>> 24, 1, 'initial APIC ID');
  assert.equal((edx1 >>> 28) & 1, 1, 'HTT: more than one logical processor');
  const eax4 = leaf(c, 4, 0)[0]!;
  assert.equal((eax4 >>> 26) + 1, 2, 'cores per package');
  assert.equal(((eax4 >>> 14) & 0xfff) + 1, 1, 'logical processors sharing L1d: one thread per core');
});

test('a basic leaf above the highest answers as the highest, as Intel CPUs do', () => {
  assert.deepEqual(leaf(core(1), 0x17, 1), leaf(core(1), 4, 1));
});
