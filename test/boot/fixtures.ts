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
