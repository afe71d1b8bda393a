/**
 * tkvm's floating-point unit for the software CPU: the x87 FPU, MMX, SSE and SSE2 behind the
 * EmuFpuUnit contract (src/accel/emu/contract.ts). The integer core decodes, checks CR0.EM/TS and
 * CR4.OSFXSR, computes linear addresses and calls in here.
 */
import type { EmuFpuOperand, EmuFpuUnit, EmuLinearMemory } from '../contract.js';
import { FpuUnit } from './unit.js';

/** Creates the FPU/MMX/SSE unit in its RESET state. */
export function createFpuUnit(): EmuFpuUnit {
  return new FpuUnit();
}

/** The contract types the unit implements, re-exported for its users. */
export type { EmuFpuOperand, EmuFpuUnit, EmuLinearMemory };
