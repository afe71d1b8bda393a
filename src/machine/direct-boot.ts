import type { MachineConfig } from '../cli/config.js';
import type { BootCpuState } from '../boot/cpu-state.js';
import { loadKernel, type DirectBoot } from '../boot/direct-boot.js';
import type { EntryMode } from '../boot/cpu-setup.js';
import type { HostRam } from './ram.js';
import { acpiEnabled, pcAcpiTables } from '../acpi/pc-acpi.js';
import type { DisplaySource } from '../display/display.js';
import { StdVga, setBiosTextMode3 } from '../devices/vga/index.js';

/**
 * Loads -kernel/-initrd/-append (and the ACPI tables unless -no-acpi) into guest RAM for the
 * machine; returns the BSP entry state.
 * `entry` 'protected' forces a bzImage's 32-bit entry (the IA-32 software CPU). `display`, the
 * machine's graphics card: a direct boot runs no VGA BIOS, so the standard VGA is put in the
 * 80x25 text mode the BIOS leaves (as under QEMU, whose direct boot runs SeaBIOS and its VGA BIOS
 * first); Linux's vgacon and screen_info expect it.
 */
export function loadDirectKernel(ram: HostRam, config: MachineConfig, entry?: EntryMode, display?: DisplaySource): { cpu: BootCpuState; boot: DirectBoot } {
  if (display instanceof StdVga) setBiosTextMode3(display);
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
