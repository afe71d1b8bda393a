/**
 * The host-CPU side of the comparison: builds the freestanding 32-bit harness (native/*.S, *.c)
 * with gcc -m32 into build/emu-check/, feeds it cases and decodes what the real CPU did.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../helpers/process.js';
import { CODE_BASE, COMPLETED, BP, type Case, type Outcome } from './layout.test-util.js';

const SOURCES = ['start.S', 'harness.c'].map((f) => path.join(REPO_ROOT, 'test/emu-check/native', f));
const THIS_FILE = fileURLToPath(import.meta.url);
const OUT_DIR = path.join(REPO_ROOT, 'build/emu-check');
const HARNESS = path.join(OUT_DIR, 'harness');
const CFLAGS = ['-m32', '-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-ffreestanding', '-fno-pic', '-fno-pie',
  '-fno-stack-protector', '-fcf-protection=none', '-fno-asynchronous-unwind-tables', '-nostdlib', '-static', '-no-pie',
  '-Wl,--build-id=none', '-Wl,-z,noexecstack', '-Wl,-Ttext-segment=0x60000000'];

/** The native harness, or why it cannot run on this machine (a skip reason). */
export type HarnessStatus = { readonly path: string } | { readonly skip: string };

let cached: HarnessStatus | undefined;

/** Builds the harness when a source is newer than it, then checks that this kernel runs it. */
export function nativeHarness(): HarnessStatus {
  if (cached) return cached;
  cached = buildAndProbe();
  return cached;
}

function buildAndProbe(): HarnessStatus {
  if (process.arch !== 'x64' && process.arch !== 'ia32') return { skip: `the host CPU is ${process.arch}, not x86` };
  const newest = Math.max(...[...SOURCES, THIS_FILE].map((s) => statSync(s).mtimeMs));
  if (!existsSync(HARNESS) || statSync(HARNESS).mtimeMs < newest) {
    mkdirSync(OUT_DIR, { recursive: true });
    const tmp = `${HARNESS}.${process.pid}.tmp`;
    try {
      execFileSync('gcc', [...CFLAGS, '-o', tmp, ...SOURCES], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      const err = e as { code?: string; stderr?: Buffer };
      if (err.code === 'ENOENT') return { skip: 'gcc is not installed (Debian: apt-get install gcc binutils)' };
      throw new Error(`building the emu-check harness with gcc -m32 failed:\n${err.stderr?.toString() ?? String(e)}`);
    }
    renameSync(tmp, HARNESS);
  }
  try {
    execFileSync(HARNESS, [], { input: Buffer.alloc(4), stdio: ['pipe', 'ignore', 'pipe'] });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer };
    if (err.code === 'ENOEXEC' || err.code === 'ENOENT') return { skip: 'this kernel does not run 32-bit programs (no IA32 emulation)' };
    throw new Error(`the emu-check harness failed to start: ${err.stderr?.toString() ?? String(e)}`);
  }
  return { path: HARNESS };
}

function encode(cases: readonly Case[]): Buffer {
  let size = 4;
  for (const c of cases) size += 44 + ((c.code.length + 3) & ~3);
  const buf = Buffer.alloc(size);
  let pos = 0;
  for (const c of cases) {
    buf.writeUInt32LE(c.code.length, pos);
    buf.writeUInt32LE(c.memSeed >>> 0, pos + 4);
    for (let r = 0; r < 8; r++) buf.writeUInt32LE(c.regs[r]! >>> 0, pos + 8 + 4 * r);
    buf.writeUInt32LE(c.eflags >>> 0, pos + 40);
    buf.set(c.code, pos + 44);
    pos += 44 + ((c.code.length + 3) & ~3);
  }
  buf.writeUInt32LE(0, pos);
  return buf;
}

function decode(out: Buffer, cases: readonly Case[]): Outcome[] {
  const results: Outcome[] = [];
  let pos = 0;
  for (const c of cases) {
    if (pos + 84 > out.length) throw new Error(`the emu-check harness stopped after ${results.length} of ${cases.length} sequences`);
    const w = (i: number): number => out.readUInt32LE(pos + 4 * i);
    const trapno = w(1);
    const eip = w(4);
    const end = CODE_BASE + c.code.length;
    const completed = trapno === BP && eip === end;
    const changes = new Map<number, number>();
    const n = w(20);
    for (let i = 0; i < n; i++) {
      const e = out.readUInt32LE(pos + 84 + 4 * i);
      changes.set(e >>> 8, e & 0xff);
    }
    results.push({
      vector: completed ? COMPLETED : trapno,
      errorCode: w(2),
      cr2: trapno === 14 ? w(3) : 0,
      eip: completed ? end - 1 : eip,
      regs: Uint32Array.from([w(5), w(6), w(7), w(8), w(9), w(10), w(11), w(12)]),
      eflags: w(13),
      segs: Uint16Array.from([w(14), w(15), w(16), w(17), w(18), w(19)]),
      changes,
    });
    pos += 84 + 4 * n;
  }
  return results;
}

/**
 * setarch -R (util-linux) turns address-space randomization off for the harness, so that the
 * native-only mappings (its stack, the vDSO) sit at the same place on every run and a random
 * pointer in a sequence hits them either always or never.
 */
const SETARCH = ['/usr/bin/setarch', '/bin/setarch'].find((p) => existsSync(p));

/** Runs the cases on the host CPU, in one harness process. */
export function runNative(harness: string, cases: readonly Case[]): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const [cmd, args] = SETARCH ? [SETARCH, ['-R', harness]] : [harness, []];
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(guard);
      if (status !== 0) {
        reject(new Error(`emu-check harness exited with ${status ?? signal}: ${stderr.trim()} (a sequence may loop)`));
        return;
      }
      try {
        resolve(decode(Buffer.concat(chunks), cases));
      } catch (e) {
        reject(e as Error);
      }
    });
    child.stdin.end(encode(cases));
  });
}
