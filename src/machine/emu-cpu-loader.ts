/**
 * Finds the software CPU's parts: the integer core (createEmuCpu) and the x87/MMX/SSE unit
 * (createFpuUnit). They are built on their own branches; until a part is there, -accel emu says
 * that the software CPU is not built yet instead of failing to load.
 */
import { TkvmError } from '../errors.js';
import type { EmuCpu, EmuCpuWiring, EmuFpuUnit } from '../accel/emu/contract.js';

/** The constructors of the software CPU. */
export interface EmuCpuParts {
  readonly createEmuCpu: (wiring: EmuCpuWiring, fpu?: EmuFpuUnit) => EmuCpu;
  readonly createFpuUnit?: () => EmuFpuUnit;
}

/** Module specifiers, kept in variables so the build does not need the parts to exist yet. */
const CORE_MODULE = '../accel/emu/cpu/index.js';
const FPU_MODULE = '../accel/emu/fpu/index.js';

async function tryImport(specifier: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(specifier.replace(/^\.\.\//, ''))) return undefined;
    throw err;
  }
}

/** Loads the core and, when present, the FPU unit. */
export async function loadEmuCpuParts(): Promise<EmuCpuParts> {
  const core = await tryImport(CORE_MODULE);
  const createEmuCpu = core?.createEmuCpu;
  if (typeof createEmuCpu !== 'function') {
    throw new TkvmError('emu-missing', '-accel emu/tcg: the software CPU is not built yet; use -accel kvm on a machine with /dev/kvm');
  }
  const fpu = await tryImport(FPU_MODULE);
  const createFpuUnit = fpu?.createFpuUnit;
  return {
    createEmuCpu: createEmuCpu as EmuCpuParts['createEmuCpu'],
    ...(typeof createFpuUnit === 'function' ? { createFpuUnit: createFpuUnit as () => EmuFpuUnit } : {}),
  };
}
