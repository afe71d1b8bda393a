/**
 * What the host-CPU oracle cannot show (it runs in 64-bit user mode): deferred #MF at the next
 * waiting instruction, the 16-bit and real-mode FSTENV/FSAVE layouts, RESET state, and the FXSAVE
 * image's fields and faults, each as the SDM describes them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EmuFpuFault, type EmuFpuOperand } from '../contract.js';
import { createFpuUnit } from './index.js';
import { FlatMemory, MEM, operand } from './fpu-oracle.test-util.js';

/** A register-form or memory-form operand with its own EIP, for FIP/FOP checks. */
function at(modrm: number, eip: number, extra: Partial<EmuFpuOperand> = {}): EmuFpuOperand {
  return { ...operand(modrm), eip, ...extra };
}

function fault(fn: () => void): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof EmuFpuFault) return e.vector;
    throw e;
  }
  return undefined;
}

describe('x87 exception delivery', () => {
  it('an unmasked zero divide sets ES/B, leaves ST0 alone and raises #MF only at the next waiting instruction', () => {
    const unit = createFpuUnit();
    const mem = new FlatMemory(MEM, 0x1000);
    const gpr = new Uint32Array(8);
    unit.x87(0xdb, at(0xe3, 0x100), mem); // FNINIT
    mem.write16(MEM, 0x37b); // ZE unmasked
    unit.x87(0xd9, at(0x28, 0x102), mem); // FLDCW
    unit.x87(0xd9, at(0xee, 0x104), mem); // FLDZ
    unit.x87(0xd9, at(0xe8, 0x106), mem); // FLD1
    unit.x87(0xd8, at(0xf1, 0x108), mem); // FDIV ST0, ST1 → 1/0
    unit.x87(0xdf, at(0xe0, 0x10a), mem, gpr); // FNSTSW AX: no wait
    assert.equal(gpr[0]! & 0x80bf, 0x8084, 'B, ES and ZE set');
    assert.equal((gpr[0]! >>> 11) & 7, 6, 'TOP unchanged by the faulting FDIV');
    assert.equal(fault(() => unit.wait()), 16);
    assert.equal(fault(() => unit.x87(0xd9, at(0xe8, 0x10c), mem)), 16, 'FLD1 waits and faults');
    unit.x87(0xd9, at(0x30, 0x10e), mem); // FNSTENV: no wait
    assert.equal(mem.read32(MEM + 12), 0x108, 'FIP of the faulting FDIV');
    assert.equal((mem.read32(MEM + 16) >>> 16) & 0x7ff, 0x0f1, 'FOP of the faulting FDIV');
    assert.equal(mem.read16(MEM + 4) & 0x3f, 4, "ZE flag in the stored FSW");
    unit.x87(0xdb, at(0xe2, 0x110), mem); // FNCLEX
    assert.equal(fault(() => unit.x87(0xd9, at(0xe8, 0x112), mem)), undefined);
  });

  it('FLDCW that unmasks a pending flag makes the next waiting instruction fault', () => {
    const unit = createFpuUnit();
    const mem = new FlatMemory(MEM, 0x1000);
    unit.x87(0xdb, at(0xe3, 0), mem);
    unit.x87(0xd9, at(0xee, 0), mem); // FLDZ
    unit.x87(0xd9, at(0xe8, 0), mem); // FLD1
    unit.x87(0xd8, at(0xf1, 0), mem); // 1/0 masked: ZE flag only
    assert.equal(fault(() => unit.wait()), undefined);
    mem.write16(MEM, 0x37b);
    unit.x87(0xd9, at(0x28, 0), mem);
    assert.equal(fault(() => unit.wait()), 16);
  });
});

describe('x87 environment layouts', () => {
  it('16-bit real-mode FNSTENV stores 20-bit linear pointers with FOP (SDM figure 8-11)', () => {
    const unit = createFpuUnit();
    const mem = new FlatMemory(MEM, 0x1000);
    const real = { operand32: false, realOrV86: true, cs: 0x1234, ds: 0x2000 };
    unit.x87(0xdb, at(0xe3, 0, real), mem);
    unit.x87(0xd9, at(0xe8, 0x5678, real), mem); // FLD1 (sets FIP/FOP)
    unit.x87(0xdd, at(0x06, 0x567a, { ...real, offset: 0x10 }), mem); // FLD m64 (sets FDP)
    unit.x87(0xd9, at(0x36, 0x567c, real), mem); // FNSTENV
    const ip = 0x1234 * 16 + 0x567a;
    const dp = 0x2000 * 16 + 0x10;
    assert.equal(mem.read16(MEM), 0x37f);
    assert.equal(mem.read16(MEM + 4), 0x1fff, 'R7 valid (1.0), R6 zero (the m64 read +0), six empty');
    assert.equal(mem.read16(MEM + 6), ip & 0xffff);
    assert.equal(mem.read16(MEM + 8), ((ip >>> 16) << 12) | 0x506);
    assert.equal(mem.read16(MEM + 10), dp & 0xffff);
    assert.equal(mem.read16(MEM + 12), (dp >>> 16) << 12);
  });

  it('FNSAVE then FRSTOR in the 16-bit protected layout restores the stack, and FNSAVE reinitializes', () => {
    const unit = createFpuUnit();
    const mem = new FlatMemory(MEM, 0x1000);
    const o16 = { operand32: false };
    unit.x87(0xdb, at(0xe3, 0, o16), mem);
    unit.x87(0xd9, at(0xeb, 0, o16), mem); // FLDPI
    unit.x87(0xd9, at(0xe8, 0, o16), mem); // FLD1
    unit.x87(0xdd, at(0x36, 0, o16), mem); // FNSAVE (94 bytes)
    const image = mem.bytes.slice(0, 94);
    assert.equal(mem.read16(MEM + 14 + 8), 0x3fff, 'ST0 = 1.0 at offset 14');
    assert.equal(mem.read32(MEM + 24 + 4), 0xc90fdaa2, 'ST1 = pi');
    unit.x87(0xd9, at(0x3e, 0, { ...o16, linear: MEM + 0x200 }), mem); // FNSTCW
    assert.equal(mem.read16(MEM + 0x200), 0x37f);
    unit.x87(0xdd, at(0x26, 0, o16), mem); // FRSTOR
    unit.x87(0xdd, at(0x36, 0, { ...o16, linear: MEM + 0x100 }), mem);
    assert.deepEqual(mem.bytes.slice(0x100, 0x100 + 94), image);
  });

  it('RESET leaves FCW 0x40, MXCSR 0x1F80 and every tag empty', () => {
    const unit = createFpuUnit();
    const mem = new FlatMemory(MEM, 0x1000);
    unit.x87(0xd9, at(0x36, 0), mem); // FNSTENV
    assert.equal(mem.read16(MEM), 0x40);
    assert.equal(mem.read16(MEM + 8), 0xffff);
    assert.equal(unit.mxcsr, 0x1f80);
  });
});

describe('FXSAVE/FXRSTOR', () => {
  it('writes the 512-byte layout and reads it back; faults on misalignment and reserved MXCSR bits', () => {
    const unit = createFpuUnit();
    const mem = new FlatMemory(MEM, 0x2000);
    unit.x87(0xdb, at(0xe3, 0x44), mem);
    unit.x87(0xd9, at(0xe8, 0x44), mem); // FLD1
    unit.mxcsr = 0x9fc0;
    unit.fxsave(MEM + 0x400, mem);
    const b = MEM + 0x400;
    assert.equal(mem.read16(b), 0x37f);
    assert.equal((mem.read16(b + 2) >>> 11) & 7, 7);
    assert.equal(mem.read8(b + 4), 0x80, 'abridged tag: physical register 7 valid');
    assert.equal(mem.read16(b + 6), 0x1e8, 'FOP');
    assert.equal(mem.read32(b + 8), 0x44, 'FIP');
    assert.equal(mem.read32(b + 24), 0x9fc0);
    assert.equal(mem.read32(b + 28), 0xffff, 'MXCSR_MASK with DAZ');
    assert.equal(mem.read16(b + 32 + 8), 0x3fff, 'ST0 at 32');
    mem.write32(b + 160, 0xdeadbeef); // XMM0
    unit.fxrstor(b, mem);
    const gpr = new Uint32Array(8);
    unit.simd(0x66, 0x7e, operand(0xc0), -1, gpr, mem); // MOVD EAX, XMM0
    assert.equal(gpr[0], 0xdeadbeef);
    assert.equal(fault(() => unit.fxsave(b + 8, mem)), 13);
    mem.write32(b + 24, 0x20000);
    assert.equal(fault(() => unit.fxrstor(b, mem)), 13);
    assert.equal(unit.mxcsr, 0x9fc0, 'state unchanged by the faulting FXRSTOR');
  });

  it('a misaligned MOVAPS memory operand raises #GP, MOVUPS does not', () => {
    const unit = createFpuUnit();
    const mem = new FlatMemory(MEM, 0x100);
    const gpr = new Uint32Array(8);
    assert.equal(fault(() => unit.simd(0, 0x28, operand(0x06, MEM + 4), -1, gpr, mem)), 13);
    assert.equal(fault(() => unit.simd(0, 0x10, operand(0x06, MEM + 4), -1, gpr, mem)), undefined);
  });
});
