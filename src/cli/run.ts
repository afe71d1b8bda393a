import type { CharSpec, MachineConfig } from './config.js';
import type { CharBackend } from '../chardev/char-backend.js';
import { TKVM_VERSION, reportFatal } from './main.js';
import { parseRunArgs } from './options.js';
import { createCharBackend } from '../chardev/create.js';
import { Kvm } from '../kvm/kvm.js';

/** `tkvm run ARGS` / `tkvm ARGS`: QEMU-style command line for starting a VM. */
export async function runCommand(argv: string[]): Promise<number> {
  const parsed = parseRunArgs(argv);
  if (parsed.action === 'help') {
    process.stdout.write(parsed.text);
    return 0;
  }
  if (parsed.action === 'version') {
    process.stdout.write(`tkvm emulator version ${TKVM_VERSION}\n`);
    return 0;
  }
  return startVm(parsed.config);
}

/** Checks /dev/kvm, opens the character backends, runs the VM and returns its exit status. */
export async function startVm(config: MachineConfig): Promise<number> {
  if (config.accel === 'emu') {
    process.stderr.write('tkvm: -accel emu/tcg: the software CPU is not built yet; use -accel kvm on a machine with /dev/kvm\n');
    return 1;
  }
  const unsupported = unsupportedYet(config);
  if (unsupported !== undefined) {
    process.stderr.write(`tkvm: ${unsupported}\n`);
    return 1;
  }
  Kvm.open().close(); // fails with one clear sentence when /dev/kvm is unusable
  const { VmHost } = await import('../machine/vm-host.js');
  let host: InstanceType<typeof VmHost> | undefined;
  const backends: Array<CharBackend | undefined> = [];
  const debugcons: Array<CharBackend | undefined> = [];
  try {
    for (const spec of config.serial) backends.push(await openBackend(spec, () => host?.quit()));
    for (const d of config.debugcons ?? []) debugcons.push(await openBackend(d.chardev, () => host?.quit()));
    host = new VmHost(config, backends, {}, debugcons);
    const exit = await host.run();
    if (exit.message) process.stderr.write(`tkvm: ${exit.message}\n`);
    return exit.status;
  } catch (err) {
    return reportFatal('tkvm', err);
  } finally {
    for (const b of [...backends, ...debugcons]) b?.close();
  }
}

/** Options the parser accepts for the PC machine that this machine cannot honour yet: refuse, never ignore. */
function unsupportedYet(config: MachineConfig): string | undefined {
  if (config.drives.length > 0) {
    const d = config.drives[0]!;
    return `${d.media === 'cdrom' ? '-cdrom' : '-hda/-drive'} ${d.file}: disks and CD-ROMs need the IDE controller, which tkvm does not have yet; boot a kernel with -kernel`;
  }
  return undefined;
}

async function openBackend(spec: CharSpec, quit: () => void): Promise<CharBackend | undefined> {
  if (spec.kind === 'null') return undefined;
  const backend = createCharBackend(spec, { actions: { quit } });
  await backend.ready();
  return backend;
}
