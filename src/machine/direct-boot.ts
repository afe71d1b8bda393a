import type { MachineConfig } from '../cli/config.js';
import type { BootCpuState } from '../boot/cpu-state.js';
import { loadKernel, type DirectBoot } from '../boot/direct-boot.js';
import type { EntryMode } from '../boot/cpu-setup.js';
import type { HostRam } from './ram.js';
import { acpiEnabled, pcAcpiTables } from '../acpi/pc-acpi.js';

/**
 * Loads -kernel/-initrd/-append (and the ACPI tables unless -no-acpi) into guest RAM for the
 * machine; returns the BSP entry state.
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
    // The same tables QEMU's pc machine gives Linux, less fw_cfg (a direct boot has none).
    ...(acpiEnabled(config) ? { acpi: pcAcpiTables(config, false) } : {}),
  });
  return { cpu: boot.cpu, boot };
}
