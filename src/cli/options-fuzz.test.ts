/**
 * Random command lines built from real option names and value fragments: parseRunArgs must
 * either return a config or throw a CliError, never crash with a TypeError or RangeError.
 * Seeded, so a failure replays; about 3000 lines in well under a second.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CliError } from './options-error.js';
import { parseRunArgs } from './options.js';
import { QEMU_OPTIONS } from './options-table.js';

const NAMES = [...QEMU_OPTIONS.keys()].map((n) => `-${n}`).concat(['--m', '-foo', '-', '--']);
const VALUES = [
  '', ',', ',,', '=', '0', '1', '255', '256', '0x', '0xf4', '2G', '1.5G', '99999999999999999999', 'size=', 'cpus=3,sockets=2',
  'stdio', 'mon:stdio', 'null', 'none', 'file:', 'unix:', 'unix:/tmp/x,server,nowait', 'isa-debug-exit,iobase=0x10000',
  'pc,accel=kvm:tcg', 'kvm', 'tcg', 'help', 'none', 'order=dc', 'file=/etc/hostname,index=9', '/etc/hostname', 'a=b=c',
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('random command lines give a config or a CliError', () => {
  const rand = rng(0x7c1e);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  for (let i = 0; i < 3000; i++) {
    const argv: string[] = [];
    const n = Math.floor(rand() * 6);
    for (let j = 0; j < n; j++) {
      argv.push(pick(NAMES));
      if (rand() < 0.8) argv.push(pick(VALUES));
    }
    try {
      parseRunArgs(argv);
    } catch (err) {
      assert.ok(err instanceof CliError, `${JSON.stringify(argv)} threw ${String(err)}`);
    }
  }
});
