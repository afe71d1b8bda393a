import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { GuestMemory } from '../memory/guest-memory.js';
import { pcRamRegions } from '../memory/layout.js';
import { makeBzImage, type FakeBzImage } from '../../test/boot/fixtures.js';
import { BootError } from './boot-error.js';
import { loadBzImage } from './bzimage.js';
import { buildE820 } from './e820.js';
import { parseSetupHeader, XLF_KERNEL_64 } from './setup-header.js';

const MiB = 0x10_0000;
const ZP = 0x7000;

function boot(o: FakeBzImage, ramMiB = 64, extra: { initrd?: Uint8Array; cmdline?: string; entry?: 'long' | 'protected' } = {}) {
  const ram = pcRamRegions(ramMiB * MiB);
  const mem = GuestMemory.allocate(ram);
  const e820 = buildE820(ram);
  const kernel = makeBzImage(o);
  const r = loadBzImage(mem, { kernel, ram, e820, cmdline: extra.cmdline ?? 'console=ttyS0', initrd: extra.initrd, entry: extra.entry });
  return { mem, r, e820, kernel };
}

function bootError(kind: string, re: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof BootError, String(err));
    assert.equal(err.kind, kind);
    assert.match(err.message, re);
    return true;
  };
}

test('64-bit load: kernel at pref_address, entry at +0x200, RSI = zero page', () => {
  const { mem, r, kernel } = boot({});
  assert.equal(r.loadAddr, 16 * MiB);
  assert.equal(r.entry, 'long');
  assert.equal(r.cpu.rip, 16 * MiB + 0x200);
  assert.equal(r.cpu.rsi, ZP);
  assert.deepEqual(mem.read(16 * MiB, 0x3000), kernel.subarray(5 * 512));
  assert.equal(r.kernelEnd, 20 * MiB);
});

test('zero page: header copied, loader fields at their boot.rst offsets, e820 table', () => {
  const initrd = new Uint8Array(0x1801).fill(0x5a);
  const { mem, e820 } = boot({}, 64, { initrd, cmdline: 'console=ttyS0 quiet' });
  assert.equal(mem.readU32(ZP + 0x202), 0x53726448); // "HdrS"
  assert.equal(mem.readU16(ZP + 0x206), 0x20f);
  assert.equal(mem.readU32(ZP + 0x264), 0x1234); // a header field we do not touch, copied
  assert.equal(mem.readU8(ZP + 0x1ef), 0); // sentinel
  assert.equal(mem.readU8(ZP + 0x26c), 0); // nothing past the header end
  assert.equal(mem.readU8(ZP + 0x210), 0xff); // type_of_loader
  assert.equal(mem.readU8(ZP + 0x211), 0x81); // LOADED_HIGH | CAN_USE_HEAP
  assert.equal(mem.readU16(ZP + 0x224), 0xfe00); // heap_end_ptr
  assert.equal(mem.readU32(ZP + 0x214), 16 * MiB); // code32_start
  assert.equal(mem.readU32(ZP + 0x228), 0x20000); // cmd_line_ptr
  assert.equal(new TextDecoder().decode(mem.read(0x20000, 19)), 'console=ttyS0 quiet');
  assert.equal(mem.readU8(0x20000 + 19), 0);
  // initrd: page-aligned, as high as possible in 64 MiB
  assert.equal(mem.readU32(ZP + 0x218), 64 * MiB - 0x2000);
  assert.equal(mem.readU32(ZP + 0x21c), 0x1801);
  assert.deepEqual(mem.read(64 * MiB - 0x2000, 0x1801), initrd);
  assert.equal(mem.readU8(ZP + 0x1e8), e820.length);
  for (const [i, e] of e820.entries()) {
    assert.equal(mem.readU64(ZP + 0x2d0 + i * 20), BigInt(e.addr));
    assert.equal(mem.readU64(ZP + 0x2d0 + i * 20 + 8), BigInt(e.size));
    assert.equal(mem.readU32(ZP + 0x2d0 + i * 20 + 16), e.type);
  }
});

test('initrd stays below initrd_addr_max', () => {
  const { mem } = boot({ initrdAddrMax: 0x2ff_ffff }, 64, { initrd: new Uint8Array(0x1000) });
  assert.equal(mem.readU32(ZP + 0x218), 0x300_0000 - 0x1000);
});

test('32-bit entry: code32_start, flat protected mode, ESI = zero page', () => {
  const { r } = boot({ xloadflags: 0, relocatable: false, prefAddress: 0x100000n });
  assert.equal(r.entry, 'protected');
  assert.equal(r.loadAddr, MiB);
  assert.equal(r.cpu.rip, MiB);
  assert.equal(r.cpu.rsi, ZP);
  assert.equal(r.cpu.cr0, 1);
  assert.throws(() => boot({ xloadflags: 0 }, 64, { entry: 'long' }), bootError('unsupported', /XLF_KERNEL_64/));
});

test('bad kernels give clear typed errors', () => {
  assert.throws(() => boot({ magic: 'Nope' }), bootError('not-a-kernel', /not a bzImage: no "HdrS".*not an ELF/));
  assert.throws(() => boot({ truncateBy: 100 }), bootError('truncated', /truncated bzImage/));
  assert.throws(() => boot({ truncateBy: 0x3000 + 2000 }), bootError('truncated', /truncated bzImage/));
  assert.throws(() => boot({ version: 0x205 }), bootError('unsupported', /protocol 2\.05; tkvm needs 2\.06/));
  assert.throws(() => boot({ loadflags: 0 }), bootError('unsupported', /zImage/));
  const noFlag = makeBzImage();
  noFlag[0x1fe] = 0;
  assert.throws(() => parseSetupHeader(noFlag), bootError('corrupt', /boot_flag/));
  assert.throws(() => parseSetupHeader(new Uint8Array(0x300)), bootError('not-a-kernel', /HdrS/));
  assert.throws(() => boot({ kernelAlignment: 0x30000 }), bootError('corrupt', /power of two/));
});

test('initrd or kernel too big for RAM: says how much RAM is needed', () => {
  // kernel claims up to 20 MiB; 60 MiB of initrd needs 80 MiB of RAM.
  assert.throws(() => boot({}, 64, { initrd: new Uint8Array(60 * MiB) }), bootError('no-room', /initrd .*at least 80 MiB of RAM \(-m 80\)/));
  assert.throws(() => boot({ initrdAddrMax: 0x13f_ffff }, 64, { initrd: new Uint8Array(MiB) }), bootError('no-room', /initrd_addr_max/));
  assert.throws(() => boot({ initSize: 60 * MiB }, 64), bootError('no-room', /kernel needs RAM up to 0x4c00000.*-m 77/));
});

test('command line longer than cmdline_size is refused', () => {
  assert.doesNotThrow(() => boot({ cmdlineSize: 16 }, 64, { cmdline: 'x'.repeat(16) }));
  assert.throws(() => boot({ cmdlineSize: 16 }, 64, { cmdline: 'x'.repeat(17) }), bootError('cmdline-too-long', /17 bytes.*at most 16/));
});

const debian = '.cache/assets/vmlinuz';
test('Debian cloud kernel: header parses, 64-bit entry, loads into 256 MiB', { skip: existsSync(debian) ? false : `${debian} absent (scripts/fetch-test-assets.sh could not fetch it)` }, () => {
  const kernel = readFileSync(debian);
  const h = parseSetupHeader(kernel);
  assert.ok(h.version >= 0x20c, `protocol 0x${h.version.toString(16)}`);
  assert.ok(h.xloadflags & XLF_KERNEL_64);
  assert.ok(h.relocatable);
  assert.ok(h.cmdlineSize >= 255);
  const ram = pcRamRegions(256 * MiB);
  const mem = GuestMemory.allocate(ram);
  const r = loadBzImage(mem, { kernel, ram, e820: buildE820(ram), cmdline: 'console=ttyS0', initrd: new Uint8Array(4096) });
  assert.equal(r.cpu.rip, r.loadAddr + 0x200);
  assert.ok(r.initrd !== undefined && r.initrd.addr >= r.kernelEnd);
});
