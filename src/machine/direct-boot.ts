import type { MachineConfig } from '../cli/config.js';
import type { BootCpuState } from '../boot/cpu-state.js';
import { loadKernel, type DirectBoot } from '../boot/direct-boot.js';
import type { EntryMode } from '../boot/cpu-setup.js';
import type { HostRam } from './ram.js';

/**
 * Loads -kernel/-initrd/-append into guest RAM for the machine; returns the BSP entry state.
 * `entry` 'protected' forces a bzImage's 32-bit entry (the IA-32 software CPU).
 */
export function loadDirectKernel(ram: HostRam, config: MachineConfig, entry?: EntryMode): { cpu: BootCpuState; boot: DirectBoot } {
  const boot = loadKernel(ram.memory, {
    kernelPath: config.kernel,
    initrdPath: config.initrd,
    cmdline: config.append,
    ramRegions: ram.regions,
    cpus: config.cpus,
    ...(entry !== undefined ? { entry } : {}),
  });
  return { cpu: boot.cpu, boot };
}
