/**
 * Minimal ELF32/ELF64 reader for kernels: the file header, program headers and notes
 * (System V gABI, "ELF Header", "Program Header", "Note Section").
 *
 * Threat note: the file is user input. Every offset and size read from it is checked against
 * the file length (or 2^52 for addresses) before use, 64-bit fields are read as bigint and
 * refused when they exceed 2^52, and note parsing stops at the end of its segment.
 */
import { BootError } from './boot-error.js';

/** ELF header offsets (gABI); [32-bit, 64-bit] where they differ. */
const EH = {
  class: 4, data: 5, version: 6, type: 16, machine: 18,
  entry: 24, phoff: [28, 32], phentsize: [42, 54], phnum: [44, 56], size: [52, 64],
} as const;
/** Program header offsets (gABI), [32-bit, 64-bit]. */
const PH = {
  type: [0, 0], offset: [4, 8], paddr: [12, 24], filesz: [16, 32], memsz: [20, 40], align: [28, 48], size: [32, 56],
} as const;

/** p_type of a loadable segment. */
export const PT_LOAD = 1;
/** p_type of a note segment. */
export const PT_NOTE = 4;
/** e_machine of a 32-bit x86 ELF (PVH kernels may be either). */
export const EM_386 = 3;
/** e_machine of an x86-64 ELF. */
export const EM_X86_64 = 62;
/** e_type of an executable. */
export const ET_EXEC = 2;
const ADDR_LIMIT = 2n ** 52n;

/** One program header, with numbers proven to be safe integers and file ranges inside the file. */
export interface ElfSegment {
  readonly index: number;
  readonly type: number;
  readonly offset: number;
  readonly paddr: number;
  readonly filesz: number;
  readonly memsz: number;
  readonly align: number;
}

/** One ELF note. */
export interface ElfNote {
  readonly name: string;
  readonly type: number;
  readonly desc: Uint8Array;
}

/** A parsed ELF file: what a kernel loader needs. */
export interface ElfFile {
  readonly bits: 32 | 64;
  readonly machine: number;
  readonly entry: number;
  readonly segments: readonly ElfSegment[];
  readonly notes: readonly ElfNote[];
}

/** True when the file starts with the ELF magic \x7fELF. */
export function isElf(file: Uint8Array): boolean {
  return file.length >= 4 && file[0] === 0x7f && file[1] === 0x45 && file[2] === 0x4c && file[3] === 0x46;
}

function bad(kind: string, message: string, context: Record<string, unknown> = {}): BootError {
  return new BootError(kind, `bad ELF kernel: ${message}`, context);
}

/** Parses an ELF kernel's header, program headers and notes, validating them against the file. */
export function parseElf(file: Uint8Array): ElfFile {
  if (!isElf(file)) throw bad('not-a-kernel', 'no \\x7fELF magic');
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const cls = file[EH.class];
  if (cls !== 1 && cls !== 2) throw bad('corrupt', `EI_CLASS ${cls} is neither ELF32 nor ELF64`);
  const w = cls === 1 ? 0 : 1;
  if (file.length < EH.size[w]) throw bad('truncated', `file is ${file.length} bytes, shorter than its ELF header`);
  if (file[EH.data] !== 1) throw bad('unsupported', 'big-endian ELF; x86 kernels are little-endian');
  if (file[EH.version] !== 1) throw bad('corrupt', `EI_VERSION ${file[EH.version]} is not 1`);
  const machine = v.getUint16(EH.machine, true);
  if (machine !== EM_386 && machine !== EM_X86_64) throw bad('unsupported', `e_machine ${machine} is not x86 (3) or x86-64 (62)`);
  const type = v.getUint16(EH.type, true);
  if (type !== ET_EXEC) throw bad('unsupported', `e_type ${type} is not an executable (ET_EXEC)`);
  const word = (off: number, what: string): number => {
    const x = w === 0 ? BigInt(v.getUint32(off, true)) : v.getBigUint64(off, true);
    if (x >= ADDR_LIMIT) throw bad('corrupt', `${what} 0x${x.toString(16)} is beyond any guest address`, { offset: off });
    return Number(x);
  };
  const phoff = word(EH.phoff[w], 'e_phoff');
  const phentsize = v.getUint16(EH.phentsize[w], true);
  const phnum = v.getUint16(EH.phnum[w], true);
  if (phnum === 0) throw bad('corrupt', 'no program headers');
  if (phentsize !== PH.size[w]) throw bad('corrupt', `e_phentsize ${phentsize}, expected ${PH.size[w]}`);
  if (phoff + phnum * phentsize > file.length) {
    throw bad('truncated', `program headers at 0x${phoff.toString(16)} (${phnum} x ${phentsize} bytes) run past the end of the ${file.length}-byte file`);
  }
  const segments: ElfSegment[] = [];
  const notes: ElfNote[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const s: ElfSegment = {
      index: i,
      type: v.getUint32(at + PH.type[w], true),
      offset: word(at + PH.offset[w], `segment ${i} p_offset`),
      paddr: word(at + PH.paddr[w], `segment ${i} p_paddr`),
      filesz: word(at + PH.filesz[w], `segment ${i} p_filesz`),
      memsz: word(at + PH.memsz[w], `segment ${i} p_memsz`),
      align: word(at + PH.align[w], `segment ${i} p_align`),
    };
    if (s.type !== PT_LOAD && s.type !== PT_NOTE) continue;
    if (s.offset + s.filesz > file.length) {
      throw bad('truncated', `segment ${i} file bytes [0x${s.offset.toString(16)}, 0x${(s.offset + s.filesz).toString(16)}) run past the end of the ${file.length}-byte file`, { segment: i });
    }
    if (s.type === PT_LOAD && s.filesz > s.memsz) throw bad('corrupt', `segment ${i} has p_filesz 0x${s.filesz.toString(16)} > p_memsz 0x${s.memsz.toString(16)}`, { segment: i });
    if (s.paddr + s.memsz > Number(ADDR_LIMIT)) throw bad('corrupt', `segment ${i} ends beyond any guest address`, { segment: i });
    if (s.type === PT_LOAD) segments.push(s);
    else notes.push(...parseNotes(file.subarray(s.offset, s.offset + s.filesz), s.align === 8 ? 8 : 4, i));
  }
  return { bits: w === 0 ? 32 : 64, machine, entry: word(EH.entry, 'e_entry'), segments, notes };
}

/** Parses a note segment: {namesz, descsz, type, name, desc}, name and desc padded to `align`. */
function parseNotes(b: Uint8Array, align: number, segment: number): ElfNote[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const pad = (n: number): number => Math.ceil(n / align) * align;
  const out: ElfNote[] = [];
  let at = 0;
  while (at + 12 <= b.length) {
    const namesz = v.getUint32(at, true);
    const descsz = v.getUint32(at + 4, true);
    const type = v.getUint32(at + 8, true);
    const nameAt = at + 12;
    const descAt = nameAt + pad(namesz);
    if (descAt + descsz > b.length) throw bad('truncated', `note in segment ${segment} at +0x${at.toString(16)} runs past the segment`, { segment });
    const name = new TextDecoder().decode(b.subarray(nameAt, nameAt + namesz)).replace(/\0+$/, '');
    out.push({ name, type, desc: b.subarray(descAt, descAt + descsz) });
    at = descAt + pad(descsz);
  }
  return out;
}
