/**
 * Layouts of struct kvm_regs, kvm_sregs (with kvm_segment and kvm_dtable), kvm_cpuid2 and
 * kvm_msrs from arch/x86/include/uapi/asm/kvm.h, as plain objects plus encode/decode helpers.
 */

/** General-purpose registers in kvm_regs order. */
export const GPR_NAMES = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rsp', 'rbp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', 'rflags'] as const;
/** One register name of kvm_regs. */
export type GprName = (typeof GPR_NAMES)[number];
/** struct kvm_regs as bigints. */
export type KvmRegs = Record<GprName, bigint>;
/** sizeof(struct kvm_regs). */
export const KVM_REGS_SIZE = 144;

/** Decodes struct kvm_regs. */
export function decodeRegs(buf: Uint8Array): KvmRegs {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const regs = {} as KvmRegs;
  GPR_NAMES.forEach((name, i) => (regs[name] = dv.getBigUint64(i * 8, true)));
  return regs;
}

/** Encodes struct kvm_regs. */
export function encodeRegs(regs: KvmRegs): Uint8Array {
  const buf = new Uint8Array(KVM_REGS_SIZE);
  const dv = new DataView(buf.buffer);
  GPR_NAMES.forEach((name, i) => dv.setBigUint64(i * 8, BigInt.asUintN(64, regs[name]), true));
  return buf;
}

/** struct kvm_segment. */
export interface KvmSegment {
  base: bigint;
  limit: number;
  selector: number;
  type: number;
  present: number;
  dpl: number;
  db: number;
  s: number;
  l: number;
  g: number;
  avl: number;
  unusable: number;
}
/** struct kvm_dtable. */
export interface KvmDtable {
  base: bigint;
  limit: number;
}
/** struct kvm_sregs. */
export interface KvmSregs {
  cs: KvmSegment;
  ds: KvmSegment;
  es: KvmSegment;
  fs: KvmSegment;
  gs: KvmSegment;
  ss: KvmSegment;
  tr: KvmSegment;
  ldt: KvmSegment;
  gdt: KvmDtable;
  idt: KvmDtable;
  cr0: bigint;
  cr2: bigint;
  cr3: bigint;
  cr4: bigint;
  cr8: bigint;
  efer: bigint;
  apicBase: bigint;
  /** Pending external interrupt bitmap: 4 x u64. */
  interruptBitmap: bigint[];
}
/** sizeof(struct kvm_sregs). */
export const KVM_SREGS_SIZE = 312;
const SEGMENTS = ['cs', 'ds', 'es', 'fs', 'gs', 'ss', 'tr', 'ldt'] as const;

function decodeSegment(dv: DataView, off: number): KvmSegment {
  return {
    base: dv.getBigUint64(off, true),
    limit: dv.getUint32(off + 8, true),
    selector: dv.getUint16(off + 12, true),
    type: dv.getUint8(off + 14),
    present: dv.getUint8(off + 15),
    dpl: dv.getUint8(off + 16),
    db: dv.getUint8(off + 17),
    s: dv.getUint8(off + 18),
    l: dv.getUint8(off + 19),
    g: dv.getUint8(off + 20),
    avl: dv.getUint8(off + 21),
    unusable: dv.getUint8(off + 22),
  };
}

function encodeSegment(dv: DataView, off: number, s: KvmSegment): void {
  dv.setBigUint64(off, BigInt.asUintN(64, s.base), true);
  dv.setUint32(off + 8, s.limit >>> 0, true);
  dv.setUint16(off + 12, s.selector, true);
  const bytes = [s.type, s.present, s.dpl, s.db, s.s, s.l, s.g, s.avl, s.unusable];
  bytes.forEach((b, i) => dv.setUint8(off + 14 + i, b));
}

/** Decodes struct kvm_sregs. */
export function decodeSregs(buf: Uint8Array): KvmSregs {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const seg = (i: number): KvmSegment => decodeSegment(dv, i * 24);
  const u64 = (off: number): bigint => dv.getBigUint64(off, true);
  return {
    cs: seg(0), ds: seg(1), es: seg(2), fs: seg(3), gs: seg(4), ss: seg(5), tr: seg(6), ldt: seg(7),
    gdt: { base: u64(192), limit: dv.getUint16(200, true) },
    idt: { base: u64(208), limit: dv.getUint16(216, true) },
    cr0: u64(224), cr2: u64(232), cr3: u64(240), cr4: u64(248), cr8: u64(256), efer: u64(264), apicBase: u64(272),
    interruptBitmap: [u64(280), u64(288), u64(296), u64(304)],
  };
}

/** Encodes struct kvm_sregs. */
export function encodeSregs(s: KvmSregs): Uint8Array {
  const buf = new Uint8Array(KVM_SREGS_SIZE);
  const dv = new DataView(buf.buffer);
  SEGMENTS.forEach((name, i) => encodeSegment(dv, i * 24, s[name]));
  const u64 = (off: number, v: bigint): void => dv.setBigUint64(off, BigInt.asUintN(64, v), true);
  u64(192, s.gdt.base);
  dv.setUint16(200, s.gdt.limit, true);
  u64(208, s.idt.base);
  dv.setUint16(216, s.idt.limit, true);
  u64(224, s.cr0); u64(232, s.cr2); u64(240, s.cr3); u64(248, s.cr4); u64(256, s.cr8); u64(264, s.efer); u64(272, s.apicBase);
  s.interruptBitmap.forEach((v, i) => u64(280 + i * 8, v));
  return buf;
}

/** One struct kvm_cpuid_entry2. */
export interface CpuidEntry {
  function: number;
  index: number;
  flags: number;
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
}
/** kvm_cpuid_entry2.flags: the leaf's output depends on ECX. */
export const KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1;
const CPUID_ENTRY_SIZE = 40;

/** A struct kvm_cpuid2 buffer with room for `max` entries (nent preset to max). */
export function cpuid2Buffer(max: number): Uint8Array {
  const buf = new Uint8Array(8 + max * CPUID_ENTRY_SIZE);
  new DataView(buf.buffer).setUint32(0, max, true);
  return buf;
}

/** Decodes struct kvm_cpuid2. */
export function decodeCpuid2(buf: Uint8Array): CpuidEntry[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = dv.getUint32(0, true);
  const out: CpuidEntry[] = [];
  for (let i = 0; i < n; i++) {
    const o = 8 + i * CPUID_ENTRY_SIZE;
    out.push({
      function: dv.getUint32(o, true), index: dv.getUint32(o + 4, true), flags: dv.getUint32(o + 8, true),
      eax: dv.getUint32(o + 12, true), ebx: dv.getUint32(o + 16, true), ecx: dv.getUint32(o + 20, true), edx: dv.getUint32(o + 24, true),
    });
  }
  return out;
}

/** Encodes struct kvm_cpuid2. */
export function encodeCpuid2(entries: readonly CpuidEntry[]): Uint8Array {
  const buf = cpuid2Buffer(entries.length);
  const dv = new DataView(buf.buffer);
  entries.forEach((e, i) => {
    const o = 8 + i * CPUID_ENTRY_SIZE;
    [e.function, e.index, e.flags, e.eax, e.ebx, e.ecx, e.edx].forEach((v, j) => dv.setUint32(o + j * 4, v >>> 0, true));
  });
  return buf;
}

/** Encodes struct kvm_msrs with the given (index, value) entries. */
export function encodeMsrs(entries: ReadonlyArray<readonly [number, bigint]>): Uint8Array {
  const buf = new Uint8Array(8 + entries.length * 16);
  const dv = new DataView(buf.buffer);
  dv.setUint32(0, entries.length, true);
  entries.forEach(([index, value], i) => {
    dv.setUint32(8 + i * 16, index, true);
    dv.setBigUint64(16 + i * 16, BigInt.asUintN(64, value), true);
  });
  return buf;
}

/** Decodes the values of a struct kvm_msrs buffer after KVM_GET_MSRS. */
export function decodeMsrs(buf: Uint8Array): Array<[number, bigint]> {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = dv.getUint32(0, true);
  const out: Array<[number, bigint]> = [];
  for (let i = 0; i < n; i++) out.push([dv.getUint32(8 + i * 16, true), dv.getBigUint64(16 + i * 16, true)]);
  return out;
}
