import type { MessagePort } from 'node:worker_threads';
import { EXIT, IO_OUT, RUN } from '../abi/kvm-run.js';
import type { MmioBus, PioBus } from '../bus/bus.js';
import type { MachineConfig } from '../cli/config.js';
import { Kvm, type VcpuFd, type VmFd } from '../kvm/kvm.js';
import { pthreadSelf } from '../kvm/libc.js';
import { buildCpuid, isNestedPvmHost } from '../accel/kvm/cpuid.js';
import { ExitDecoder, type IoExit, type MmioExit } from '../accel/kvm/vcpu-exit.js';
import { BOOT_MSRS, applyBootState, describeVcpu } from '../accel/kvm/vcpu-state.js';
import { kvmDevicePath } from '../accel/emu/select.js';
import type { MachineMessage } from './control.js';
import { KvmIrqLine, pcGsiRoutes } from './irq.js';
import type { HostRam } from './ram.js';
import { ApMailboxes } from './ap-mailbox.js';
import type { IsaDevices } from './isa.js';
import { loadDirectKernel } from './direct-boot.js';
import { KVM_CAP } from '../kvm/ioctls.js';
import { KvmMemoryMap } from './memory-map.js';
import type { PcPlatform } from './platform.js';
import type { IdeDriveSlot, PcDevices } from './pc-devices.js';
import { HostControl, StopLoop, runResettable, type MachineExit } from './host-control.js';
import { buildPcBoard, monotonicNs } from './pc-board.js';

export { monotonicNs } from './pc-board.js';
export type { MachineExit } from './host-control.js';

/**
 * Where KVM's VMX real-mode helpers live, as in QEMU: the identity-map page at 0xfeffc000 and the
 * three TSS pages after it, below any BIOS image (at most 16 MiB, from 0xff000000); e820 and
 * fw_cfg's etc/e820 reserve these 16 KiB (QEMU_KVM_RESERVED).
 */
const TSS_ADDR = 0xfeffd000;
const IDENTITY_MAP_ADDR = 0xfeffc000;

/**
 * The pc machine on KVM, run by the machine thread (vCPU 0's worker). It owns guest RAM, the VM,
 * the buses and every device, so the exit path is a direct call without thread hops. Other
 * vCPUs run in their own workers and forward their I/O here through ApMailboxes.
 */
export class KvmPcMachine {
  readonly pio: PioBus;
  readonly mmio: MmioBus;
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
  private readonly control: HostControl;
  private timerDeadlineNs: number | undefined;
  private postedTimerMs: number | undefined;
  /** ioView's cache: subarrays of kvm_run at ioViewOffset, indexed by access size (1, 2, 4). */
  private ioViewsBySize: Uint8Array[] = [];
  private ioViewOffset = -1;

  constructor(
    private readonly config: MachineConfig,
    ctl: Int32Array,
    port: MessagePort,
    outputs: ReadonlyArray<((bytes: Uint8Array) => void) | undefined>,
    debugconOutputs: ReadonlyArray<((bytes: Uint8Array) => void) | undefined> = [],
    ideDrives: ReadonlyArray<IdeDriveSlot | undefined> = [],
  ) {
    this.kvm = Kvm.open(kvmDevicePath());
    this.memoryMap = new KvmMemoryMap(this.kvm.checkExtension(KVM_CAP.READONLY_MEM) > 0);
    this.aps = new ApMailboxes(config.cpus, ctl);
    const irqs = new Map<number, KvmIrqLine>();
    const irq = (gsi: number): KvmIrqLine => {
      let line = irqs.get(gsi);
      if (line === undefined) irqs.set(gsi, (line = new KvmIrqLine(() => this.vm, gsi)));
      return line;
    };
    this.irqLines = irqs;
    const board = buildPcBoard({ config, memoryMap: this.memoryMap, irq, serialOutputs: outputs, debugconOutputs, ideDrives, onTimerChange: () => this.scheduleTimers() });
    this.pio = board.pio;
    this.mmio = board.mmio;
    this.ram = board.ram;
    this.devices = board.devices;
    this.platform = board.platform;
    this.pcDevices = board.pcDevices;
    this.scheduleTimers(); // timers armed while the board was built (devices was not set yet)
    this.control = new HostControl(ctl, port, () => ({ devices: this.devices, pcDevices: this.pcDevices }), {
      onResume: () => this.aps.resume(),
      serveAps: () => this.serveAps(),
    });
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
      const { cpu } = loadDirectKernel(this.ram, this.config, undefined, this.pcDevices.display);
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
    this.control.post(m);
  }

  /** Runs vCPU 0 until the guest or the user ends the VM. */
  run(): MachineExit {
    return runResettable(() => this.loop(), () => this.resetVm(), this.config.noReboot);
  }

  private loop(): MachineExit {
    const run = this.bsp.run;
    for (;;) {
      if (this.control.pending()) {
        const stop = this.control.service();
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

  /** Carries out the APs' forwarded exits; a triple fault on an AP resets the machine. */
  private serveAps(): MachineExit | undefined {
    this.aps.serve((exit, bytes, off) => (exit.kind === 'io' ? this.handleIo(exit, bytes) : this.handleMmio(exit, bytes, off)));
    if (this.aps.fatal !== undefined) return { status: 1, message: this.aps.fatal };
    if (this.aps.shutdownRequested) {
      this.aps.shutdownRequested = false;
      throw new StopLoop('reset');
    }
    return undefined;
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
