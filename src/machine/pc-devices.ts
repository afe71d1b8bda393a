/**
 * Where the pc machine's optional devices plug into the platform (platform.ts documents the API):
 * IDE on 00:01.1, VGA on 00:02.0, and whatever comes later. One line per device keeps the
 * machine's assembly in one place while each device lives in its own files.
 */
import type { MachineConfig } from '../cli/config.js';
import type { PcPlatform } from './platform.js';

/** Plugs the configured devices into `platform` (called once, before the VM first runs). */
export function plugPcDevices(_platform: PcPlatform, _config: MachineConfig): void {
  // IDE (00:01.1, legacy ports, ISA IRQ 14/15) and VGA (00:02.0, -vga std) go here.
}
