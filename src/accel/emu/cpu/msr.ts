/**
 * Model-specific registers the core implements (the ones Linux and SeaBIOS touch): TSC,
 * APIC_BASE, SYSENTER_CS/ESP/EIP, MTRRs, PAT, MISC_ENABLE, EFER, and a few read-as-zero
 * machine-check and platform MSRs. Unknown MSRs raise #GP(0), as on real hardware.
 */
import { EFER_LMA, EFER_LME, EFER_NXE, EFER_SCE } from './constants.js';
import type { Core } from './core.js';
import { flushTlb } from './paging.js';

/** MSR indices. */
export const MSR_TSC = 0x10, MSR_APIC_BASE = 0x1b, MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175, MSR_SYSENTER_EIP = 0x176,
  MSR_PAT = 0x277, MSR_MISC_ENABLE = 0x1a0, MSR_EFER = 0xc0000080, MSR_MTRRCAP = 0xfe, MSR_MTRR_DEF_TYPE = 0x2ff;

function isMtrr(i: number): boolean {
  return (i >= 0x200 && i <= 0x20f) || i === 0x250 || i === 0x258 || i === 0x259 || (i >= 0x268 && i <= 0x26f) || i === MSR_MTRR_DEF_TYPE;
}

/** The current TSC value (1 GHz from the machine clock). */
export function readTsc(c: Core): number {
  return Math.max(0, Math.floor(c.clockNs()) + c.tscOffset);
}

/** Reads MSR `index`; undefined when the CPU has no such MSR. */
export function readMsr(c: Core, index: number): bigint | undefined {
  index >>>= 0;
  switch (index) {
    case MSR_TSC: return BigInt(readTsc(c));
    case MSR_APIC_BASE: return BigInt(c.apicBase >>> 0);
    case MSR_SYSENTER_CS: return BigInt(c.sysenterCs);
    case MSR_SYSENTER_ESP: return BigInt(c.sysenterEsp >>> 0);
    case MSR_SYSENTER_EIP: return BigInt(c.sysenterEip >>> 0);
    case MSR_PAT: return c.pat;
    case MSR_MISC_ENABLE: return c.miscEnable;
    case MSR_EFER: return BigInt(c.efer);
    case MSR_MTRRCAP: return 0x508n;
    case 0x17: return 0n; // IA32_PLATFORM_ID
    case 0x8b: return 0n; // IA32_BIOS_SIGN_ID (microcode revision)
    case 0x179: return 0n; // MCG_CAP
    case 0x17a: return 0n; // MCG_STATUS
    case 0x2a: return 0n; // EBL_CR_POWERON
  }
  if (isMtrr(index)) return c.mtrr.get(index) ?? 0n;
  return undefined;
}

/** Writes MSR `index`; false when the CPU has no such MSR or the value is invalid (#GP). */
export function writeMsr(c: Core, index: number, value: bigint): boolean {
  index >>>= 0;
  value = BigInt.asUintN(64, value);
  switch (index) {
    case MSR_TSC: c.tscOffset = Number(value) - Math.floor(c.clockNs()); return true;
    case MSR_APIC_BASE: c.apicBase = Number(value & 0xfffff900n) >>> 0; return true;
    case MSR_SYSENTER_CS: c.sysenterCs = Number(value & 0xffffn); return true;
    case MSR_SYSENTER_ESP: c.sysenterEsp = Number(value & 0xffffffffn) >>> 0; return true;
    case MSR_SYSENTER_EIP: c.sysenterEip = Number(value & 0xffffffffn) >>> 0; return true;
    case MSR_PAT: c.pat = value; return true;
    case MSR_MISC_ENABLE: c.miscEnable = value; return true;
    case MSR_EFER: {
      const allowed = BigInt(EFER_SCE | EFER_NXE);
      if (value & ~(allowed | BigInt(EFER_LME | EFER_LMA))) return false;
      if (value & BigInt(EFER_LME)) return false;
      const old = c.efer;
      c.efer = Number(value & allowed);
      if ((old ^ c.efer) & EFER_NXE) flushTlb(c, false);
      return true;
    }
    case 0x8b: case 0x179: case 0x17a: return true;
  }
  if (isMtrr(index)) { c.mtrr.set(index, value); return true; }
  return false;
}
