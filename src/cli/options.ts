/**
 * `tkvm [run] OPTIONS`: QEMU's command line (qemu-system-x86_64 7.2) for what tkvm implements,
 * turned into one validated MachineConfig. Like QEMU it reads argv twice: a first pass finds
 * every option and its argument (so a typo or a missing argument anywhere is reported first:
 * "-foo: invalid option", "-m: requires an argument"), a second pass applies them in order.
 * `--opt` is the same as `-opt`; a bare argument is the image for IDE disk 0, as in QEMU.
 * QEMU options tkvm does not implement yet fail with "-vnc: not supported yet", never ignored.
 */
import { parseVncOption, type VncOption } from '../vnc/option.js';
import { parseMonitorOption, parseQmpOption, type MonitorSpec } from '../monitor/options.js';
import { accessSync, constants, statSync } from 'node:fs';
import { errnoWords } from '../chardev/errors.js';
import type { CharSpec, DebugExitSpec, DebugconSpec, DriveSpec, MachineConfig } from './config.js';
import { DEBUGCON_DEFAULT_IOBASE, DEBUGCON_SEABIOS_IOBASE, parseChardev, parseDebugcon, parseIsaDebugcon } from './options-chardev.js';
import { helpText } from './help.js';
import { CliError, where } from './options-error.js';
import { finishDrives, parseBoot, parseDrive, parseShorthandDrive, resolveBios } from './options-drive.js';
import type { PendingDrive } from './options-drive.js';
import {
  ACCEL_HELP, CPU_HELP, DEVICE_MODELS, MACHINE_HELP, chooseAccel, parseAccel, parseCpu, parseDevice, parseDisplay,
  parseMachine, parseMemory, parseName, parseVga, DEFAULT_RAM_BYTES,
} from './options-machine.js';
import type { AccelName } from './options-machine.js';
import { parseSerial } from './options-serial.js';
import type { SerialArg } from './options-serial.js';
import { parseSmp } from './options-smp.js';
import type { SmpTopology } from './options-smp.js';
import { QEMU_OPTIONS } from './options-table.js';

/** What the command line asks for: start a VM, or print text (help, lists) or the version. */
export type ParsedRun =
  | { readonly action: 'run'; readonly config: MachineConfig }
  | { readonly action: 'help'; readonly text: string }
  | { readonly action: 'version' };

/** Serial ports the pc machine has (COM1..COM4, QEMU's MAX_ISA_SERIAL_PORTS). */
export const MAX_SERIAL_PORTS = 4;

/** One option found by the first pass: its canonical name, as typed, and its argument. */
interface Token {
  readonly name: string;
  readonly typed: string;
  readonly arg?: string;
}

function tokenize(argv: readonly string[]): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < argv.length; i++) {
    const typed = argv[i] ?? '';
    if (!typed.startsWith('-')) {
      tokens.push({ name: 'hda', typed: '-hda', arg: typed }); // QEMU: a bare argument is -hda
      continue;
    }
    const name = typed.startsWith('--') ? typed.slice(2) : typed.slice(1);
    const hasArg = QEMU_OPTIONS.get(name);
    if (hasArg === undefined) throw new CliError(`${typed}: invalid option`, { option: typed });
    if (!hasArg) {
      tokens.push({ name, typed });
      continue;
    }
    const arg = argv[i + 1];
    if (arg === undefined) throw new CliError(`${typed}: requires an argument`, { option: typed });
    tokens.push({ name, typed, arg });
    i++;
  }
  return tokens;
}

/** Everything the second pass gathers before the final checks. */
class RunState {
  memoryBytes = DEFAULT_RAM_BYTES;
  smp: SmpTopology | undefined;
  cpuModel: MachineConfig['cpuModel'];
  accelOption: AccelName[] = [];
  machineAccel: AccelName[] | undefined;
  name: string | undefined;
  kernel: string | undefined;
  initrd: string | undefined;
  append: string | undefined;
  serial: SerialArg[] = [];
  nographic = false;
  display: 'none' | 'default' = 'default';
  monitorNone = false;
  nodefaults = false;
  noReboot = false;
  noAcpi = false;
  debugExit: DebugExitSpec | undefined;
  drives: PendingDrive[] = [];
  snapshot = false;
  bios: string | undefined;
  bootOrder: string | undefined;
  bootMenu: boolean | undefined;
  vga: 'std' | 'none' = 'std';
  chardevs = new Map<string, CharSpec>();
  debugcons: DebugconSpec[] = [];
  debugconDevices: Array<{ chardev: string; iobase: number; loc: string }> = [];
  monitors: MonitorSpec[] = [];
  vnc: VncOption | undefined;
}

type Handler = (s: RunState, arg: string, typed: string) => ParsedRun | void;

const help = (text: string): ParsedRun => ({ action: 'help', text });
const drive = (s: RunState, arg: string, typed: string): void => {
  s.drives.push(parseShorthandDrive(typed.replace(/^--/, '-'), arg, s.drives.map((d) => d.spec)));
};

/** The options tkvm implements; later occurrences override earlier ones, as in QEMU. */
const HANDLERS: Readonly<Record<string, Handler>> = {
  h: () => help(helpText()),
  help: () => help(helpText()),
  version: () => ({ action: 'version' }),
  m: (s, arg) => { s.memoryBytes = parseMemory(arg); },
  smp: (s, arg) => { s.smp = parseSmp(arg); },
  cpu: (s, arg) => {
    const model = parseCpu(arg);
    if (model === 'help') return help(CPU_HELP);
    s.cpuModel = model;
  },
  accel: (s, arg) => {
    const accel = parseAccel(arg);
    if (accel === 'help') return help(ACCEL_HELP);
    s.accelOption.push(accel);
  },
  'enable-kvm': (s) => { s.machineAccel = ['kvm']; }, // QEMU: the same as -machine accel=kvm
  machine: (s, arg) => {
    const m = parseMachine(arg);
    if (m.help === true) return help(MACHINE_HELP);
    if (m.accels !== undefined) s.machineAccel = [...m.accels];
    if (m.acpi !== undefined) s.noAcpi = !m.acpi; // -machine acpi=off is -no-acpi
  },
  name: (s, arg) => { s.name = parseName(arg); },
  kernel: (s, arg) => { s.kernel = arg; },
  initrd: (s, arg) => { s.initrd = arg; },
  append: (s, arg) => { s.append = arg; },
  nographic: (s) => { s.nographic = true; },
  display: (s, arg) => { s.display = parseDisplay(arg); },
  serial: (s, arg) => { s.serial.push(parseSerial(arg)); },
  monitor: (s, arg) => {
    // Any -monitor replaces QEMU's default monitor (the one -nographic puts on the stdio mux).
    const spec = parseMonitorOption(arg);
    s.monitorNone = true;
    if (spec !== undefined) s.monitors.push(spec);
  },
  vnc: (s, arg) => {
    const opt = parseVncOption(arg);
    s.vnc = opt.kind === 'none' ? undefined : opt;
  },
  qmp: (s, arg) => {
    const spec = parseQmpOption(arg);
    if (spec !== undefined) s.monitors.push(spec);
  },
  nodefaults: (s) => { s.nodefaults = true; },
  'no-reboot': (s) => { s.noReboot = true; },
  'no-acpi': (s) => { s.noAcpi = true; },
  device: (s, arg) => {
    const first = arg.split(',')[0] ?? '';
    if (first === 'isa-debugcon' || first === 'driver=isa-debugcon') {
      s.debugconDevices.push({ ...parseIsaDebugcon(arg), loc: where('-device', arg) });
      return;
    }
    const dev = parseDevice(arg);
    if (dev === 'help') return help(`Supported devices:\n${DEVICE_MODELS.map((d) => `name "${d}", bus ISA`).join('\n')}\n`);
    if (s.debugExit !== undefined) throw new CliError(`${where('-device', arg)}: only one isa-debug-exit device is supported`);
    s.debugExit = dev;
  },
  hda: drive,
  hdb: drive,
  hdc: drive,
  hdd: drive,
  cdrom: drive,
  drive: (s, arg) => { s.drives.push(parseDrive(arg, s.drives.map((d) => d.spec))); },
  snapshot: (s) => { s.snapshot = true; },
  boot: (s, arg) => {
    const boot = parseBoot(arg);
    if (boot.order !== '') s.bootOrder = boot.order;
    if (boot.menu !== undefined) s.bootMenu = boot.menu;
  },
  vga: (s, arg) => { s.vga = parseVga(arg); },
  chardev: (s, arg) => {
    const c = parseChardev(arg);
    if (s.chardevs.has(c.id)) throw new CliError(`${where('-chardev', arg)}: Duplicate chardev ID '${c.id}'`);
    s.chardevs.set(c.id, c.spec);
  },
  debugcon: (s, arg) => {
    const spec = parseDebugcon(arg);
    if (spec !== undefined) s.debugcons.push({ iobases: [DEBUGCON_DEFAULT_IOBASE, DEBUGCON_SEABIOS_IOBASE], chardev: spec });
  },
  bios: (s, arg) => { s.bios = resolveBios(arg); },
};

/** Parses a tkvm/QEMU command line (without the program name). Throws CliError on bad input. */
export function parseRunArgs(argv: readonly string[]): ParsedRun {
  const tokens = tokenize(argv);
  const s = new RunState();
  for (const tok of tokens) {
    const name = tok.name === 'M' ? 'machine' : tok.name;
    const handler = HANDLERS[name];
    if (handler === undefined) throw new CliError(`${tok.typed}: not supported yet`, { option: tok.typed });
    const early = handler(s, tok.arg ?? '', tok.typed);
    if (early !== undefined) return early;
  }
  return { action: 'run', config: finish(s) };
}

function finish(s: RunState): MachineConfig {
  if (s.machineAccel !== undefined && s.accelOption.length > 0) {
    throw new CliError('The -accel and "-machine accel=" options are incompatible (-enable-kvm is -machine accel=kvm)');
  }
  if (s.kernel === undefined) {
    if (s.append !== undefined) throw new CliError('-append only allowed with -kernel option');
    if (s.initrd !== undefined) throw new CliError('-initrd only allowed with -kernel option');
  } else {
    checkReadable('-kernel', s.kernel, 'could not open kernel file');
    if (s.initrd !== undefined) checkReadable('-initrd', s.initrd, 'could not load initial ram disk');
  }
  const drives: DriveSpec[] = finishDrives(s.drives, s.snapshot);
  const smp = s.smp;
  const serial = finishSerial(s);
  if (s.monitors.some((m) => m.endpoint.kind === 'stdio') && (serial.some((c) => c.kind === 'stdio') || s.monitors.filter((m) => m.endpoint.kind === 'stdio').length > 1)) {
    throw new CliError('cannot use stdio by multiple character devices');
  }
  const debugcons = finishDebugcons(s, serial);
  return {
    memoryBytes: s.memoryBytes,
    cpus: smp?.cpus ?? 1,
    ...(smp !== undefined
      ? { cpuTopology: { maxCpus: smp.maxCpus, sockets: smp.sockets, dies: smp.dies, cores: smp.cores, threads: smp.threads } }
      : {}),
    ...(s.cpuModel !== undefined ? { cpuModel: s.cpuModel } : {}),
    accel: chooseAccel(s.machineAccel ?? s.accelOption),
    ...(s.name !== undefined ? { name: s.name } : {}),
    ...(s.kernel !== undefined ? { kernel: s.kernel } : {}),
    ...(s.initrd !== undefined ? { initrd: s.initrd } : {}),
    append: s.append ?? '',
    serial,
    nographic: s.nographic,
    display: s.nographic ? 'none' : s.display,
    noReboot: s.noReboot,
    ...(s.debugExit !== undefined ? { debugExit: s.debugExit } : {}),
    drives,
    ...(s.bios !== undefined ? { bios: s.bios } : {}),
    ...(s.bootOrder !== undefined ? { bootOrder: s.bootOrder } : {}),
    noAcpi: s.noAcpi,
    ...(s.bootMenu !== undefined ? { bootMenu: s.bootMenu } : {}),
    ...(debugcons.length > 0 ? { debugcons } : {}),
    vga: s.vga,
    ...(s.monitors.length > 0 ? { monitors: s.monitors } : {}),
    ...(s.vnc !== undefined ? { vnc: s.vnc } : {}),
  };
}

/** The debug consoles: -debugcon ones, then isa-debugcon devices with their -chardev; ports may not clash. */
function finishDebugcons(s: RunState, serial: readonly CharSpec[]): DebugconSpec[] {
  const out = [...s.debugcons];
  for (const d of s.debugconDevices) {
    const chardev = s.chardevs.get(d.chardev);
    if (chardev === undefined) throw new CliError(`${d.loc}: Property 'isa-debugcon.chardev' can't find value '${d.chardev}'`);
    out.push({ iobases: [d.iobase], chardev });
  }
  const ports = new Set<number>();
  for (const d of out) {
    for (const p of d.iobases) {
      if (ports.has(p) || (s.debugExit !== undefined && p >= s.debugExit.iobase && p < s.debugExit.iobase + s.debugExit.iosize)) {
        throw new CliError(`debug console port 0x${p.toString(16)} is used twice (-debugcon takes 0xe9 and 0x402)`);
      }
      ports.add(p);
    }
  }
  const stdioUsers = [...serial, ...out.map((d) => d.chardev)].filter((c) => c.kind === 'stdio').length;
  if (stdioUsers > 1) throw new CliError('cannot use stdio by multiple character devices (a -debugcon or -chardev stdio and the serial console)');
  return out;
}

/**
 * The serial ports, with QEMU's defaults (vl.c, QEMU 7.2):
 * - any -serial disables the default serial port; -nodefaults does too;
 * - -nographic without -serial: COM1 is stdio multiplexed with the monitor (QEMU's mon:stdio);
 *   with -monitor none it is plain stdio;
 * - -nographic with -serial stdio fails as in QEMU, because the monitor also wants stdio;
 * - no -nographic and no -serial: QEMU's default is a "vc" console in its window, which with
 *   -display none (or tkvm's missing GUI) shows nowhere; tkvm gives COM1 a null backend, so the
 *   guest still finds its UART and its output is dropped, as under QEMU without a window.
 * `-serial none` leaves its index empty in QEMU (`-serial none -serial null` is COM2 only);
 * tkvm's port list has no holes yet, so a none followed by a real port is refused.
 */
function finishSerial(s: RunState): CharSpec[] {
  const monitorOnStdio = s.nographic && !s.nodefaults && !s.monitorNone;
  if (s.serial.length === 0) {
    if (s.nodefaults) return [];
    if (s.nographic) return [s.monitorNone ? { kind: 'stdio' } : { kind: 'stdio', mux: true }];
    return [{ kind: 'null' }];
  }
  if (s.serial.length > MAX_SERIAL_PORTS) {
    throw new CliError(`-serial: too many serial ports (${s.serial.length}); the pc machine has COM1..COM${MAX_SERIAL_PORTS}`);
  }
  const out: CharSpec[] = [];
  let stdioUsers = 0;
  s.serial.forEach((spec, index) => {
    if (spec.kind === 'none') return;
    if (out.length !== index) {
      throw new CliError(`-serial none before another -serial: COM${index + 1} without COM${out.length + 1} is not supported yet`);
    }
    if (spec.kind === 'stdio') {
      stdioUsers++;
      if (stdioUsers > 1 || (monitorOnStdio && spec.mux !== true)) {
        const hint = stdioUsers > 1 ? '' : ' (with -nographic the monitor is on stdio: use -serial mon:stdio, or add -monitor none)';
        throw new CliError(`-serial stdio: cannot use stdio by multiple character devices${hint}`);
      }
    }
    out.push(spec);
  });
  return out;
}

function checkReadable(option: string, file: string, what: string): void {
  try {
    if (statSync(file).isDirectory()) throw Object.assign(new Error('dir'), { code: 'EISDIR' });
    accessSync(file, constants.R_OK);
  } catch (err) {
    throw new CliError(`${where(option, file)}: ${what} '${file}': ${errnoWords(err)}`, { path: file }, err);
  }
}
