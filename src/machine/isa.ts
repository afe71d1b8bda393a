import type { IrqLine } from '../bus/bus-device.js';
import type { PioBus } from '../bus/bus.js';
import type { MachineConfig } from '../cli/config.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import { COM1, COM2, COM3, COM4, Serial16550, type ComPort } from '../devices/serial16550.js';
import type { Clock, DeviceTimer } from '../devices/scheduler.js';
import { CmosRtc, RTC_IRQ, RTC_PORT } from '../devices/cmos-rtc.js';
import { fillPcCmos } from '../devices/pc-cmos.js';
import { Ps2Mouse } from '../devices/ps2-mouse.js';
import { Ps2InputSink } from '../input/ps2-input.js';
import type { InputSink } from '../display/display.js';
import { I8042, I8042_AUX_IRQ, I8042_COMMAND_PORT, I8042_DATA_PORT, I8042_KBD_IRQ } from '../devices/i8042.js';
import { PORT92, Port92 } from '../devices/port92.js';
import { POST_PORT, PostPort } from '../devices/post-port.js';
import { DebugExit } from '../devices/debug-exit.js';
import { DebugPort } from '../devices/debug-port.js';

/** The legacy ISA ports of COM1-COM4, in -serial order. */
const COM_PORTS: readonly ComPort[] = [COM1, COM2, COM3, COM4];

/** What the machine gives the ISA device set. */
export interface IsaWiring {
  readonly config: MachineConfig;
  readonly pio: PioBus;
  readonly memory: GuestMemory;
  /** The IrqLine for an ISA IRQ / GSI. */
  readonly irq: (gsi: number) => IrqLine;
  /** Output sink of each serial port (undefined: no backend, bytes are dropped like -serial null). */
  readonly serialOutputs: ReadonlyArray<((bytes: Uint8Array) => void) | undefined>;
  /** Output sink of each config.debugcons entry, in order (undefined: dropped). */
  readonly debugconOutputs?: ReadonlyArray<((bytes: Uint8Array) => void) | undefined>;
  readonly clock: Clock;
  /** Called when some device armed or cancelled its timer. */
  readonly onTimerChange: () => void;
  /** Guest asked for a system reset (keyboard controller, port 0x92, 0xCF9). */
  readonly onReset: () => void;
  /** isa-debug-exit was written: end with this status. */
  readonly onExit: (status: number) => void;
}

/** The ISA devices of the machine and the machine's hooks into them. */
export interface IsaDevices {
  /** Host input for serial port `index`; what the UART cannot take yet is held and fed later. */
  serialInput(index: number, bytes: Uint8Array): void;
  /** Runs device timers whose deadline has passed. */
  pollTimers(nowNs: number): void;
  /** The earliest armed device deadline. */
  nextDeadline(): number | undefined;
  /** Guest reset: devices return to power-on state (CMOS NVRAM survives). */
  reset(): void;
  /** A one-shot timer run by the machine's loop, for devices outside this file (IDE, VGA). */
  createTimer(fire: (nowNs: number) => void): DeviceTimer;
  /** The keyboard controller, for input from a display or QMP send-key. */
  readonly i8042: I8042;
  /** The PS/2 keyboard and mouse as one InputSink (QMP send-key, VNC). */
  readonly input: InputSink;
  readonly rtc: CmosRtc;
}

/** One device's one-shot timer, as the machine sees it. */
class MachineTimer implements DeviceTimer {
  deadline: number | undefined;
  constructor(private readonly changed: () => void, readonly fire: (nowNs: number) => void) {}
  setTimer(deadlineNs: number | undefined): void {
    this.deadline = deadlineNs;
    this.changed();
  }
}

/** Creates and maps the pc machine's ISA devices. */
export function createIsaDevices(w: IsaWiring): IsaDevices {
  const timers: MachineTimer[] = [];
  const timer = (fire: (nowNs: number) => void): MachineTimer => {
    const t = new MachineTimer(w.onTimerChange, fire);
    timers.push(t);
    return t;
  };
  const resets: Array<() => void> = [];

  // Serial ports: as many as -serial gave (QEMU wires up to four ISA UARTs).
  const uarts: Serial16550[] = [];
  const held: Uint8Array[][] = [];
  w.serialOutputs.forEach((out, index) => {
    const port = COM_PORTS[index];
    if (port === undefined) return;
    const sink = { write: (data: Uint8Array): void => out?.(data) };
    let uart: Serial16550 | undefined;
    const t = timer((now) => uart?.onTimer(now));
    uart = new Serial16550({ irq: w.irq(port.irq), sink, clock: w.clock, timer: t, onRxSpace: () => feed(index) });
    w.pio.insert(port.base, 8, `serial${index}`, uart);
    uarts[index] = uart;
    held[index] = [];
    resets.push(() => uart?.reset());
  });

  /** Moves held host input into the UART as its FIFO frees up. */
  function feed(index: number): void {
    const uart = uarts[index];
    const queue = held[index];
    if (uart === undefined || queue === undefined) return;
    while (queue.length > 0) {
      const room = uart.canReceive();
      if (room <= 0) return;
      const head = queue[0]!;
      if (head.length <= room) {
        uart.receive(head);
        queue.shift();
      } else {
        uart.receive(head.subarray(0, room));
        queue[0] = head.subarray(room);
      }
    }
  }

  // CMOS/RTC with the fields firmware and Linux read (memory size, CPUs, boot order).
  let rtc: CmosRtc | undefined;
  const rtcTimer = timer((now) => rtc?.onTimer(now));
  rtc = new CmosRtc({ irq: w.irq(RTC_IRQ), clock: w.clock, timer: rtcTimer });
  fillPcCmos(rtc, { ramBytes: w.config.memoryBytes, cpus: w.config.cpus, bootOrder: w.config.bootOrder ?? 'cad' });
  w.pio.insert(RTC_PORT, 2, 'rtc', rtc);
  resets.push(() => rtc?.reset());

  // Keyboard controller (reset line and A20), port 0x92, POST code port.
  // The PS/2 mouse on the aux port (QEMU's pc machine has one too); its data raises IRQ 12.
  let i8042: I8042 | undefined;
  const mouse = new Ps2Mouse({ onData: () => i8042?.auxDataReady() });
  i8042 = new I8042({ kbdIrq: w.irq(I8042_KBD_IRQ), auxIrq: w.irq(I8042_AUX_IRQ), aux: mouse, onReset: w.onReset, onA20: () => undefined });
  const input = new Ps2InputSink(i8042, mouse, (msg) => process.stderr.write(`tkvm: ${msg}\n`));
  // Port 0x61 in between belongs to the in-kernel PIT's speaker port: map the two ports apart.
  w.pio.insert(I8042_DATA_PORT, 1, 'i8042-data', i8042.dataPort);
  w.pio.insert(I8042_COMMAND_PORT, 1, 'i8042-cmd', i8042.commandPort);
  resets.push(() => i8042.reset());
  w.pio.insert(PORT92, 1, 'port92', new Port92({ onReset: w.onReset, onA20: () => undefined }));
  w.pio.insert(POST_PORT, 1, 'post', new PostPort());

  if (w.config.debugExit !== undefined) {
    const { iobase, iosize } = w.config.debugExit;
    w.pio.insert(iobase, iosize, 'isa-debug-exit', new DebugExit({ onExit: w.onExit, iosize }));
  }

  // Debug consoles (-debugcon, isa-debugcon): SeaBIOS logs to 0x402 once it reads 0xe9 back.
  (w.config.debugcons ?? []).forEach((d, index) => {
    const out = w.debugconOutputs?.[index];
    const port = new DebugPort({ write: (data: Uint8Array): void => out?.(data) });
    for (const iobase of d.iobases) w.pio.insert(iobase, 1, `debugcon${index}`, port);
  });

  return {
    i8042,
    input,
    rtc,
    createTimer: timer,
    serialInput(index, bytes) {
      held[index]?.push(bytes);
      feed(index);
    },
    pollTimers(nowNs) {
      for (const t of timers) {
        if (t.deadline !== undefined && t.deadline <= nowNs) {
          t.deadline = undefined;
          t.fire(nowNs);
        }
      }
    },
    nextDeadline() {
      let min: number | undefined;
      for (const t of timers) if (t.deadline !== undefined && (min === undefined || t.deadline < min)) min = t.deadline;
      return min;
    },
    reset() {
      for (const r of resets) r();
    },
  };
}
