/**
 * An independent reader of ACPI tables for the tests: it runs a linker/loader script the way
 * SeaBIOS does (its own code, written from the protocol description), finds the RSDP, follows
 * RSDP -> RSDT -> FADT -> FACS/DSDT and MADT, and checks every signature, length, checksum and
 * pointer on the way, throwing on the first fault.
 */
import assert from 'node:assert/strict';

/** Reads guest-physical bytes (throws when outside what exists). */
export type ReadPhys = (addr: number, len: number) => Uint8Array;

/** One parsed table. */
export interface ParsedTable {
  readonly signature: string;
  readonly addr: number;
  readonly bytes: Uint8Array;
  readonly revision: number;
}

/** The parsed tree. */
export interface ParsedAcpi {
  readonly rsdpAddr: number;
  readonly rsdt: ParsedTable;
  /** Tables the RSDT lists, by signature. */
  readonly tables: ReadonlyMap<string, ParsedTable>;
  readonly facs: { readonly addr: number; readonly bytes: Uint8Array };
  readonly dsdt: ParsedTable;
}

const ascii = (b: Uint8Array): string => String.fromCharCode(...b);
const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
const sum8 = (b: Uint8Array): number => b.reduce((s, x) => (s + x) & 0xff, 0);

/** Reads and checks one SDT at `addr` (signature, length within reason, checksum). */
export function readTable(read: ReadPhys, addr: number, expect?: string): ParsedTable {
  const head = read(addr, 36);
  const signature = ascii(head.subarray(0, 4));
  if (expect !== undefined) assert.equal(signature, expect, `table at 0x${addr.toString(16)}`);
  const length = u32(head, 4);
  assert.ok(length >= 36 && length < 1 << 20, `${signature}: length ${length}`);
  const bytes = read(addr, length);
  assert.equal(sum8(bytes), 0, `${signature}: checksum`);
  return { signature, addr, bytes, revision: bytes[8]! };
}

/** Follows the tables from the RSDP at `rsdpAddr`. */
export function parseAcpi(read: ReadPhys, rsdpAddr: number): ParsedAcpi {
  assert.equal(rsdpAddr % 16, 0, 'RSDP on a 16-byte boundary');
  const rsdp = read(rsdpAddr, 20);
  assert.equal(ascii(rsdp.subarray(0, 8)), 'RSD PTR ');
  assert.equal(sum8(rsdp), 0, 'RSDP checksum');
  assert.equal(rsdp[15], 0, 'RSDP revision 0 (ACPI 1.0, RSDT only), as QEMU pc');
  const rsdt = readTable(read, u32(rsdp, 16), 'RSDT');
  const tables = new Map<string, ParsedTable>();
  for (let at = 36; at < rsdt.bytes.length; at += 4) {
    const t = readTable(read, u32(rsdt.bytes, at));
    assert.ok(!tables.has(t.signature), `${t.signature} listed twice`);
    tables.set(t.signature, t);
  }
  const fadt = tables.get('FACP');
  assert.ok(fadt !== undefined, 'the RSDT lists a FADT');
  const facsAddr = u32(fadt.bytes, 36);
  assert.equal(facsAddr % 64, 0, 'FACS 64-byte aligned');
  const facs = read(facsAddr, 64);
  assert.equal(ascii(facs.subarray(0, 4)), 'FACS');
  assert.equal(u32(facs, 4), 64);
  const dsdt = readTable(read, u32(fadt.bytes, 40), 'DSDT');
  return { rsdpAddr, rsdt, tables, facs: { addr: facsAddr, bytes: facs }, dsdt };
}

/** Searches [from, to) on 16-byte boundaries for an RSDP with a valid checksum, as OSPMs do. */
export function findRsdp(read: ReadPhys, from = 0xe_0000, to = 0x10_0000): number | undefined {
  for (let a = from; a < to; a += 16) {
    const b = read(a, 20);
    if (ascii(b.subarray(0, 8)) === 'RSD PTR ' && sum8(b) === 0) return a;
  }
  return undefined;
}

/** Where a loader put each file, and a reader over them. */
export interface LoadedFiles {
  readonly at: ReadonlyMap<string, { readonly addr: number; readonly data: Uint8Array }>;
  readonly read: ReadPhys;
}

/**
 * Runs a `etc/table-loader` script over fw_cfg files: ALLOCATE places each file (zone 2, the
 * F-segment, from 0xf0000 up; zone 1, high memory, from `high` up) at its alignment, ADD_POINTER
 * and ADD_CHECKSUM patch the copies. Malformed commands fail the test.
 */
export function runTableLoader(script: Uint8Array, files: ReadonlyMap<string, Uint8Array>, high = 0x7fe_0000): LoadedFiles {
  assert.equal(script.length % 128, 0, 'table-loader: whole 128-byte entries');
  const at = new Map<string, { addr: number; data: Uint8Array }>();
  const next = { 1: high, 2: 0xf_0000 } as Record<number, number>;
  const name = (e: Uint8Array, off: number): string => {
    const raw = e.subarray(off, off + 56);
    const end = raw.indexOf(0);
    assert.ok(end > 0, 'table-loader: file name NUL-terminated');
    return ascii(raw.subarray(0, end));
  };
  const placed = (n: string): { addr: number; data: Uint8Array } => {
    const f = at.get(n);
    assert.ok(f !== undefined, `table-loader: ${n} used before ALLOCATE`);
    return f;
  };
  for (let i = 0; i < script.length; i += 128) {
    const e = script.subarray(i, i + 128);
    const dv = new DataView(e.buffer, e.byteOffset, 128);
    const cmd = dv.getUint32(0, true);
    if (cmd === 1) {
      const file = name(e, 4);
      const align = dv.getUint32(60, true);
      const zone = e[64]!;
      const data = files.get(file);
      assert.ok(data !== undefined, `table-loader: ALLOCATE of missing file ${file}`);
      assert.ok(align > 0 && (align & (align - 1)) === 0, 'alignment is a power of two');
      assert.ok(zone === 1 || zone === 2, `zone ${zone}`);
      assert.ok(!at.has(file), `${file} allocated twice`);
      const addr = Math.ceil(next[zone]! / align) * align;
      next[zone] = addr + data.length;
      at.set(file, { addr, data: data.slice() });
    } else if (cmd === 2) {
      const dest = placed(name(e, 4));
      const src = placed(name(e, 60));
      const offset = dv.getUint32(116, true);
      const size = e[120]!;
      assert.equal(size, 4, 'tkvm patches 32-bit pointers');
      assert.ok(offset + size <= dest.data.length, 'pointer inside its file');
      const ddv = new DataView(dest.data.buffer);
      const target = ddv.getUint32(offset, true);
      assert.ok(target < src.data.length, `pointer at ${offset} targets offset ${target} inside ${name(e, 60)}`);
      ddv.setUint32(offset, target + src.addr, true);
    } else if (cmd === 3) {
      const f = placed(name(e, 4));
      const offset = dv.getUint32(60, true);
      const start = dv.getUint32(64, true);
      const length = dv.getUint32(68, true);
      assert.ok(offset < f.data.length && start + length <= f.data.length, 'checksum range inside its file');
      const s = sum8(f.data.subarray(start, start + length));
      f.data[offset] = (f.data[offset]! - s) & 0xff;
    } else assert.fail(`table-loader: unknown command ${cmd}`);
  }
  const read: ReadPhys = (addr, len) => {
    for (const f of at.values()) if (addr >= f.addr && addr + len <= f.addr + f.data.length) return f.data.subarray(addr - f.addr, addr - f.addr + len);
    // The F-segment search of findRsdp reads around the RSDP: answer zeros outside the files.
    if (addr >= 0xe_0000 && addr + len <= 0x10_0000) return new Uint8Array(len);
    throw new RangeError(`read of 0x${addr.toString(16)}+${len} outside the loaded files`);
  };
  return { at, read };
}
