/**
 * Synthetic kernels for the boot unit tests: a bzImage with a chosen setup header and an ELF
 * with chosen program headers and notes, so each malformed case can be built precisely.
 */

/** Fields of a synthetic bzImage; defaults resemble a modern x86_64 kernel. */
export interface FakeBzImage {
  version?: number;
  setupSects?: number;
  kernelSize?: number;
  loadflags?: number;
  relocatable?: boolean;
  kernelAlignment?: number;
  prefAddress?: bigint;
  initSize?: number;
  xloadflags?: number;
  cmdlineSize?: number;
  initrdAddrMax?: number;
  magic?: string;
  /** Bytes cut off the end of the file. */
  truncateBy?: number;
}

/** Builds a bzImage whose protected-mode bytes are (i * 7 + 3) & 0xff. */
export function makeBzImage(o: FakeBzImage = {}): Uint8Array {
  const setupSects = o.setupSects ?? 4;
  const kernelSize = o.kernelSize ?? 0x3000;
  const setupBytes = ((setupSects || 4) + 1) * 512;
  const file = new Uint8Array(setupBytes + kernelSize);
  const v = new DataView(file.buffer);
  v.setUint8(0x1f1, setupSects);
  v.setUint32(0x1f4, Math.ceil(kernelSize / 16), true);
  v.setUint16(0x1fa, 0xffff, true);
  v.setUint16(0x1fe, 0xaa55, true);
  v.setUint8(0x200, 0xeb);
  v.setUint8(0x201, 0x6a); // header ends at 0x26c, as in Linux 6.x
  file.set(new TextEncoder().encode(o.magic ?? 'HdrS'), 0x202);
  v.setUint16(0x206, o.version ?? 0x20f, true);
  v.setUint8(0x211, o.loadflags ?? 0x01);
  v.setUint32(0x214, 0x100000, true);
  v.setUint32(0x22c, o.initrdAddrMax ?? 0x7fff_ffff, true);
  v.setUint32(0x230, o.kernelAlignment ?? 0x20_0000, true);
  v.setUint8(0x234, o.relocatable === false ? 0 : 1);
  v.setUint16(0x236, o.xloadflags ?? 0x7f, true);
  v.setUint32(0x238, o.cmdlineSize ?? 2047, true);
  v.setBigUint64(0x258, o.prefAddress ?? 0x100_0000n, true);
  v.setUint32(0x260, o.initSize ?? 0x40_0000, true);
  v.setUint32(0x264, 0x1234, true); // handover_offset: must reach the zero page too
  for (let i = 0; i < kernelSize; i++) file[setupBytes + i] = (i * 7 + 3) & 0xff;
  return file.subarray(0, file.length - (o.truncateBy ?? 0));
}

/** A synthetic ELF program: loadable segments and notes (in one PT_NOTE). */
export interface FakeElf {
  bits?: 32 | 64;
  machine?: number;
  type?: number;
  segments?: Array<{ paddr: number; data: Uint8Array; memsz?: number }>;
  notes?: Array<{ name: string; type: number; desc: Uint8Array }>;
  /** Overrides applied to the raw file after building, e.g. to corrupt a field. */
  patch?: (view: DataView) => void;
  truncateBy?: number;
}

/** A PVH entry note "Xen"/18 with a 4- or 8-byte address, as Linux emits it. */
export function pvhNote(entry: number, size: 4 | 8 = 8): { name: string; type: number; desc: Uint8Array } {
  const desc = new Uint8Array(size);
  new DataView(desc.buffer).setUint32(0, entry, true);
  return { name: 'Xen', type: 18, desc };
}

/** Builds an ELF32/ELF64 executable: header, program headers, note bytes, segment bytes. */
export function makeElf(o: FakeElf = {}): Uint8Array {
  const w = (o.bits ?? 64) === 64;
  const ehsize = w ? 64 : 52;
  const phsize = w ? 56 : 32;
  const segs = o.segments ?? [];
  const notes = o.notes ?? [];
  const pad4 = (n: number): number => Math.ceil(n / 4) * 4;
  const enc = new TextEncoder();
  const noteBytes = notes.reduce((n, x) => n + 12 + pad4(enc.encode(x.name).length + 1) + pad4(x.desc.length), 0);
  const phnum = segs.length + (notes.length > 0 ? 1 : 0);
  let at = ehsize + phnum * phsize;
  const noteAt = at;
  at += noteBytes;
  const segAt = segs.map((s) => { const p = at; at += s.data.length; return p; });
  const file = new Uint8Array(at);
  const v = new DataView(file.buffer);
  file.set([0x7f, 0x45, 0x4c, 0x46, w ? 2 : 1, 1, 1]);
  v.setUint16(16, o.type ?? 2, true);
  v.setUint16(18, o.machine ?? (w ? 62 : 3), true);
  v.setUint32(20, 1, true);
  if (w) { v.setBigUint64(24, 0x100_0000n, true); v.setBigUint64(32, BigInt(ehsize), true); }
  else { v.setUint32(24, 0x100_0000, true); v.setUint32(28, ehsize, true); }
  v.setUint16(w ? 52 : 40, ehsize, true);
  v.setUint16(w ? 54 : 42, phsize, true);
  v.setUint16(w ? 56 : 44, phnum, true);
  const ph = (i: number, type: number, offset: number, paddr: number, filesz: number, memsz: number): void => {
    const p = ehsize + i * phsize;
    v.setUint32(p, type, true);
    if (w) {
      v.setBigUint64(p + 8, BigInt(offset), true); v.setBigUint64(p + 16, BigInt(paddr), true); v.setBigUint64(p + 24, BigInt(paddr), true);
      v.setBigUint64(p + 32, BigInt(filesz), true); v.setBigUint64(p + 40, BigInt(memsz), true); v.setBigUint64(p + 48, 4n, true);
    } else {
      v.setUint32(p + 4, offset, true); v.setUint32(p + 8, paddr, true); v.setUint32(p + 12, paddr, true);
      v.setUint32(p + 16, filesz, true); v.setUint32(p + 20, memsz, true); v.setUint32(p + 28, 4, true);
    }
  };
  segs.forEach((s, i) => {
    ph(i, 1, segAt[i]!, s.paddr, s.data.length, s.memsz ?? s.data.length);
    file.set(s.data, segAt[i]!);
  });
  if (notes.length > 0) {
    ph(segs.length, 4, noteAt, 0, noteBytes, noteBytes);
    let n = noteAt;
    for (const x of notes) {
      const name = enc.encode(x.name);
      v.setUint32(n, name.length + 1, true); v.setUint32(n + 4, x.desc.length, true); v.setUint32(n + 8, x.type, true);
      file.set(name, n + 12);
      file.set(x.desc, n + 12 + pad4(name.length + 1));
      n += 12 + pad4(name.length + 1) + pad4(x.desc.length);
    }
  }
  o.patch?.(v);
  return file.subarray(0, file.length - (o.truncateBy ?? 0));
}
