// A worker that builds the KVM pc machine directly (as machine-worker.ts does), maps a recording
// MMIO device at the address under test, runs the mmio guest and reports what the device saw.
import { MessageChannel, parentPort, workerData } from 'node:worker_threads';
import type { BusDevice } from '../../src/bus/bus-device.js';
import type { MachineConfig } from '../../src/cli/config.js';
import { createControl } from '../../src/machine/control.js';
import { KvmPcMachine } from '../../src/machine/kvm-pc.js';

const { config, base } = workerData as { config: MachineConfig; base: number };
const accesses: Array<{ offset: number; size: number; write: boolean; value: string }> = [];
const regs = new Uint8Array(16);
/** Remembers what the guest writes and returns it on reads, logging every access. */
const device: BusDevice = {
  read(offset, data) {
    data.set(regs.subarray(offset, offset + data.length));
    accesses.push({ offset, size: data.length, write: false, value: Buffer.from(data).toString('hex') });
  },
  write(offset, data) {
    regs.set(data, offset);
    accesses.push({ offset, size: data.length, write: true, value: Buffer.from(data).toString('hex') });
  },
};
let serial = '';
const { port1 } = new MessageChannel();
const machine = new KvmPcMachine(config, createControl(), port1, [(b) => (serial += Buffer.from(b).toString('latin1'))]);
machine.mmio.insert(base, 16, 'test-device', device);
const exit = machine.run();
machine.close();
port1.close();
parentPort!.postMessage({ exit, serial, accesses });
