/**
 * Entry of the machine thread: vCPU 0 plus every device. It builds the KvmPcMachine (or, with
 * config.accel 'emu', the EmuPcMachine on the software CPU) from the validated MachineConfig,
 * runs it, and reports how it ended. Guest output goes to the main
 * thread through byte rings; everything else through the control block and messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MachineConfig } from '../cli/config.js';
import { TkvmError } from '../errors.js';
import { RingWriter } from '../util/byte-ring.js';
import type { MachineMessage } from './control.js';
import { KvmPcMachine } from './kvm-pc.js';
import { EmuPcMachine, formatEmuStats } from './emu-pc.js';
import type { IdeDriveSlot } from './pc-devices.js';

interface MachineWorkerData {
  config: MachineConfig;
  ctl: Int32Array;
  /** One ring per serial port that has a backend (undefined = no backend, output dropped). */
  serialRings: Array<SharedArrayBuffer | undefined>;
  /** One ring per debug console with a backend. */
  debugconRings?: Array<SharedArrayBuffer | undefined>;
  /** IDE drives by index (0-3), their data served by the main thread's block proxies. */
  ideDrives?: Array<IdeDriveSlot | undefined>;
}

const wd = workerData as MachineWorkerData;
const port = parentPort!;
const post = (m: MachineMessage): void => port.postMessage(m);

/** The machine for the chosen accelerator (the main thread resolved 'auto' already). */
function createMachine(
  outputs: ReadonlyArray<((bytes: Uint8Array) => void) | undefined>,
  debugconOutputs: ReadonlyArray<((bytes: Uint8Array) => void) | undefined>,
): KvmPcMachine | EmuPcMachine {
  if (wd.config.accel === 'emu') return new EmuPcMachine(wd.config, wd.ctl, port, outputs, debugconOutputs, wd.ideDrives ?? []);
  return new KvmPcMachine(wd.config, wd.ctl, port, outputs, debugconOutputs, wd.ideDrives ?? []);
}

function main(): void {
  const sinkOf = (sab: SharedArrayBuffer | undefined): ((bytes: Uint8Array) => void) | undefined => {
    if (sab === undefined) return undefined;
    const ring = new RingWriter(sab);
    return (bytes: Uint8Array): void => (bytes.length === 1 ? ring.writeByte(bytes[0]!) : ring.write(bytes));
  };
  const outputs = wd.serialRings.map(sinkOf);
  const debugconOutputs = (wd.debugconRings ?? []).map(sinkOf);
  let machine: KvmPcMachine | EmuPcMachine | undefined;
  let exit: { status: number; message?: string };
  try {
    machine = createMachine(outputs, debugconOutputs);
    exit = machine.run();
    // TKVM_EMU_STATS=1: the software CPU's instruction rate, printed with the exit (a worker's own
    // stderr is forwarded asynchronously and could be cut off when the thread ends).
    if (machine instanceof EmuPcMachine && process.env.TKVM_EMU_STATS === '1') {
      exit = { status: exit.status, message: [exit.message, formatEmuStats(machine.stats())].filter((m) => m !== undefined && m !== '').join('\ntkvm: ') };
    }
  } catch (err) {
    // A bug in tkvm, not bad input: say so in one line; the stack only with TKVM_DEBUG=1.
    const detail = process.env.TKVM_DEBUG === '1' ? (err as Error).stack : (err as Error).message;
    const message = err instanceof TkvmError ? err.message : `internal error: ${detail ?? String(err)} (run with TKVM_DEBUG=1 for details)`;
    exit = { status: 1, message };
  }
  // Stop the AP threads before reporting: the main thread terminates this worker on 'exit',
  // and a nested worker still blocked in KVM_RUN would keep the process from ending.
  try {
    machine?.close();
  } catch {
    // the process is ending; nothing left to release safely
  }
  post({ type: 'exit', status: exit.status, message: exit.message });
}

main();
