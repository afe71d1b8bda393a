/**
 * Random IA-32 integer instruction sequences for differential tests against the host processor:
 * each case seeds EFLAGS, the general registers and 64 bytes of memory, runs a few instructions
 * (recording EFLAGS after each) and stores the registers and memory. The same GNU-as text runs
 * natively as a static i386 Linux program and on the software CPU in ring 0, with `buf` and `out`
 * at the same absolute addresses in both. Flags an instruction leaves undefined (SDM vol. 2 per
 * instruction; Intel and AMD differ there) are masked until an instruction defines them again, and
 * an instruction that reads the flags gets freshly seeded ones first.
 */

/** Where the cases' memory operand and results live, natively and on the software CPU. */
export const DIFF_BUF = 0x180_0000, DIFF_OUT = 0x180_1000;

/** One program: its instruction text, how many result words it stores, and per word the flags compared (-1 = all bits). */
export interface DiffProgram {
  body: string;
  masks: number[];
  labels: string[];
}

const ALL = 0x8d5, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esi', 'edi', 'ebp'];
const R16 = ['ax', 'cx', 'dx', 'bx', 'si', 'di', 'bp'];
const R8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const SFX: Record<number, string> = { 1: 'b', 2: 'w', 4: 'l' };

/** Builds `cases` random cases of `length` instructions from `seed` (deterministic). */
export function diffProgram(seed: number, cases: number, length: number): DiffProgram {
  let s = seed >>> 0;
  const rnd = (): number => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return ((s >>> 8) ^ (s << 7)) >>> 0; };
  const pick = <T>(a: readonly T[]): T => a[rnd() % a.length]!;
  const reg = (n: number): string => '%' + pick(n === 1 ? R8 : n === 2 ? R16 : R32);
  const mem = (n: number): string => `buf+${rnd() % (64 - n)}`;
  const rm = (n: number): string => (rnd() % 3 === 0 ? mem(n) : reg(n));
  const imm = (n: number): string => {
    const r = rnd();
    const v = pick([0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, r, r & 0xff, r & 0xffff]);
    return '$' + (n === 4 ? v >>> 0 : n === 2 ? v & 0xffff : v & 0xff);
  };
  const shiftUndef = (n: number): number => (n === 0 ? 0 : n === 1 ? AF : AF | OF);
  // [instruction text (';' separates lines), flags it leaves undefined]
  const gen = (): [string, number] => {
    const n = pick([1, 2, 4, 4, 4]);
    const x = SFX[n]!;
    const wide = n === 1 ? 4 : n;
    const xw = SFX[wide]!;
    switch (rnd() % 24) {
      case 0: case 1: {
        const op = pick(['add', 'adc', 'sub', 'sbb', 'cmp']);
        const f = rnd() % 3;
        return [f === 0 ? `${op}${x} ${imm(n)}, ${rm(n)}` : f === 1 ? `${op}${x} ${rm(n)}, ${reg(n)}` : `${op}${x} ${reg(n)}, ${rm(n)}`, 0];
      }
      case 2: { const op = pick(['and', 'or', 'xor', 'test']); return [rnd() & 1 ? `${op}${x} ${imm(n)}, ${rm(n)}` : `${op}${x} ${reg(n)}, ${rm(n)}`, AF]; }
      case 3: return [`${pick(['inc', 'dec', 'neg', 'not'])}${x} ${rm(n)}`, 0];
      case 4: case 5: { const c = rnd() % (n * 8); return [`${pick(['shl', 'shr', 'sar'])}${x} $${c}, ${rm(n)}`, shiftUndef(c)]; }
      case 6: { const c = rnd() % 32; return [`${pick(['rol', 'ror', 'rcl', 'rcr'])}${x} $${c}, ${rm(n)}`, c > 1 ? OF : 0]; }
      case 7: { const c = rnd() % (wide * 8); return [`${pick(['shld', 'shrd'])}${xw} $${c}, ${reg(wide)}, ${rm(wide)}`, shiftUndef(c)]; }
      case 8: return [rnd() & 1 ? `imul${xw} ${rm(wide)}, ${reg(wide)}` : `imul${xw} ${imm(wide)}, ${rm(wide)}, ${reg(wide)}`, SF | ZF | AF | PF];
      case 9: return [`${pick(['mul', 'imul'])}${x} ${rm(n)}`, SF | ZF | AF | PF];
      case 10: { const op = pick(['bt', 'bts', 'btr', 'btc']); return [rnd() & 1 ? `${op}${xw} $${rnd() % 256}, ${rm(wide)}` : `${op}${xw} ${reg(wide)}, ${reg(wide)}`, OF | SF | AF | PF]; }
      case 11: return [`${pick(['bsf', 'bsr'])}${xw} ${rm(wide)}, ${reg(wide)}`, ALL & ~ZF];
      case 12: case 13: return [`set${pick(CC)} ${rnd() & 1 ? reg(1) : mem(1)}`, 0];
      case 14: case 15: return [`cmov${pick(CC)}${xw} ${rm(wide)}, ${reg(wide)}`, 0];
      case 16: return [`${pick(['xadd', 'cmpxchg'])}${x} ${reg(n)}, ${rm(n)}`, 0];
      case 17: return [`${pick(['movzb', 'movsb'])}${xw} ${rm(1)}, ${reg(wide)}`, 0];
      case 18: return [`${pick(['movzwl', 'movswl'])} ${rm(2)}, ${reg(4)}`, 0];
      case 19: return [pick(['cltd', 'cwtl', 'cbtw', 'cwtd', 'clc', 'stc', 'cmc', 'lahf']), 0];
      case 20: return [`bswap ${reg(4)}`, 0];
      case 21: return [`xchg${x} ${reg(n)}, ${rm(n)}`, 0];
      case 22: {
        // DIV/IDIV of a dividend that fits: the high half cleared or sign-extended, odd divisors.
        const op = pick(['div', 'idiv']);
        const pre = n === 4 ? (op === 'div' ? 'xorl %edx, %edx' : 'cltd') : n === 2 ? (op === 'div' ? 'xorw %dx, %dx' : 'cwtd') : op === 'div' ? 'movb $0, %ah' : 'cbtw';
        const src = pick([n === 4 ? '%ebx' : n === 2 ? '%bx' : '%bl', 'buf+8']);
        return [`${pre} ; orl $1, %ebx ; orl $0x01010101, buf+8 ; ${op}${x} ${src}`, ALL];
      }
      default: {
        const op = pick(['movs', 'stos', 'cmps', 'scas', 'lods']);
        const rep = op === 'cmps' || op === 'scas' ? pick(['', 'repz ', 'repnz ']) : pick(['', 'rep ']);
        return [`${rnd() & 1 ? 'std' : 'cld'} ; leal buf+${24 + (rnd() % 8)}, %esi ; leal buf+${24 + (rnd() % 8)}, %edi ; movl $${rnd() % 5}, %ecx ; ${rep}${op}${x} ; leal -buf(%esi), %esi ; leal -buf(%edi), %edi ; cld`, 0];
      }
    }
  };
  const lines: string[] = [];
  const masks: number[] = [];
  const labels: string[] = [];
  let slot = 0;
  const seedFlags = (): void => { lines.push(`pushl $${rnd() & ALL}`, 'popfl'); };
  for (let c = 0; c < cases; c++) {
    seedFlags();
    let known = ALL;
    for (const r of R32) lines.push(`movl $${rnd() >>> 0}, %${r}`);
    for (let i = 0; i < 16; i++) lines.push(`movl $${rnd() >>> 0}, buf+${4 * i}`);
    for (let i = 0; i < length; i++) {
      const [text, undef] = gen();
      if (known !== ALL && /^(adc|sbb|set|cmov|rc|cmc|lahf)|repn?z/.test(text)) { seedFlags(); known = ALL; }
      known &= ~undef;
      lines.push(...text.split(' ; '), 'pushfl', `popl out+${4 * slot++}`);
      masks.push(known);
      labels.push(`case ${c}: EFLAGS after ${text}`);
    }
    for (const r of R32) { lines.push(`movl %${r}, out+${4 * slot++}`); masks.push(-1); labels.push(`case ${c}: ${r}`); }
    for (let i = 0; i < 16; i++) { lines.push(`movl buf+${4 * i}, %eax`, `movl %eax, out+${4 * slot++}`); masks.push(-1); labels.push(`case ${c}: buf+${4 * i}`); }
  }
  return { body: lines.map((l) => `  ${l}\n`).join(''), masks, labels };
}

/** The native wrapper: maps `buf`/`out` (mmap2), runs the body, writes the results to stdout and exits. */
export function nativeSource(p: DiffProgram): string {
  return `.globl _start\n.set buf, ${DIFF_BUF}\n.set out, ${DIFF_OUT}\n.text\n_start:\n` +
    '  movl $192, %eax\n  movl $buf, %ebx\n  movl $0x100000, %ecx\n  movl $3, %edx\n  movl $0x32, %esi\n  movl $-1, %edi\n  xorl %ebp, %ebp\n  int $0x80\n' +
    p.body +
    `  movl $4, %eax\n  movl $1, %ebx\n  movl $out, %ecx\n  movl $${4 * p.masks.length}, %edx\n  int $0x80\n  movl $1, %eax\n  xorl %ebx, %ebx\n  int $0x80\n`;
}
