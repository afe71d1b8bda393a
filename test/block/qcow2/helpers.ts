/**
 * Test helpers for the qcow2 driver tests: temp directories, the real qemu-img/qemu-io, a seeded
 * PRNG and whole-image reads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlockDriver } from '../../../src/block/driver.js';
import { prng as prngU32 } from '../../../src/devices/test-util.js';

/** Result of running an external tool. */
export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs qemu-img with `args`. */
export function qemuImg(...args: string[]): Run {
  const r = spawnSync('qemu-img', args, { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs qemu-io commands on an image (e.g. "write -P 0xab 0 64k"). */
export function qemuIo(path: string, fmt: string, ...cmds: string[]): void {
  const args = ['-f', fmt];
  for (const c of cmds) args.push('-c', c);
  args.push(path);
  const r = spawnSync('qemu-io', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`qemu-io ${cmds.join('; ')} failed: ${r.stderr}${r.stdout}`);
}

/** qemu-img check --output=json, parsed, with the exit status. */
export function qemuCheck(path: string): { status: number; json: Record<string, unknown> } {
  const r = qemuImg('check', '--output=json', path);
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    json = { unparsable: r.stdout + r.stderr };
  }
  return { status: r.status, json };
}

/** qemu-img info --output=json, parsed. */
export function qemuInfo(path: string): Record<string, unknown> {
  const r = qemuImg('info', '--output=json', path);
  if (r.status !== 0) throw new Error(`qemu-img info failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** The guest content of an image as qemu-img sees it (qemu-img convert -O raw). */
export function qemuToRaw(path: string, dir: string): Uint8Array {
  const out = join(dir, `conv-${Math.random().toString(36).slice(2)}.raw`);
  const r = qemuImg('convert', '-O', 'raw', path, out);
  if (r.status !== 0) throw new Error(`qemu-img convert failed: ${r.stderr}`);
  const data = new Uint8Array(readFileSync(out));
  rmSync(out);
  return data;
}

/** Creates a fresh temporary directory and returns it with a cleanup function. */
export function tempDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `tkvm-qcow2-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `fn` in a fresh temporary directory and removes the directory afterwards. */
export async function inTempDir(tag: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = tempDir(tag);
  try {
    await fn(dir);
  } finally {
    cleanup();
  }
}

/** Fails unless `qemu-img check` finds no errors and no leaks in the image. */
export function assertQemuClean(path: string): void {
  const c = qemuCheck(path);
  if (c.status !== 0) throw new Error(`qemu-img check ${path}: status ${c.status}: ${JSON.stringify(c.json)}`);
}

/** Writes a raw file. */
export function writeRaw(path: string, data: Uint8Array): void {
  writeFileSync(path, data);
}

/** Small deterministic PRNG (the devices' mulberry32) as floats in [0, 1), so failures replay. */
export function prng(seed: number): () => number {
  const next = prngU32(seed);
  return () => next() / 4294967296;
}

/** Integer in [0, n). */
export function randInt(rnd: () => number, n: number): number {
  return Math.floor(rnd() * n);
}

/** Pattern data that compresses somewhat but is not trivial. */
export function patternBytes(rnd: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  const mode = randInt(rnd, 3);
  const v = randInt(rnd, 256);
  for (let i = 0; i < n; i++) b[i] = mode === 0 ? randInt(rnd, 256) : mode === 1 ? (v + (i >> 4)) & 255 : v;
  return b;
}

/** Reads a whole driver into memory. */
export async function readAll(d: BlockDriver): Promise<Uint8Array> {
  const size = (await d.getInfo()).virtualSize;
  const out = new Uint8Array(size);
  const chunk = 1 << 20;
  for (let p = 0; p < size; p += chunk) await d.read(p, out.subarray(p, Math.min(size, p + chunk)));
  return out;
}

/** Index of the first differing byte, or -1. */
export function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
