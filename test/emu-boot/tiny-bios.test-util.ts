// Builds the tiny hand-made BIOS (tiny-bios.S) with binutils into a temporary directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/process.js';

/** The assembly source, in the repository (tests run from dist/). */
export const TINY_BIOS_SOURCE = path.join(REPO_ROOT, 'test/emu-boot/tiny-bios.S');

/** What the tiny BIOS prints on COM1 when every stage passes, in order. */
export const TINY_BIOS_LINES = [
  'tiny bios: start',
  'tiny bios: reset by 0xcf9',
  'tiny bios: reset by triple fault',
  'tiny bios: reset by keyboard controller',
  'tiny bios: rom is read-only',
  'tiny bios: protected mode, ram ok',
];

/** isa-debug-exit status of a passing run: (0x21 << 1) | 1. */
export const TINY_BIOS_STATUS = 67;

/** Assembles and links the BIOS (as --32, ld to a flat binary at address 0); returns its path. */
export function buildTinyBios(): string {
  return assembleBios(TINY_BIOS_SOURCE);
}

/** Assembles and links a 64 KiB BIOS image from `source` (a .S file linked at 0, mapped at 0xF0000); returns its path. */
export function assembleBios(source: string): string {
  const name = path.basename(source, '.S');
  const dir = mkdtempSync(path.join(tmpdir(), `tkvm-${name}-`));
  const obj = path.join(dir, `${name}.o`);
  const bin = path.join(dir, `${name}.bin`);
  execFileSync('as', ['--32', '-I', path.dirname(source), '-o', obj, source]);
  execFileSync('ld', ['-m', 'elf_i386', '-Ttext', '0', '-e', '0', '--oformat', 'binary', '-o', bin, obj]);
  return bin;
}

/** The serial output as lines, without carriage returns or the empty tail. */
export function outputLines(text: string): string[] {
  return text.replace(/\r/g, '').split('\n').filter((l) => l !== '');
}

