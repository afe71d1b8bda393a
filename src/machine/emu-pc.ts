/**
 * The pc machine on tkvm's software CPU (-accel emu / tcg): the same board as on KVM (PcPlatform,
 * ISA and PC devices, firmware or direct kernel boot, the MP table, fw_cfg and CMOS CPU count),
 * with the TypeScript interrupt controllers and PIT, and the CPUs (-smp N: one local APIC each,
 * APIC IDs 0..N-1 as under KVM) run in turn in slices by this thread (emu-processors.ts). Between
 * slices the loop fires device timers and serves the control channel; when every CPU is halted
 * or waits for a start-up IPI it sleeps until the next timer deadline or host message.
 */
import type { MessagePort } from 'node:worker_threads';
import type { MachineConfig } from '../cli/config.js';
import type { EmuCpu } from '../accel/emu/contract.js';
import { EmuPhysicalPages } from '../accel/emu/physical-memory.js';
import { loadDirectKernel } from './direct-boot.js';
import { emuBootState } from './emu-boot-state.js';
import { refuseLongModeKernel } from './emu-kernel-check.js';
import { createEmuCpu } from '../accel/emu/cpu/index.js';
import { createFpuUnit } from '../accel/emu/fpu/index.js';
import { EmuGsiLines, createEmuInterrupts, type EmuInterrupts } from './emu-interrupts.js';
import { cpuMemoryViews } from './emu-cpu-memory.js';
import { EmuProcessors } from './emu-processors.js';
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
  /** Seconds spent running CPUs (not asleep with every CPU halted). */
  readonly busySeconds: number;
  /** CPU time the process used meanwhile (all threads): the rate per CPU-second holds on a busy host. */
  readonly cpuSeconds: number;
  /** Instructions of each processor (index = APIC ID). */
  readonly perCpu: readonly number[];
}

/** The pc machine on the software CPU, with one or more processors. */
export class EmuPcMachine {
  readonly board: PcBoard;
  readonly memory: EmuPhysicalPages;
  /** The bootstrap processor (CPU 0). */
  readonly cpu: EmuCpu;
  /** Every processor, index = APIC ID. */
  readonly cpus: readonly EmuCpu[];
  /** Their run states and turns. */
  readonly processors: EmuProcessors;
  private readonly interrupts: EmuInterrupts;
  private readonly control: HostControl;
  private readonly startNs = monotonicNs();
  private readonly startCpu = process.cpuUsage();
  private haltedNs = 0;
  /** A reset or exit a device asked for during the current slice. */
  private pendingStop: StopLoop | undefined;
  /**
   * While set, the time the CPUs' clock reads: power-on resets every CPU at one instant, so their
   * TSCs agree (as RESET zeroes them together on hardware; Linux checks for TSC warps between CPUs).
   */
  private clockAt: number | undefined;

  constructor(
    private readonly config: MachineConfig,
    ctl: Int32Array,
    port: MessagePort,
    outputs: ReadonlyArray<((bytes: Uint8Array) => void) | undefined>,
    debugconOutputs: ReadonlyArray<((bytes: Uint8Array) => void) | undefined> = [],
    ideDrives: ReadonlyArray<IdeDriveSlot | undefined> = [],
  ) {
    const memoryMap = new MemoryMap();
    const gsis = new EmuGsiLines();
    this.board = buildPcBoard({
      config, memoryMap, irq: (gsi) => gsis.line(gsi), serialOutputs: outputs, debugconOutputs, ideDrives,
      onTimerChange: () => undefined,
      // A reset or exit from an I/O handler ends the CPU's slice after the instruction; the loop carries it out.
      onStop: (stop) => {
        this.pendingStop ??= stop;
        for (const cpu of this.cpus ?? []) cpu.requestStop();
      },
    });
    const { pio, mmio, devices, ram } = this.board;
    this.interrupts = createEmuInterrupts({
      pio, mmio, clock: monotonicNs, createTimer: (fire) => devices.createTimer(fire), cpus: config.cpus,
      onWake: (cpu) => this.processors?.wake(cpu),
      onInit: (cpu) => this.processors?.init(cpu),
      onStartup: (cpu, vector) => this.processors?.startup(cpu, vector),
    });
    gsis.attach(this.interrupts);
    this.memory = new EmuPhysicalPages(mmio);
    memoryMap.connect(this.memory);
    const { views, fanOut } = cpuMemoryViews(this.memory, config.cpus);
    // DMA and loader writes: to the one CPU's queue, or to every CPU's own.
    if (fanOut === undefined) this.memory.observe(ram.memory);
    else ram.memory.onWrite = fanOut;
    const io = new EmuPioPorts(pio);
    const clockNs = (): number => this.clockAt ?? monotonicNs();
    this.cpus = views.map((memory, apicId) => createEmuCpu(
      { memory, io, interrupts: this.interrupts.pins[apicId]!, apicId, cpus: config.cpus, clockNs },
      createFpuUnit(),
    ));
    this.cpu = this.cpus[0]!;
    this.processors = new EmuProcessors({ cpus: this.cpus, pins: this.interrupts.pins, select: (cpu) => this.interrupts.select(cpu) });
    this.control = new HostControl(ctl, port, () => this.board);
    this.powerOn();
  }

  /** The CPUs at RESET (the APs waiting for SIPI), or the BSP at the kernel's entry for a direct boot. */
  private powerOn(): void {
    this.clockAt = monotonicNs();
    try {
      for (const cpu of this.cpus) cpu.reset();
    } finally {
      this.clockAt = undefined;
    }
    this.processors.powerOn();
    if (this.config.kernel !== undefined) {
      refuseLongModeKernel(this.config.kernel);
      const { cpu } = loadDirectKernel(this.board.ram, this.config, 'protected', this.board.pcDevices.display);
      this.cpu.setState(emuBootState(this.cpu.getState(), cpu));
    }
  }

  /** A guest reset: devices, chipset, interrupt controllers and CPUs back to power-on (RAM and CMOS survive). */
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
    const processors = this.processors;
    for (;;) {
      if (this.control.pending()) {
        const stop = this.control.service();
        if (stop) return stop;
      }
      const next = devices.nextDeadline();
      if (next !== undefined && monotonicNs() >= next) devices.pollTimers(monotonicNs());
      const turn = processors.next();
      if (turn < 0) {
        // Every CPU is halted or waits for SIPI: sleep until a timer or a host message.
        this.sleep(devices.nextDeadline());
        processors.recheckHalted();
        continue;
      }
      const reason = processors.run(turn, EMU_SLICE);
      const stop = this.pendingStop;
      if (stop !== undefined) {
        this.pendingStop = undefined;
        throw stop;
      }
      switch (reason) {
        case 'budget':
        case 'stopped':
        case 'halted':
          break;
        case 'shutdown':
          // A triple fault: the PC resets (QEMU: unless -no-reboot, which exits cleanly).
          throw new StopLoop('reset');
        case 'exception':
          return { status: 1, message: 'the software CPU stopped on an exception a hook asked to stop on' };
      }
    }
  }

  /** Every CPU idle: sleeps until the next device deadline or a host message. */
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
    return {
      instructions: this.processors.retired, seconds, busySeconds: seconds - this.haltedNs / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6,
      perCpu: this.cpus.map((c) => c.retired),
    };
  }

  /** Nothing to release: guest RAM goes with the process. */
  close(): void {}
}

/** The instruction rate in one line: per second of running (not halted) and per CPU-second; with -smp, each CPU's share. */
export function formatEmuStats(s: EmuStats): string {
  const rate = (seconds: number): string => (seconds > 0 ? (s.instructions / seconds / 1e6).toFixed(1) : '0.0');
  const perCpu = s.perCpu.length > 1 ? `; per CPU: ${s.perCpu.join(', ')}` : '';
  return `emu: ${s.instructions} instructions in ${s.seconds.toFixed(2)} s, ${s.busySeconds.toFixed(2)} s of them running: ${rate(s.busySeconds)} MIPS while running, ${rate(s.cpuSeconds)} MIPS per CPU-second (${s.cpuSeconds.toFixed(2)} s of CPU)${perCpu}`;
}
