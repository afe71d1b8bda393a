/**
 * What the machine needs for a firmware (SeaBIOS) boot, and the RAM slots of both boot paths:
 * with firmware the first MiB is split around the VGA window and the PAM segments (low-memory.ts);
 * a direct kernel boot keeps 0xC0000-0xFFFFF as plain RAM (its MP table lives at 0xF0000) and
 * leaves only the VGA window out.
 */
import { existsSync } from 'node:fs';
import type { MachineConfig } from '../cli/config.js';
import { QEMU_KVM_RESERVED } from '../boot/e820.js';
import { TkvmError } from '../errors.js';
import { DEFAULT_BIOS_PATHS, loadBiosImage, type BiosImage } from '../firmware/bios.js';
import { SERCON_COM1, type PcFirmwareConfig } from '../firmware/pc-fw-cfg.js';
import { CONVENTIONAL_END, pcRamRegions } from '../memory/layout.js';
import type { SlotSpec } from './memory-map.js';
import type { HostRam } from './ram.js';

/** End of the BIOS area: extended RAM starts at 1 MiB. */
const ONE_MIB = 0x10_0000;
/** End of the VGA window, start of the option-ROM/BIOS area. */
const VGA_WINDOW_END = 0xc_0000;
/** The least RAM a firmware boot takes (SeaBIOS relocates itself and its tables high in RAM). */
export const FIRMWARE_MIN_RAM = 2 * ONE_MIB;

/** The BIOS image and fw_cfg contents for a firmware boot. */
export interface FirmwareSetup {
  readonly bios: BiosImage;
  readonly fwCfg: PcFirmwareConfig;
}

/** The BIOS to load: -bios, else the first of Debian's images that exists. */
export function biosPath(config: MachineConfig): string {
  if (config.bios !== undefined) return config.bios;
  const found = DEFAULT_BIOS_PATHS.find((p) => existsSync(p));
  if (found === undefined) {
    throw new TkvmError('no-bios', `no BIOS to boot: ${DEFAULT_BIOS_PATHS.join(' and ')} are missing (install Debian's seabios package, give -bios FILE, or boot a kernel with -kernel)`);
  }
  return found;
}

/** Loads the BIOS and computes fw_cfg's contents from the configuration. */
export function loadFirmwareSetup(config: MachineConfig): FirmwareSetup {
  if (config.memoryBytes < FIRMWARE_MIN_RAM) {
    throw new TkvmError('no-room', `booting firmware needs at least ${FIRMWARE_MIN_RAM >> 20} MiB of RAM (-m ${FIRMWARE_MIN_RAM >> 20})`);
  }
  const bios = loadBiosImage(biosPath(config));
  // SeaBIOS's serial console on COM1 whenever there is no screen to show its text on.
  const headless = config.nographic || config.display === 'none';
  return {
    bios,
    fwCfg: {
      ram: pcRamRegions(config.memoryBytes),
      cpus: config.cpus,
      maxCpus: config.cpuTopology?.maxCpus ?? config.cpus,
      nographic: config.nographic,
      ...(headless && config.serial.length > 0 ? { serconPort: SERCON_COM1 } : {}),
      bootMenu: config.bootMenu ?? false,
      reserved: [QEMU_KVM_RESERVED],
    },
  };
}

/** RAM slots for a direct kernel boot: all of RAM except the VGA window. */
export function plainRamSlots(ram: HostRam): Array<[string, SlotSpec]> {
  const out: Array<[string, SlotSpec]> = [];
  ram.slots.forEach((s, i) => {
    if (s.gpa !== 0 || s.size <= CONVENTIONAL_END) {
      out.push([`ram${i}`, { gpa: s.gpa, size: s.size, hostAddress: s.hostAddress, readOnly: false }]);
      return;
    }
    out.push(['ram-below-vga', { gpa: 0, size: CONVENTIONAL_END, hostAddress: s.hostAddress, readOnly: false }]);
    if (s.size > VGA_WINDOW_END) out.push(['ram-c0000', { gpa: VGA_WINDOW_END, size: s.size - VGA_WINDOW_END, hostAddress: s.hostAddress + BigInt(VGA_WINDOW_END), readOnly: false }]);
  });
  return out;
}

/** RAM slots for a firmware boot beyond the first MiB (PcLowMemory maps the first MiB). */
export function firmwareRamSlots(ram: HostRam): Array<[string, SlotSpec]> {
  const out: Array<[string, SlotSpec]> = [];
  ram.slots.forEach((s, i) => {
    if (s.gpa !== 0) {
      out.push([`ram${i}`, { gpa: s.gpa, size: s.size, hostAddress: s.hostAddress, readOnly: false }]);
      return;
    }
    out.push(['ram-above-1m', { gpa: ONE_MIB, size: s.size - ONE_MIB, hostAddress: s.hostAddress + BigInt(ONE_MIB), readOnly: false }]);
  });
  return out;
}
