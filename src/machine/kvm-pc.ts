import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { EXIT, IO_OUT, RUN } from '../abi/kvm-run.js';
import { MmioBus, PioBus } from '../bus/bus.js';
import type { MachineConfig } from '../cli/config.js';
import { Kvm, type VcpuFd, type VmFd } from '../kvm/kvm.js';
import { pthreadSelf } from '../kvm/libc.js';
import { buildCpuid, isNestedPvmHost } from '../accel/kvm/cpuid.js';
import { ExitDecoder, type IoExit, type MmioExit } from '../accel/kvm/vcpu-exit.js';
import { BOOT_MSRS, applyBootState, describeVcpu } from '../accel/kvm/vcpu-state.js';
import { CTL, RUNSTATE, type HostMessage, type MachineMessage } from './control.js';
import { KvmIrqLine, pcGsiRoutes } from './irq.js';
import { allocateHostRam, type HostRam } from './ram.js';
import { ApMailboxes } from './ap-mailbox.js';
import { createIsaDevices, type IsaDevices } from './isa.js';
import { loadDirectKernel } from './direct-boot.js';
import { KVM_CAP } from '../kvm/ioctls.js';
import { KvmMemoryMap } from './memory-map.js';
import { PcPlatform } from './platform.js';
import { plugPcDevices, type IdeDriveSlot, type PcDevices } from './pc-devices.js';
import { numberToQcode } from '../input/keymap.js';
import { answerDisplayRequest } from './display-bridge.js';
import { firmwareRamSlots, loadFirmwareSetup, plainRamSlots } from './firmware-boot.js';

/** The process-wide monotonic clock in ns (the same in every thread, unlike performance.now). */
export function monotonicNs(): number {
  return Number(process.hrtime.bigint());
}

/**
 * Where KVM's VMX real-mode helpers live, as in QEMU: the identity-map page at 0xfeffc000 and the
 * three TSS pages after it, below any BIOS image (at most 16 MiB, from 0xff000000); e820 and
 * fw_cfg's etc/e820 reserve these 16 KiB (QEMU_KVM_RESERVED).
 */
const TSS_ADDR = 0xfeffd000;
const IDENTITY_MAP_ADDR = 0xfeffc000;

/** Why the machine thread's loop ended, with the process exit status. */
export interface MachineExit {
  readonly status: number;
  readonly message?: string;
}

/** A guest reset or exit requested from inside a device handler; unwinds to the vCPU loop. */
class StopLoop extends Error {
  constructor(readonly action: 'reset' | 'exit', readonly status = 0, readonly reason?: string) {
    super(action);
  }
}

/**
 * The pc machine on KVM, run by the machine thread (vCPU 0's worker). It owns guest RAM, the VM,
 * the buses and every device, so the exit path is a direct call without thread hops. Other
 * vCPUs run in their own workers and forward their I/O here through ApMailboxes.
 */
export class KvmPcMachine {
  readonly pio = new PioBus();
  readonly mmio = new MmioBus();
  readonly ram: HostRam;
  /** The chipset, PCI, fw_cfg and the API devices plug into. */
  readonly platform: PcPlatform;
  /** The optional devices (display, disks) that host messages reach. */
  private readonly pcDevices: PcDevices;
  private readonly memoryMap: KvmMemoryMap;
  private readonly kvm: Kvm;
  private vm!: VmFd;
  private vcpus: VcpuFd[] = [];
  private devices!: IsaDevices;
  private decoder!: ExitDecoder;
  private bsp!: VcpuFd;
  private readonly aps: ApMailboxes;
  private timerDeadlineNs: number | undefined;
  private postedTimerMs: number | undefined;
  /** ioView's cache: subarrays of kvm_run at ioViewOffset, indexed by access size (1, 2, 4). */
  private ioViewsBySize: Uint8Array[] = [];
  private ioViewOffset = -1;

  constructor(
    private readonly config: MachineConfig,
    private readonly ctl: Int32Array,
    private readonly port: MessagePort,
    outputs: ReadonlyArray<((bytes: Uint8Array) => void) | undefined>,
    debugconOutputs: ReadonlyArray<((bytes: Uint8Array) => void) | undefined> = [],
    private readonly ideDrives: ReadonlyArray<IdeDriveSlot | undefined> = [],
  ) {
    this.kvm = Kvm.open();
    const firmware = config.kernel === undefined ? loadFirmwareSetup(config) : undefined;
    this.ram = allocateHostRam(config.memoryBytes);
    this.memoryMap = new KvmMemoryMap(this.kvm.checkExtension(KVM_CAP.READONLY_MEM) > 0);
    const slots = firmware === undefined ? plainRamSlots(this.ram) : firmwareRamSlots(this.ram);
    for (const [name, spec] of slots) this.memoryMap.set(name, spec);
    this.aps = new ApMailboxes(config.cpus, ctl);
    const irqs = new Map<number, KvmIrqLine>();
    const irq = (gsi: number): KvmIrqLine => {
      let line = irqs.get(gsi);
      if (line === undefined) irqs.set(gsi, (line = new KvmIrqLine(() => this.vm, gsi)));
      return line;
    };
    this.irqLines = irqs;
    this.devices = createIsaDevices({
      config,
      pio: this.pio,
      memory: this.ram.memory,
      irq,
      serialOutputs: outputs,
      debugconOutputs,
      clock: monotonicNs,
      onTimerChange: () => this.scheduleTimers(),
      onReset: () => {
        throw new StopLoop('reset');
      },
      onExit: (status) => {
        throw new StopLoop('exit', status);
      },
    });
    this.platform = new PcPlatform({
      pio: this.pio,
      mmio: this.mmio,
      memory: this.ram.memory,
      memoryMap: this.memoryMap,
      isaIrq: irq,
      requestReset: () => {
        throw new StopLoop('reset');
      },
      clock: monotonicNs,
      createTimer: (fire) => this.devices.createTimer(fire),
      ...(firmware !== undefined ? { firmware: { bios: firmware.bios, ramHost: this.ram.slots[0]!.hostAddress, fwCfg: firmware.fwCfg } } : {}),
    });
    this.pcDevices = plugPcDevices(this.platform, config, this.ideDrives);
    this.createVm();
  }

  /** Every ISA IRQ line handed out; a new irqchip after a reset starts with all of them low. */
  private readonly irqLines: Map<number, KvmIrqLine>;

  /** Creates the VM, its irqchip, PIT, memory slots and vCPUs, and loads the kernel. */
  private createVm(): void {
    const vm = this.kvm.createVm();
    this.vm = vm;
    vm.setTssAddr(TSS_ADDR);
    vm.setIdentityMapAddr(IDENTITY_MAP_ADDR);
    vm.createIrqchip();
    vm.createPit2(1); // KVM_PIT_SPEAKER_DUMMY: port 0x61 answered in the kernel, as Linux's PIT calibration reads it
    vm.setGsiRouting(pcGsiRoutes());
    this.memoryMap.attach(vm);
    const supported = this.kvm.supportedCpuid();
    const nestedPvm = isNestedPvmHost();
    this.vcpus = [];
    for (let id = 0; id < this.config.cpus; id++) {
      const vcpu = vm.createVcpu(id);
      vcpu.setCpuid(buildCpuid(supported, { apicId: id, cpus: this.config.cpus, nestedPvm, ...(this.config.cpuModel !== undefined ? { model: this.config.cpuModel } : {}) }));
      vcpu.setMsrs(BOOT_MSRS);
      this.vcpus.push(vcpu);
    }
    this.bsp = this.vcpus[0]!;
    this.decoder = new ExitDecoder(this.bsp.run);
    this.ioViewOffset = -1; // a new vCPU 0 has a new kvm_run mapping
    if (this.config.kernel !== undefined) {
      const { cpu } = loadDirectKernel(this.ram, this.config);
      applyBootState(this.bsp, cpu);
    }
    // Firmware boot: vCPU 0 starts at the reset vector (CS base 0xffff0000, IP 0xfff0), in the BIOS.
    this.post({ type: 'vcpu', id: 0, runAddress: this.bsp.runAddress, tid: pthreadSelf(), mmapSize: this.bsp.mmapSize });
    this.aps.selfTid = BigInt(pthreadSelf());
    this.aps.start(this.vcpus.slice(1), this.bsp, (m) => this.post(m));
  }

  /** Tears the VM down and builds it again: what a guest reset does (RAM and CMOS survive). */
  private resetVm(): void {
    this.aps.stop();
    for (const v of this.vcpus) v.close();
    this.memoryMap.detach();
    this.vm.close();
    // The new irqchip starts with every line low; forgetting first also keeps device resets that
    // lower their lines from reaching the closed VM.
    for (const line of this.irqLines.values()) line.forget();
    this.devices.reset();
    this.platform.reset();
    this.createVm();
    this.post({ type: 'reset' });
  }

  private post(m: MachineMessage): void {
    this.port.postMessage(m);
  }

  /** Runs vCPU 0 until the guest or the user ends the VM. */
  run(): MachineExit {
    for (;;) {
      try {
        return this.loop();
      } catch (err) {
        if (!(err instanceof StopLoop)) throw err;
        if (err.action === 'exit') return { status: err.status, message: err.reason };
        if (this.config.noReboot) return { status: 0 };
        this.resetVm();
      }
    }
  }

  private loop(): MachineExit {
    const ctl = this.ctl;
    const run = this.bsp.run;
    for (;;) {
      if ((Atomics.load(ctl, CTL.PENDING) | Atomics.load(ctl, CTL.AP_PENDING)) !== 0) {
        const stop = this.service();
        if (stop) return stop;
      }
      if (this.timerDeadlineNs !== undefined && monotonicNs() >= this.timerDeadlineNs) this.fireTimers();
      if (!this.bsp.runOnce()) {
        run.setUint8(RUN.IMMEDIATE_EXIT, 0);
        continue;
      }
      // Hot path: one port access (no string I/O), decoded in place without the BigInt read of
      // data_offset (an allocation per exit); everything else goes through the ExitDecoder.
      if (run.getUint32(RUN.EXIT_REASON, true) === EXIT.IO && run.getUint32(RUN.IO_COUNT, true) === 1 && run.getUint32(RUN.IO_DATA_OFFSET + 4, true) === 0) {
        const view = this.ioView(run.getUint32(RUN.IO_DATA_OFFSET, true), run.getUint8(RUN.IO_SIZE));
        if (run.getUint8(RUN.IO_DIRECTION) === IO_OUT) this.pio.write(run.getUint16(RUN.IO_PORT, true), view);
        else this.pio.read(run.getUint16(RUN.IO_PORT, true), view);
        continue;
      }
      const exit = this.decoder.decode();
      switch (exit.kind) {
        case 'io':
          this.handleIo(exit);
          break;
        case 'mmio':
          this.handleMmio(exit);
          break;
        case 'intr':
        case 'irq-window':
        case 'hlt':
          break;
        case 'shutdown':
          // A triple fault: the PC resets (QEMU: unless -no-reboot, which exits cleanly).
          throw new StopLoop('reset');
        case 'system-event':
          if (exit.type === 2) throw new StopLoop('reset');
          return { status: 0 };
        case 'internal-error':
          return { status: 1, message: `KVM internal error on vCPU 0. Suberror: ${exit.suberror}${exit.data.length ? ` (data: ${exit.data.map((d) => '0x' + d.toString(16)).join(' ')})` : ''}\n${describeVcpu(this.bsp)}\n(on a nested KVM like these machines, some ring-0 instructions cannot be emulated; see DESIGN section 5)` };
        case 'fail-entry':
          return { status: 1, message: `KVM: entry failed on vCPU 0, hardware error 0x${exit.reason.toString(16)}\n${describeVcpu(this.bsp)}` };
        case 'exception':
          return { status: 1, message: `KVM: unexpected exception ${exit.vector} on vCPU 0\n${describeVcpu(this.bsp)}` };
        case 'unknown':
          return { status: 1, message: `KVM: unhandled exit reason ${exit.reason} on vCPU 0\n${describeVcpu(this.bsp)}` };
      }
    }
  }

  /** The guest's port I/O; string I/O is `count` accesses of `size` bytes (kvmtool's rule). */
  handleIo(exit: IoExit, bytes: Uint8Array = this.bsp.runBytes): void {
    const { port, size, count, dataOffset } = exit;
    if (count === 1 && bytes === this.bsp.runBytes) {
      const view = this.ioView(dataOffset, size);
      if (exit.isWrite) this.pio.write(port, view);
      else this.pio.read(port, view);
      return;
    }
    for (let i = 0; i < count; i++) {
      const view = bytes.subarray(dataOffset + i * size, dataOffset + (i + 1) * size);
      if (exit.isWrite) this.pio.write(port, view);
      else this.pio.read(port, view);
    }
  }

  /** The preallocated view of vCPU 0's kvm_run I/O data for one access (KVM keeps data_offset fixed). */
  private ioView(dataOffset: number, size: number): Uint8Array {
    if (dataOffset !== this.ioViewOffset) {
      const b = this.bsp.runBytes;
      this.ioViewsBySize = [0, 1, 2, 3, 4].map((n) => b.subarray(dataOffset, dataOffset + n));
      this.ioViewOffset = dataOffset;
    }
    return this.ioViewsBySize[size]!;
  }

  /** The guest's MMIO access; data sits in kvm_run.mmio.data. */
  handleMmio(exit: MmioExit, bytes: Uint8Array = this.bsp.runBytes, dataOffset: number = RUN.MMIO_DATA): void {
    const view = bytes.subarray(dataOffset, dataOffset + Math.min(8, exit.len));
    if (exit.isWrite) this.mmio.write(exit.addr, view);
    else this.mmio.read(exit.addr, view);
  }

  /** Handles host messages and AP requests; returns an exit when the user quits. */
  private service(): MachineExit | undefined {
    for (;;) {
      Atomics.store(this.ctl, CTL.PENDING, 0);
      let msg = receiveMessageOnPort(this.port);
      while (msg !== undefined) {
        const stop = this.onMessage(msg.message as HostMessage);
        if (stop) return stop;
        msg = receiveMessageOnPort(this.port);
      }
      if (Atomics.load(this.ctl, CTL.AP_PENDING) !== 0) {
        this.aps.serve((exit, bytes, off) => (exit.kind === 'io' ? this.handleIo(exit, bytes) : this.handleMmio(exit, bytes, off)));
        if (this.aps.fatal !== undefined) return { status: 1, message: this.aps.fatal };
        if (this.aps.shutdownRequested) {
          this.aps.shutdownRequested = false;
          throw new StopLoop('reset');
        }
      }
      const state = Atomics.load(this.ctl, CTL.STATE);
      if (state === RUNSTATE.QUIT) return { status: 0 };
      if (state !== RUNSTATE.PAUSED) return undefined;
      const seq = Atomics.load(this.ctl, CTL.SEQ);
      if (Atomics.load(this.ctl, CTL.PENDING) === 0 && Atomics.load(this.ctl, CTL.AP_PENDING) === 0) Atomics.wait(this.ctl, CTL.SEQ, seq, 1000);
    }
  }

  private onMessage(m: HostMessage): MachineExit | undefined {
    switch (m.type) {
      case 'input':
        this.devices.serialInput(m.index, m.bytes);
        return undefined;
      case 'pause':
        Atomics.store(this.ctl, CTL.STATE, RUNSTATE.PAUSED);
        this.post({ type: 'state', state: 'paused' });
        return undefined;
      case 'resume':
        Atomics.store(this.ctl, CTL.STATE, RUNSTATE.RUNNING);
        this.aps.resume();
        this.post({ type: 'state', state: 'running' });
        return undefined;
      case 'reset':
        throw new StopLoop('reset');
      case 'quit':
        return { status: 0 };
      case 'display':
        this.post(answerDisplayRequest(this.pcDevices.display, m));
        return undefined;
      case 'key': {
        const qcode = m.key.type === 'qcode' ? m.key.data : numberToQcode(m.key.data);
        if (qcode !== undefined) this.devices.input.key(qcode, m.down);
        return undefined;
      }
      case 'pointer':
        this.devices.input.pointer(m.dx, m.dy, m.buttons);
        return undefined;
      case 'cd': {
        const error = this.pcDevices.cdRequest(m.index, m.req);
        this.post({ type: 'cd', id: m.id, ...(error !== undefined ? { error } : {}) });
        return undefined;
      }
    }
  }

  private fireTimers(): void {
    this.devices.pollTimers(monotonicNs());
    this.scheduleTimers();
  }

  /** Recomputes the earliest device deadline and asks the main thread for a kick then. */
  private scheduleTimers(): void {
    if (this.devices === undefined) return; // devices arm timers while being built
    const next = this.devices.nextDeadline();
    this.timerDeadlineNs = next;
    const ms = next === undefined ? undefined : Math.ceil(next / 1e6); // on the monotonicNs clock
    if (ms !== this.postedTimerMs) {
      this.postedTimerMs = ms;
      this.post({ type: 'timer', deadlineMs: ms });
    }
  }

  /** Releases the VM (the process is about to exit). */
  close(): void {
    this.aps.stop();
    for (const v of this.vcpus) v.close();
    this.vm.close();
    this.kvm.close();
  }
}
