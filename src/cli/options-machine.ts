/**
 * The machine-shaped options: -machine/-M, -accel, -enable-kvm, -cpu, -display, -device,
 * -name, -m. Each returns typed values or throws a CliError with QEMU's wording where QEMU has
 * one, plus what tkvm does accept.
 */
import { CliError, where } from './options-error.js';
import { parseBool, parseKeyValues, parseUint } from './options-kv.js';
import type { DebugExitSpec } from './config.js';
import { formatSize, parseQemuSize } from './size.js';

/** An accelerator as the user named it, after tcg/emu are folded together. */
export type AccelName = 'kvm' | 'emu';

/** Result of -machine: its accel= list when given (undefined when absent). */
export interface MachineArg {
  readonly accels?: readonly AccelName[];
  /** `-machine help`: print the list and exit. */
  readonly help?: boolean;
  /** acpi=on|off|auto (QEMU's OnOffAuto; auto means on for the pc machine). */
  readonly acpi?: boolean;
}

/** What `-machine help` prints (QEMU's layout, tkvm's one machine). */
export const MACHINE_HELP = 'Supported machines are:\npc                   Standard PC (i440FX + PIIX, 1996) (default)\n';
/** What `-accel help` prints. */
export const ACCEL_HELP = 'Accelerators supported in tkvm:\nkvm\ntcg (tkvm\'s software CPU; also spelled emu)\n';
/** CPU models -cpu accepts. */
export const CPU_MODELS = ['host', 'max', 'qemu64'] as const;
/** What `-cpu help` prints. */
export const CPU_HELP = 'Available CPUs:\nx86 host    KVM processor with all supported host features\nx86 max     Enables all features supported by the accelerator in the current host\nx86 qemu64  QEMU Virtual CPU version 2.5+\n';
/** Device models -device accepts. */
export const DEVICE_MODELS = ['isa-debug-exit', 'isa-debugcon'] as const;

/** QEMU accelerators other than kvm/tcg: known, but not on this VMM. */
const OTHER_ACCELS = ['xen', 'hax', 'hvf', 'nvmm', 'whpx', 'qtest'];

/** Maps one accelerator name from -accel or accel=. */
export function parseAccelName(name: string, loc: string): AccelName {
  if (name === 'kvm') return 'kvm';
  if (name === 'tcg' || name === 'emu') return 'emu';
  if (OTHER_ACCELS.includes(name)) throw new CliError(`${loc}: accelerator ${name} is not supported (tkvm has kvm and tcg/emu)`);
  throw new CliError(`${loc}: invalid accelerator ${name}`);
}

/** -accel [accel=]NAME: returns the accelerator, or 'help'. No properties are supported yet. */
export function parseAccel(arg: string): AccelName | 'help' {
  const loc = where('-accel', arg);
  const [first = '', ...props] = arg.split(',');
  const name = first.startsWith('accel=') ? first.slice('accel='.length) : first;
  if (name === 'help') return 'help';
  const accel = parseAccelName(name, loc);
  const prop = props[0];
  if (prop !== undefined) {
    // QEMU names the accelerator object: "Property 'kvm-accel.foo' not found".
    const key = prop.split('=')[0] ?? prop;
    throw new CliError(`${loc}: Property '${name === 'kvm' ? 'kvm' : 'tcg'}-accel.${key}' not found (tkvm takes no accelerator properties yet)`, { key });
  }
  return accel;
}

/** -machine [type=]pc[,accel=a:b][,acpi=on|off|auto]. */
export function parseMachine(arg: string): MachineArg {
  const loc = where('-machine', arg);
  const parts = arg.split(',');
  const head = parts[0] ?? '';
  if (head === 'help' || head === 'type=help') return { help: true };
  let kv: Map<string, string>;
  try {
    kv = parseKeyValues(arg, loc, 'type', ['type', 'accel', 'acpi']);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    const key = (err.context as { key?: string }).key ?? '';
    throw new CliError(`${loc}: machine property '${key}' is not supported (tkvm supports type=pc, accel= and acpi=)`, { key });
  }
  const type = kv.get('type');
  if (type !== undefined && type !== 'pc' && type !== 'pc-i440fx-7.2') {
    const known = type === 'q35' || type === 'microvm' || type === 'isapc' || type.startsWith('pc-');
    throw new CliError(
      known
        ? `${loc}: machine type '${type}' is not supported yet (tkvm has 'pc')`
        : `${loc}: unsupported machine type '${type}'; use -machine help to list supported machines`,
    );
  }
  const accel = kv.get('accel');
  const acpi = kv.get('acpi');
  return {
    ...(accel !== undefined ? { accels: accel.split(':').map((a) => parseAccelName(a, loc)) } : {}),
    ...(acpi !== undefined ? { acpi: parseOnOffAuto(acpi, 'acpi') } : {}),
  };
}

/** A QEMU OnOffAuto property; `auto` is on for what tkvm offers. QEMU takes no other spellings. */
function parseOnOffAuto(value: string, key: string): boolean {
  if (value === 'on' || value === 'auto') return true;
  if (value === 'off') return false;
  throw new CliError(`Parameter '${key}' does not accept value '${value}'`, { key, value });
}

/** Folds an ordered accelerator list into the config's choice: QEMU tries them in order. */
export function chooseAccel(accels: readonly AccelName[]): 'kvm' | 'emu' | 'auto' {
  // No choice: QEMU 7.2 defaults to TCG; tkvm prefers KVM when /dev/kvm works (as Debian's
  // `kvm` wrapper does) and falls back to its software CPU, which the machine calls 'auto'.
  if (accels.length === 0) return 'auto';
  if (accels[0] === 'emu') return 'emu'; // the software CPU always starts: later entries never matter
  return accels.includes('emu') ? 'auto' : 'kvm';
}

/** -cpu MODEL (no feature flags yet); 'help' lists the models. */
export function parseCpu(arg: string): (typeof CPU_MODELS)[number] | 'help' {
  const loc = where('-cpu', arg);
  if (arg === 'help') return 'help';
  const [model = '', ...features] = arg.split(',');
  const found = CPU_MODELS.find((m) => m === model);
  if (found === undefined) throw new CliError(`${loc}: unable to find CPU model '${model}' (tkvm supports ${CPU_MODELS.join(', ')})`);
  if (features.length > 0) throw new CliError(`${loc}: CPU feature flags are not supported yet; use -cpu ${model}`);
  return found;
}

/** QEMU 7.2's display types: all but none are unsupported in tkvm for now. */
const QEMU_DISPLAYS = ['none', 'gtk', 'sdl', 'vnc', 'curses', 'egl-headless', 'dbus', 'spice-app', 'cocoa'];

/** -display none (the only display tkvm has so far). */
export function parseDisplay(arg: string): 'none' {
  const loc = where('-display', arg);
  const [type = '', ...rest] = arg.split(',');
  const name = type.startsWith('vnc=') ? 'vnc' : type;
  if (!QEMU_DISPLAYS.includes(name)) throw new CliError(`${loc}: Parameter 'type' does not accept value '${type}'`);
  if (name !== 'none') throw new CliError(`${loc}: display '${name}' is not supported yet (tkvm has -display none and -nographic)`);
  const extra = rest[0];
  if (extra !== undefined) throw new CliError(`${loc}: Parameter '${extra.split('=')[0] ?? extra}' is unexpected`);
  return 'none';
}

/** -device DRIVER[,props]: returns the debug-exit port, or 'help'. */
export function parseDevice(arg: string): DebugExitSpec | 'help' {
  const loc = where('-device', arg);
  const first = arg.split(',')[0] ?? '';
  const driver = first.startsWith('driver=') ? first.slice('driver='.length) : first;
  if (driver === 'help') return 'help';
  if (driver !== 'isa-debug-exit') {
    // isa-debugcon is parsed by options-chardev.ts (it names a -chardev).
    throw new CliError(`${loc}: '${driver}' is not a valid device model name (tkvm supports: ${DEVICE_MODELS.join(', ')})`);
  }
  const kv = parseDeviceProperties(arg, loc, 'isa-debug-exit', ['iobase', 'iosize']);
  const num = (key: string, dflt: number): number => {
    const text = kv.get(key);
    if (text === undefined) return dflt;
    const n = parseUint(text);
    if (n === undefined) throw new CliError(`${loc}: Parameter '${key}' expects integer`, { key });
    return n;
  };
  // QEMU's defaults (`-device isa-debug-exit,help`): iobase=0x501 (1281), iosize=2.
  const iobase = num('iobase', 0x501);
  const iosize = num('iosize', 2);
  if (iosize === 0 || iobase + iosize > 0x10000) {
    throw new CliError(`${loc}: ports ${iobase}..${iobase + iosize - 1} do not fit the 64 KiB I/O space (need iosize >= 1, iobase + iosize <= 0x10000)`);
  }
  return { iobase, iosize };
}

/** A -device's key=value list, with QEMU's "Property 'DRIVER.KEY' not found" for unknown keys. */
export function parseDeviceProperties(arg: string, loc: string, driver: string, props: readonly string[]): Map<string, string> {
  try {
    return parseKeyValues(arg, loc, 'driver', ['driver', 'id', ...props]);
  } catch (err) {
    const key = err instanceof CliError ? (err.context as { key?: string }).key : undefined;
    if (key === undefined) throw err;
    throw new CliError(`${loc}: Property '${driver}.${key}' not found (it has ${props.join(' and ')})`, { key });
  }
}

/** -name [guest=]NAME[,debug-threads=on|off]. */
export function parseName(arg: string): string {
  const loc = where('-name', arg);
  const kv = parseKeyValues(arg, loc, 'guest', ['guest', 'process', 'debug-threads']);
  if (kv.has('process')) throw new CliError(`${loc}: process= (the host process name) is not supported yet`);
  const dbg = kv.get('debug-threads');
  if (dbg !== undefined) parseBool(dbg, 'debug-threads', loc); // thread names: tkvm's workers are named anyway
  return kv.get('guest') ?? '';
}

/** QEMU's default guest RAM when -m is absent or empty. */
export const DEFAULT_RAM_BYTES = 128 * 1024 * 1024;
/** Largest -m tkvm accepts: 1 TiB (QEMU allows up to 2^64 and fails at allocation). */
export const MAX_RAM_BYTES = 2 ** 40;

/** -m [size=]SIZE: bytes, rounded up to 8 KiB as QEMU does. */
export function parseMemory(arg: string): number {
  const loc = where('-m', arg);
  const kv = parseKeyValues(arg, loc, 'size', ['size', 'slots', 'maxmem']);
  if (kv.has('slots') || kv.has('maxmem')) throw new CliError(`${loc}: memory hotplug (slots=, maxmem=) is not supported yet`);
  const text = kv.get('size');
  if (text === undefined || text === '') return DEFAULT_RAM_BYTES; // QEMU: empty -m keeps the default
  const bytes = parseQemuSize(text, 'm');
  if (bytes === undefined) {
    throw new CliError(`${loc}: Parameter 'size' expects a non-negative number below 2^64, e.g. 512 (MiB), 512M or 2G (suffixes k, M, G, T)`);
  }
  // QEMU 7.2 silently replaces 0 with its 128M default; a 0 here is almost surely a typo.
  if (bytes === 0n) throw new CliError(`${loc}: guest RAM size must be above zero, e.g. -m 128M`);
  const aligned = (bytes + 8191n) & ~8191n;
  if (aligned > BigInt(MAX_RAM_BYTES)) {
    throw new CliError(`${loc}: guest RAM size ${formatSize(aligned)} is too large (tkvm supports at most ${formatSize(MAX_RAM_BYTES)})`);
  }
  return Number(aligned);
}

/** QEMU 7.2's -vga types; tkvm has std (the VGA device) and none. */
const QEMU_VGA_TYPES = ['std', 'cirrus', 'vmware', 'qxl', 'xenfb', 'tcx', 'cg3', 'virtio', 'none'];

/** -vga TYPE. */
export function parseVga(arg: string): 'std' | 'none' {
  const loc = where('-vga', arg);
  if (arg === 'std' || arg === 'none') return arg;
  if (QEMU_VGA_TYPES.includes(arg)) throw new CliError(`${loc}: VGA type '${arg}' is not supported yet (tkvm has std and none)`);
  throw new CliError(`${loc}: unknown vga type: ${arg}`);
}
