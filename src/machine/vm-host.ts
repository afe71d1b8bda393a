import { Worker } from 'node:worker_threads';
import { RUN } from '../abi/kvm-run.js';
import type { MachineConfig } from '../cli/config.js';
import type { CharBackend } from '../chardev/char-backend.js';
import { runAreaAt } from '../kvm/kvm.js';
import { SIGUSR2, pthreadKill } from '../kvm/libc.js';
import { RingReader, createRingBuffer } from '../util/byte-ring.js';
import { DisplayBridge } from './display-bridge.js';
import type { CdRequest, IdeDriveSlot } from './pc-devices.js';
import type { KeyValue } from '../monitor/target.js';
import { CTL, RUNSTATE, createControl, type HostMessage, type MachineMessage } from './control.js';

interface VcpuHandle {
  readonly run: DataView;
  readonly tid: bigint;
}

/** How a VM ended: the process exit status (QEMU's conventions) and an optional message. */
export interface VmExit {
  readonly status: number;
  readonly message?: string;
}

/** Events the front end (CLI, QMP) may listen to. */
export interface VmHostEvents {
  onStateChange?(state: 'running' | 'paused'): void;
  onReset?(): void;
}

let signalHandlerInstalled = false;

/**
 * The main thread's handle on a running VM: starts the machine thread, pumps guest output to
 * the character backends, forwards input, and kicks vCPUs for pause, resume, reset and quit.
 */
export class VmHost {
  private readonly ctl = createControl();
  private readonly vcpus = new Map<number, VcpuHandle>();
  private readonly readers: Array<{ reader: RingReader; backend: CharBackend }> = [];
  private worker: Worker | undefined;
  private timer: NodeJS.Timeout | undefined;
  private state: 'running' | 'paused' = 'running';
  /** The guest's screen, for VNC and screendumps (rendered by the machine thread on request). */
  readonly display = new DisplayBridge((req) => this.send(req));
  private readonly cdWaiting = new Map<number, (error: string | undefined) => void>();
  private nextCdId = 1;

  constructor(
    private readonly config: MachineConfig,
    private readonly serial: ReadonlyArray<CharBackend | undefined>,
    private readonly events: VmHostEvents = {},
    /** Backends of config.debugcons, in order (output only). */
    private readonly debugcons: ReadonlyArray<CharBackend | undefined> = [],
    /** IDE drives by index (0-3): proxy channels the main thread serves (see DriveManager). */
    private readonly ideDrives: ReadonlyArray<IdeDriveSlot | undefined> = [],
  ) {}

  /** Starts the VM; resolves when it has ended. */
  run(): Promise<VmExit> {
    if (!signalHandlerInstalled) {
      // A handler must exist, or SIGUSR2 would kill the process; its only job is to make KVM_RUN return EINTR.
      process.on('SIGUSR2', () => undefined);
      signalHandlerInstalled = true;
    }
    const pumps: Promise<void>[] = [];
    /** A ring per backend, pumped into it; undefined where there is no backend. */
    const ringsFor = (backends: ReadonlyArray<CharBackend | undefined>): Array<SharedArrayBuffer | undefined> =>
      backends.map((backend) => {
        if (backend === undefined) return undefined;
        const sab = createRingBuffer();
        const reader = new RingReader(sab);
        this.readers.push({ reader, backend });
        pumps.push(reader.pump((bytes) => backend.write(bytes)));
        return sab;
      });
    const serialRings = ringsFor(this.serial);
    this.serial.forEach((backend, index) => backend?.onInput((bytes) => this.send({ type: 'input', index, bytes })));
    const debugconRings = ringsFor(this.debugcons);
    const worker = new Worker(new URL('./machine-worker.js', import.meta.url), {
      workerData: { config: this.config, ctl: this.ctl, serialRings, debugconRings, ideDrives: this.ideDrives },
    });
    this.worker = worker;
    return new Promise<VmExit>((resolve) => {
      let done = false;
      const finish = async (exit: VmExit): Promise<void> => {
        if (done) return;
        done = true;
        if (this.timer) clearTimeout(this.timer);
        this.display.close();
        for (const resolve of this.cdWaiting.values()) resolve('the machine has ended');
        this.cdWaiting.clear();
        // The machine thread stopped its AP threads before reporting; their thread ids are
        // stale now, so nothing may be kicked any more.
        Atomics.store(this.ctl, CTL.STATE, RUNSTATE.QUIT);
        this.vcpus.clear();
        for (const { reader, backend } of this.readers) {
          const rest = reader.drain();
          reader.stop();
          if (rest.length) backend.write(rest);
        }
        await Promise.allSettled(pumps);
        await worker.terminate();
        resolve(exit);
      };
      worker.on('message', (m: MachineMessage) => this.onMachineMessage(m, finish));
      worker.on('error', (err) => void finish({ status: 1, message: `internal error in the machine thread: ${process.env.TKVM_DEBUG === '1' ? err.stack : err.message}` }));
      worker.on('exit', (code) => void finish({ status: code === 0 ? 0 : 1, message: code === 0 ? undefined : 'the machine thread ended unexpectedly' }));
    });
  }

  private onMachineMessage(m: MachineMessage, finish: (exit: VmExit) => Promise<void>): void {
    switch (m.type) {
      case 'vcpu':
        this.vcpus.set(m.id, { run: runAreaAt(m.runAddress, m.mmapSize), tid: BigInt(m.tid) });
        break;
      case 'vcpu-gone':
        this.vcpus.delete(m.id);
        break;
      case 'timer':
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        if (m.deadlineMs !== undefined) {
          const delay = Math.max(0, m.deadlineMs - Number(process.hrtime.bigint()) / 1e6);
          this.timer = setTimeout(() => this.kick(0), delay);
        }
        break;
      case 'state':
        this.state = m.state;
        this.events.onStateChange?.(m.state);
        break;
      case 'reset':
        this.events.onReset?.();
        break;
      case 'exit':
        void finish({ status: m.status, message: m.message });
        break;
      case 'display':
        this.display.onReply(m);
        break;
      case 'cd': {
        const resolve = this.cdWaiting.get(m.id);
        this.cdWaiting.delete(m.id);
        resolve?.(m.error);
        break;
      }
    }
  }

  /** Current run state. */
  get runState(): 'running' | 'paused' {
    return this.state;
  }

  /** Stops every vCPU (QMP `stop`). */
  pause(): void {
    Atomics.store(this.ctl, CTL.STATE, RUNSTATE.PAUSED);
    this.send({ type: 'pause' });
    for (const id of this.vcpus.keys()) if (id !== 0) this.kick(id);
  }

  /** Lets the vCPUs run again (QMP `cont`). */
  resume(): void {
    this.send({ type: 'resume' });
  }

  /** Asks the machine to eject or change the medium of CD-ROM drive `index`; resolves to QEMU's error text, if any. */
  cdRequest(index: number, req: CdRequest): Promise<string | undefined> {
    const id = this.nextCdId++;
    return new Promise((resolve) => {
      this.cdWaiting.set(id, resolve);
      this.send({ type: 'cd', id, index, req });
    });
  }

  /** Presses or releases a key of the guest's PS/2 keyboard (QMP send-key, VNC). */
  sendKey(key: KeyValue, down: boolean): void {
    this.send({ type: 'key', key, down });
  }

  /** Moves the guest's PS/2 mouse (VNC). */
  sendPointer(dx: number, dy: number, buttons: number): void {
    this.send({ type: 'pointer', dx, dy, buttons });
  }

  /** Presses the ACPI power button (QMP system_powerdown); the guest decides what to do. */
  powerdown(): void {
    this.send({ type: 'powerdown' });
  }

  /** Resets the machine as the reset button would. */
  reset(): void {
    this.send({ type: 'reset' });
  }

  /** Ends the VM (Ctrl-A x, QMP `quit`). */
  quit(): void {
    Atomics.store(this.ctl, CTL.STATE, RUNSTATE.QUIT);
    this.send({ type: 'quit' });
    for (const id of this.vcpus.keys()) this.kick(id);
  }

  private send(m: HostMessage): void {
    this.worker?.postMessage(m);
    Atomics.store(this.ctl, CTL.PENDING, 1);
    Atomics.add(this.ctl, CTL.SEQ, 1);
    Atomics.notify(this.ctl, CTL.SEQ);
    this.kick(0);
  }

  /** Makes a vCPU leave KVM_RUN: immediate_exit covers the race with entering it. */
  private kick(id: number): void {
    const v = this.vcpus.get(id);
    if (v === undefined) return;
    v.run.setUint8(RUN.IMMEDIATE_EXIT, 1);
    pthreadKill(v.tid, SIGUSR2);
  }
}
