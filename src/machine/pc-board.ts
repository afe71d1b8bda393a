/**
 * The pc machine's board, the same under KVM and the software CPU: guest RAM, the memory map's
 * RAM slots, the ISA devices, the chipset platform (PCI, fw_cfg, BIOS) and the optional PC
 * devices. Each machine brings its interrupt lines, its memory-map sink and its run loop.
 */
import { MmioBus, PioBus } from '../bus/bus.js';
import type { IrqLine } from '../bus/bus-device.js';
import type { MachineConfig } from '../cli/config.js';
import { firmwareRamSlots, loadFirmwareSetup, plainRamSlots } from './firmware-boot.js';
import { createIsaDevices, type IsaDevices } from './isa.js';
import type { MemoryMap } from './memory-map.js';
import { plugPcDevices, type IdeDriveSlot, type PcDevices } from './pc-devices.js';
import { PcPlatform } from './platform.js';
import { allocateHostRam, type HostRam } from './ram.js';
import { StopLoop } from './host-control.js';

/** The process-wide monotonic clock in ns (the same in every thread, unlike performance.now). */
export function monotonicNs(): number {
  return Number(process.hrtime.bigint());
}

/** What a machine gives the board. */
export interface PcBoardWiring {
  readonly config: MachineConfig;
  /** The memory map the machine carries out (KVM slots or the emu page table). */
  readonly memoryMap: MemoryMap;
  /** The line of ISA IRQ / GSI `gsi`. */
  readonly irq: (gsi: number) => IrqLine;
  readonly serialOutputs: ReadonlyArray<((bytes: Uint8Array) => void) | undefined>;
  readonly debugconOutputs: ReadonlyArray<((bytes: Uint8Array) => void) | undefined>;
  readonly ideDrives: ReadonlyArray<IdeDriveSlot | undefined>;
  /** Some device armed or cancelled a timer. */
  readonly onTimerChange: () => void;
  /**
   * A device asked for a guest reset or an exit; the default throws `stop` (unwinding to the
   * machine's loop). The software CPU's machine records it and stops the CPU instead.
   */
  readonly onStop?: (stop: StopLoop) => void;
}

/** The assembled board. */
export interface PcBoard {
  readonly pio: PioBus;
  readonly mmio: MmioBus;
  readonly ram: HostRam;
  readonly devices: IsaDevices;
  readonly platform: PcPlatform;
  readonly pcDevices: PcDevices;
  /** Firmware boot (no -kernel): the CPU starts at the reset vector in the BIOS. */
  readonly firmwareBoot: boolean;
}

/**
 * Builds the board. Guest resets and isa-debug-exit from device handlers go to `onStop` (by
 * default a thrown StopLoop, which unwinds to the machine's loop).
 */
export function buildPcBoard(w: PcBoardWiring): PcBoard {
  const { config } = w;
  const firmware = config.kernel === undefined ? loadFirmwareSetup(config) : undefined;
  const ram = allocateHostRam(config.memoryBytes);
  const slots = firmware === undefined ? plainRamSlots(ram) : firmwareRamSlots(ram);
  for (const [name, spec] of slots) w.memoryMap.set(name, spec);
  const pio = new PioBus();
  const mmio = new MmioBus();
  const stop = w.onStop ?? ((s: StopLoop): never => {
    throw s;
  });
  const reset = (): void => stop(new StopLoop('reset'));
  const devices = createIsaDevices({
    config,
    pio,
    memory: ram.memory,
    irq: w.irq,
    serialOutputs: w.serialOutputs,
    debugconOutputs: w.debugconOutputs,
    clock: monotonicNs,
    onTimerChange: w.onTimerChange,
    onReset: reset,
    onExit: (status) => stop(new StopLoop('exit', status)),
  });
  const platform = new PcPlatform({
    pio,
    mmio,
    memory: ram.memory,
    memoryMap: w.memoryMap,
    isaIrq: w.irq,
    requestReset: reset,
    clock: monotonicNs,
    createTimer: (fire) => devices.createTimer(fire),
    ...(firmware !== undefined ? { firmware: { bios: firmware.bios, ramHost: ram.slots[0]!.hostAddress, fwCfg: firmware.fwCfg } } : {}),
  });
  const pcDevices = plugPcDevices(platform, config, w.ideDrives, {
    onPowerOff: () => stop(new StopLoop('exit', 0)),
    log: (message) => process.stderr.write(`tkvm: ${message}\n`),
  });
  return { pio, mmio, ram, devices, platform, pcDevices, firmwareBoot: firmware !== undefined };
}
