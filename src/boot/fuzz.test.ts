import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory } from '../memory/guest-memory.js';
import { pcRamRegions } from '../memory/layout.js';
import { makeBzImage, makeElf, pvhNote } from '../../test/boot/fixtures.js';
import { BootError } from './boot-error.js';
import { loadKernel } from './direct-boot.js';

/** Deterministic xorshift32, so a failure replays from its seed. */
function rng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const MiB = 0x10_0000;
const ram = pcRamRegions(48 * MiB);
const mem = GuestMemory.allocate(ram);
const seeds: Array<[string, Uint8Array, number]> = [
  ['bzImage', makeBzImage({ kernelSize: 0x800 }), 0x300],
  ['ELF64', makeElf({ segments: [{ paddr: 2 * MiB, data: new Uint8Array(64), memsz: 0x1000 }], notes: [pvhNote(2 * MiB)] }), 0x100],
  ['ELF32', makeElf({ bits: 32, segments: [{ paddr: 2 * MiB, data: new Uint8Array(64) }], notes: [pvhNote(2 * MiB, 4)] }), 0x100],
];

test('mutated kernels load or fail with a BootError, never anything else', () => {
  for (const [name, good, span] of seeds) {
    const rand = rng(name.length * 7919);
    for (let i = 0; i < 400; i++) {
      const k = Uint8Array.from(good);
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++) k[Math.floor(rand() * span)] = Math.floor(rand() * 256);
      const cut = rand() < 0.2 ? Math.floor(rand() * k.length) : k.length;
      try {
        loadKernel(mem, { kernel: k.subarray(0, cut), initrd: new Uint8Array(100), cmdline: 'x', ramRegions: ram, cpus: 2 });
      } catch (err) {
        assert.ok(err instanceof BootError, `${name} case ${i}: ${String(err)}`);
      }
    }
  }
});
