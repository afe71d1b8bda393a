/**
 * The pc machine on tkvm's software CPU (-accel emu / tcg): the same board as on KVM (PcPlatform,
 * ISA and PC devices, firmware or direct kernel boot), with the TypeScript interrupt controllers
 * and PIT, and the CPU run in slices by this thread. Between slices the loop fires device timers
 * and serves the control channel; on HLT it sleeps until the next timer deadline or host message.
 */
import type { MessagePort } from 'node:worker_threads';
import type { MachineConfig } from '../cli/config.js';
import type { EmuCpu } from '../accel/emu/contract.js';
import { EmuPhysicalPages } from '../accel/emu/physical-memory.js';
import { TkvmError } from '../errors.js';
import { loadDirectKernel } from './direct-boot.js';
import { emuBootState } from './emu-boot-state.js';
import { refuseLongModeKernel } from './emu-kernel-check.js';
import { createEmuCpu } from '../accel/emu/cpu/index.js';
import { createFpuUnit } from '../accel/emu/fpu/index.js';
import { EmuGsiLines, createEmuInterrupts, type EmuInterrupts } from './emu-interrupts.js';
import { EmuPioPorts } from './emu-port-io.js';
import { HostControl, StopLoop, runResettable, type MachineExit } from './host-control.js';
import { MemoryMap } from './memory-map.js';
import { buildPcBoard, monotonicNs, type PcBoard } from './pc-board.js';
import type { IdeDriveSlot } from './pc-devices.js';

/** Instructions per slice: short enough for timely timers and host messages, long enough to amortise the checks. */
export const EMU_SLICE = 20_000;
/** The longest HLT sleep before looking again (ms), when no timer is armed. */
const MAX_HALT_MS = 1000;

/** Instruction-rate figures of one run. */
export interface EmuStats {
  readonly instructions: number;
  readonly seconds: number;
  /** Seconds spent running the CPU (not asleep on HLT). */
  readonly busySeconds: number;
  /** CPU time the process used meanwhile (all threads): the rate per CPU-second holds on a busy host. */
  readonly cpuSeconds: number;
}

/** The pc machine on the software CPU (one processor for now). */
export class EmuPcMachine {
  readonly board: PcBoard;
  readonly memory: EmuPhysicalPages;
  readonly cpu: EmuCpu;
  private readonly interrupts: EmuInterrupts;
  private readonly control: HostControl;
  private readonly startNs = monotonicNs();
  private readonly startCpu = process.cpuUsage();
  private haltedNs = 0;
  /** A reset or exit a device asked for during the current slice. */
  private pendingStop: StopLoop | undefined;

  constructor(
    private readonly config: MachineConfig,
    ctl: Int32Array,
    port: MessagePort,
    outputs: ReadonlyArray<((bytes: Uint8Array) => void) | undefined>,
    debugconOutputs: ReadonlyArray<((bytes: Uint8Array) => void) | undefined> = [],
    ideDrives: ReadonlyArray<IdeDriveSlot | undefined> = [],
  ) {
    if (config.cpus > 1) {
      throw new TkvmError('unsupported', `-smp ${config.cpus}: tkvm's software CPU runs one processor so far (use -smp 1, or -accel kvm)`);
    }
    const memoryMap = new MemoryMap();
    const gsis = new EmuGsiLines();
    this.board = buildPcBoard({
      config, memoryMap, irq: (gsi) => gsis.line(gsi), serialOutputs: outputs, debugconOutputs, ideDrives,
      onTimerChange: () => undefined,
      // A reset or exit from an I/O handler ends the CPU's slice after the instruction; the loop carries it out.
      onStop: (stop) => {
        this.pendingStop ??= stop;
        this.cpu?.requestStop();
      },
    });
    const { pio, mmio, devices, ram } = this.board;
    this.interrupts = createEmuInterrupts({ pio, mmio, clock: monotonicNs, createTimer: (fire) => devices.createTimer(fire) });
    gsis.attach(this.interrupts);
    this.memory = new EmuPhysicalPages(mmio);
    memoryMap.connect(this.memory);
    this.memory.observe(ram.memory);
    this.cpu = createEmuCpu(
      { memory: this.memory, io: new EmuPioPorts(pio), interrupts: this.interrupts.pin, apicId: 0, cpus: config.cpus, clockNs: monotonicNs },
      createFpuUnit(),
    );
    this.control = new HostControl(ctl, port, () => this.board);
    this.powerOn();
  }

  /** The CPU at RESET, or at the kernel's entry for a direct boot. */
  private powerOn(): void {
    this.cpu.reset();
    if (this.config.kernel !== undefined) {
      refuseLongModeKernel(this.config.kernel);
      const { cpu } = loadDirectKernel(this.board.ram, this.config, 'protected');
      this.cpu.setState(emuBootState(this.cpu.getState(), cpu));
    }
  }

  /** A guest reset: devices, chipset, interrupt controllers and CPU back to power-on (RAM and CMOS survive). */
  private reset(): void {
    this.board.devices.reset();
    this.board.platform.reset();
    this.interrupts.reset();
    this.powerOn();
    this.control.post({ type: 'reset' });
  }

  /** Runs until the guest or the user ends the VM. */
  run(): MachineExit {
    return runResettable(() => this.loop(), () => this.reset(), this.config.noReboot);
  }

  private loop(): MachineExit {
    const { devices } = this.board;
    const cpu = this.cpu;
    for (;;) {
      if (this.control.pending()) {
        const stop = this.control.service();
        if (stop) return stop;
      }
      let next = devices.nextDeadline();
      if (next !== undefined && monotonicNs() >= next) {
        devices.pollTimers(monotonicNs());
        next = devices.nextDeadline();
      }
      const reason = cpu.run(EMU_SLICE);
      const stop = this.pendingStop;
      if (stop !== undefined) {
        this.pendingStop = undefined;
        throw stop;
      }
      switch (reason) {
        case 'budget':
        case 'stopped':
          break;
        case 'halted':
          this.sleep(devices.nextDeadline());
          break;
        case 'shutdown':
          // A triple fault: the PC resets (QEMU: unless -no-reboot, which exits cleanly).
          throw new StopLoop('reset');
        case 'exception':
          return { status: 1, message: 'the software CPU stopped on an exception a hook asked to stop on' };
      }
    }
  }

  /** HLT: sleeps until the next device deadline or a host message. */
  private sleep(deadlineNs: number | undefined): void {
    const now = monotonicNs();
    const ms = deadlineNs === undefined ? MAX_HALT_MS : Math.min(MAX_HALT_MS, Math.ceil((deadlineNs - now) / 1e6));
    if (ms > 0) this.control.waitForMessage(ms);
    this.haltedNs += monotonicNs() - now;
  }

  /** Instructions retired and time taken so far. */
  stats(): EmuStats {
    const seconds = (monotonicNs() - this.startNs) / 1e9;
    const cpu = process.cpuUsage(this.startCpu);
    return { instructions: this.cpu.retired, seconds, busySeconds: seconds - this.haltedNs / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  }

  /** Nothing to release: guest RAM goes with the process. */
  close(): void {}
}

/** The instruction rate in one line: per second of running (not halted) and per CPU-second. */
export function formatEmuStats(s: EmuStats): string {
  const rate = (seconds: number): string => (seconds > 0 ? (s.instructions / seconds / 1e6).toFixed(1) : '0.0');
  return `emu: ${s.instructions} instructions in ${s.seconds.toFixed(2)} s, ${s.busySeconds.toFixed(2)} s of them running: ${rate(s.busySeconds)} MIPS while running, ${rate(s.cpuSeconds)} MIPS per CPU-second (${s.cpuSeconds.toFixed(2)} s of CPU)`;
}
