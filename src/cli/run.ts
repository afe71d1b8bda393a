import type { CharSpec, MachineConfig } from './config.js';
import type { CharBackend } from '../chardev/char-backend.js';
import { TKVM_VERSION, reportFatal } from './main.js';
import { parseRunArgs } from './options.js';
import { createCharBackend } from '../chardev/create.js';
import { selectAccelerator, type AccelChoice } from '../accel/emu/select.js';
import { TkvmError } from '../errors.js';
import { VncServer } from '../vnc/server.js';
import { encodePng } from '../display/png.js';
import { DriveManager } from '../machine/drive-manager.js';
import { VmMonitorTarget } from '../machine/vm-monitor-target.js';
import { acpiEnabled } from '../acpi/pc-acpi.js';
import { attachMuxMonitor, qemuCompatVersion, startMonitors, type MonitorStream, type RunningMonitors } from '../monitor/index.js';
import type { MuxActions } from '../chardev/mux.js';

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
  let choice: AccelChoice;
  try {
    choice = selectAccelerator(config.accel); // -accel kvm with an unusable /dev/kvm: one clear sentence
  } catch (err) {
    return reportFatal('tkvm', err);
  }
  if (choice.notice !== undefined) process.stderr.write(`tkvm: ${choice.notice}\n`);
  config = { ...config, accel: choice.accel };
  const { VmHost } = await import('../machine/vm-host.js');
  let host: InstanceType<typeof VmHost> | undefined;
  const backends: Array<CharBackend | undefined> = [];
  const debugcons: Array<CharBackend | undefined> = [];
  let monitors: RunningMonitors | undefined;
  let vnc: VncServer | undefined;
  let drives: DriveManager | undefined;
  // QEMU's mon:stdio: Ctrl-A c switches the terminal to the human monitor, which exists only once
  // the monitors start; typing reaches it from then on.
  let muxMonitor: { input(data: Uint8Array): void; focus(focused: boolean): void } | undefined;
  const quit = (): void => void host?.quit();
  const muxActions: MuxActions = { quit, monitorInput: (d) => muxMonitor?.input(d), monitorFocus: (f) => muxMonitor?.focus(f) };
  try {
    for (const spec of config.serial) backends.push(await openBackend(spec, spec.kind === 'stdio' && spec.mux === true ? muxActions : { quit }));
    for (const d of config.debugcons ?? []) debugcons.push(await openBackend(d.chardev, { quit }));
    drives = await DriveManager.open(config.drives, (text) => process.stderr.write(text));
    const target = new VmMonitorTarget(config.name, drives, acpiEnabled(config));
    const vm = new VmHost(config, backends, target.events, debugcons, drives.slots());
    host = vm;
    target.attach(vm);
    drives.attach({ cdRequest: (index, req) => vm.cdRequest(index, req), trayMoved: (device, qdev, open) => target.trayMoved(device, qdev, open) });
    monitors = await listening('-qmp/-monitor', () => startMonitors(config.monitors ?? [], { target, version: qemuCompatVersion(TKVM_VERSION), png: encodePng, stdio: stdioStream() }));
    if (config.serial.some((s) => s.kind === 'stdio' && s.mux === true)) muxMonitor = attachMuxMonitor(monitors.hub, (data) => void process.stdout.write(data));
    if (config.vnc !== undefined) {
      const server = new VncServer({
        display: vm.display,
        input: { key: (qcode, down) => vm.sendKey({ type: 'qcode', data: qcode }, down), pointer: (dx, dy, buttons) => vm.sendPointer(dx, dy, buttons) },
        maxClients: config.vnc.maxClients,
        log: (msg) => process.stderr.write(`tkvm: vnc: ${msg}\n`),
      });
      vnc = server;
      const where = config.vnc;
      await listening('-vnc', () => server.listen(where));
    }
    const exit = await vm.run();
    target.vmEnded(exit.status);
    if (exit.message) process.stderr.write(`tkvm: ${exit.message}\n`);
    return exit.status;
  } catch (err) {
    return reportFatal('tkvm', err);
  } finally {
    monitors?.close();
    await vnc?.close();
    await drives?.close();
    for (const b of [...backends, ...debugcons]) b?.close();
  }
}

async function openBackend(spec: CharSpec, actions: MuxActions): Promise<CharBackend | undefined> {
  if (spec.kind === 'null') return undefined;
  const backend = createCharBackend(spec, { actions });
  await backend.ready();
  return backend;
}

/** Plain stdio for `-monitor stdio` (the option parser keeps stdio to one user). */
function stdioStream(): MonitorStream {
  return {
    write: (data) => void process.stdout.write(data),
    onInput: (handler) => {
      process.stdin.on('data', (d: Buffer) => handler(new Uint8Array(d)));
    },
  };
}

/** Binds a listening socket; a failure (address in use, bad path) is the user's to fix: one line, status 1. */
async function listening<T>(option: string, bind: () => Promise<T>): Promise<T> {
  try {
    return await bind();
  } catch (err) {
    throw new TkvmError('listen', `${option}: Failed to bind socket: ${err instanceof Error ? err.message : String(err)}`);
  }
}
