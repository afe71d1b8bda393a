// The board's ACPI wiring, without a CPU: which devices and fw_cfg files each command line gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { MachineConfig } from '../cli/config.js';
import { parseRunArgs } from '../cli/options.js';
import { PIIX4_PM_DEVFN } from '../devices/piix4-pm.js';
import { DEFAULT_BIOS_PATHS } from '../firmware/bios.js';
import { MemoryMap } from './memory-map.js';
import { buildPcBoard, type PcBoard } from './pc-board.js';
import { StopLoop } from './host-control.js';

function board(...argv: string[]): { board: PcBoard; stops: StopLoop[] } {
  const config = (parseRunArgs(['-display', 'none', '-m', '16', ...argv]) as { config: MachineConfig }).config;
  const stops: StopLoop[] = [];
  const b = buildPcBoard({
    config, memoryMap: new MemoryMap(), irq: () => ({ set: () => undefined, pulse: () => undefined }),
    serialOutputs: [], debugconOutputs: [], ideDrives: [], onTimerChange: () => undefined, onStop: (s) => stops.push(s),
  });
  return { board: b, stops };
}

const noBios = DEFAULT_BIOS_PATHS.some((p) => existsSync(p)) ? false : 'no SeaBIOS image (Debian package seabios)';

test('firmware boot: the PM function at 00:01.3 and the three ACPI fw_cfg files; -no-acpi: none of them', { skip: noBios }, () => {
  const on = board().board;
  assert.equal(on.platform.pci.functionAt(PIIX4_PM_DEVFN)?.name, 'piix4-pm');
  for (const f of ['etc/acpi/tables', 'etc/acpi/rsdp', 'etc/table-loader']) assert.ok(on.platform.fwCfg?.file(f) !== undefined, f);
  assert.equal(on.pcDevices.pm?.pmBase, undefined, 'firmware programs the PM base');
  for (const off of [['-no-acpi'], ['-machine', 'acpi=off']]) {
    const b = board(...off).board;
    assert.equal(b.platform.pci.functionAt(PIIX4_PM_DEVFN), undefined);
    assert.equal(b.platform.fwCfg?.file('etc/table-loader'), undefined);
    assert.equal(b.pcDevices.pm, undefined);
  }
});

test('direct kernel boot: the PM block is decoded at 0x600 from the start and S5 stops the machine with status 0', () => {
  const { board: b, stops } = board('-kernel', process.execPath) // any file: the board does not load it;
  assert.equal(b.pcDevices.pm?.pmBase, 0x600);
  b.pio.write(0x604, Uint8Array.of(0x00, 0x20)); // SLP_TYP 0 (\_S5) | SLP_EN
  assert.deepEqual(stops.map((s) => [s.action, s.status]), [['exit', 0]]);
  b.platform.reset();
  assert.equal(b.pcDevices.pm?.pmBase, 0x600, 'a reset reloads the kernel without firmware: still decoded');
});
