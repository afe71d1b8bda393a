/**
 * The human monitor's commands (QEMU's HMP) that tkvm implements, with QEMU 7.2's output and
 * error texts (checked with qemu-system-x86_64 -monitor and human-monitor-command):
 *   info status | info block [device] | info name | info version
 *   stop|s, cont|c, system_reset, system_powerdown, quit|q, help|? [cmd]
 *   screendump FILE [-f ppm|png] [device [head]]    sendkey KEYS [hold_ms]
 *   eject [-f] DEVICE                               change DEVICE [-f] FILE [FORMAT [RO-MODE]]
 * Argument mistakes print "NAME: what was expected" and 'Try "help NAME" for more
 * information'; failures of the operation print "Error: " and QMP's description.
 * Output lines end in "\n"; the session turns them into CR LF as QEMU's monitor does.
 */
import { asMonitorError } from './errors.js';
import type { MonitorHub } from './events.js';
import { infoBlockLines } from './block-info.js';
import { isQKeyCode, DEFAULT_HOLD_MS } from './keys.js';
import { changeMedium, ejectDrive, NO_POWER_BUTTON } from './qmp-commands.js';
import { SCREENDUMP_FORMATS, writeScreendump, type ScreendumpFormat } from './screendump.js';
import type { KeyValue, ReadOnlyMode } from './target.js';

/** What a command line did: its output and whether the monitor should stop reading (quit). */
export interface HmpResult {
  readonly output: string;
  readonly quit?: boolean;
}

/** A mistake in the command line itself (QEMU prints it with a "Try help" hint). */
class UsageError extends Error {}

interface HmpCommand {
  /** QEMU's name field: "stop|s" lists the aliases. */
  readonly name: string;
  /** The parameter synopsis printed by help ("" for none). */
  readonly params: string;
  readonly help: string;
  readonly run: (args: ArgCursor, hub: MonitorHub) => Promise<string> | string;
}

/** Words of a command line; double quotes group words as QEMU's get_str does. */
class ArgCursor {
  private i = 0;
  constructor(
    private readonly words: string[],
    /** The command's name field, for messages. */
    readonly cmd: string,
  ) {}

  peek(): string | undefined {
    return this.words[this.i];
  }

  next(expected: string): string {
    const w = this.words[this.i++];
    if (w === undefined) throw new UsageError(`${this.cmd}: ${expected} expected`);
    return w;
  }

  optional(): string | undefined {
    return this.words[this.i++];
  }

  /** Consumes leading -X flags among `allowed`. */
  flags(allowed: string): Set<string> {
    const out = new Set<string>();
    while (this.peek()?.startsWith('-') === true && this.peek()!.length > 1) {
      const flag = this.peek()!.slice(1);
      if (!allowed.includes(flag) || flag.length !== 1) throw new UsageError(`${this.cmd}: unsupported option -${flag}`);
      out.add(flag);
      this.i++;
    }
    return out;
  }

  /** The words not consumed yet. */
  rest(): string[] {
    return this.words.slice(this.i);
  }

  end(): void {
    if (this.i < this.words.length) throw new UsageError(`${this.cmd}: extraneous characters at the end of line`);
  }
}

function splitWords(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  }
  return words;
}

function statusLine(hub: MonitorHub): string {
  const state = hub.target.runState();
  if (state === 'running') return 'VM status: running\n';
  return state === 'paused' ? 'VM status: paused\n' : `VM status: paused (${state})\n`;
}

const INFO: HmpCommand[] = [
  {
    name: 'block',
    params: '[-n] [-v] [device]',
    help: 'show info of one block device or all block devices (-n: show named nodes; -v: show details)',
    run: (a, hub) => {
      a.flags('nv');
      const device = a.optional();
      a.end();
      const lines = infoBlockLines(hub.target.blockDevices(), device);
      return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
    },
  },
  {
    name: 'name',
    params: '',
    help: 'show the current VM name',
    run: (a, hub) => {
      a.end();
      return hub.target.name !== undefined ? `${hub.target.name}\n` : '';
    },
  },
  {
    name: 'status',
    params: '',
    help: 'show the current VM status (running|paused)',
    run: (a, hub) => {
      a.end();
      return statusLine(hub);
    },
  },
  {
    name: 'version',
    params: '',
    help: 'show the version of QEMU',
    run: (a, hub) => {
      a.end();
      const v = hub.version;
      return `${v.major}.${v.minor}.${v.micro}${v.package}\n`;
    },
  },
];

function parseHold(text: string): number {
  const m = /^(0x[0-9a-fA-F]+|[0-9]+)$/.exec(text);
  if (m === null) {
    if (text.startsWith('-') && /^-(0x[0-9a-fA-F]+|[0-9]+)$/.test(text)) throw new UsageError("'sendkey' has failed: integer is for 32-bit values");
    const bad = [...text].find((ch) => !/[0-9a-fA-Fx]/.test(ch)) ?? text[0] ?? '';
    throw new UsageError(`invalid char '${bad}' in expression`);
  }
  const v = Number(text);
  if (v > 0xffffffff) throw new UsageError("'sendkey' has failed: integer is for 32-bit values");
  return v;
}

/** "ctrl-alt-delete" or "0x1d-0x38-0xd3" as KeyValues; undefined and the bad name if invalid. */
export function parseSendkeyKeys(text: string): { keys?: KeyValue[]; bad?: string } {
  const keys: KeyValue[] = [];
  for (const name of text.split('-')) {
    if (/^0x[0-9a-fA-F]+$/.test(name)) keys.push({ type: 'number', data: parseInt(name.slice(2), 16) });
    else if (isQKeyCode(name)) keys.push({ type: 'qcode', data: name });
    else return { bad: name };
  }
  return { keys };
}

const READ_ONLY_MODES: readonly ReadOnlyMode[] = ['retain', 'read-only', 'read-write'];

const COMMANDS: HmpCommand[] = [
  {
    name: 'change',
    params: 'device [-f] filename [format [read-only-mode]]',
    help: 'change a removable medium, optional format, use -f to force the operation',
    run: async (a, hub) => {
      const device = a.next('block device name');
      const force = a.flags('f').has('f');
      const filename = a.next('filename');
      const format = a.optional();
      const modeText = a.optional();
      a.end();
      if (modeText !== undefined && !(READ_ONLY_MODES as readonly string[]).includes(modeText)) {
        return `Error: invalid parameter value: ${modeText}\n`;
      }
      await changeMedium(hub, device, undefined, filename, format, (modeText as ReadOnlyMode | undefined) ?? 'retain', force);
      return '';
    },
  },
  { name: 'cont|c', params: '', help: 'resume emulation', run: (a, hub) => qmpLike(a, () => {
    const state = hub.target.runState();
    if (state === 'guest-panicked' || state === 'internal-error' || state === 'shutdown') throw new Error('Resetting the Virtual Machine is required');
    if (state !== 'running') hub.target.cont();
  }) },
  {
    name: 'eject',
    params: '[-f] device',
    help: 'eject a removable medium (use -f to force it)',
    run: (a, hub) => {
      const force = a.flags('f').has('f');
      const device = a.next('block device name');
      a.end();
      ejectDrive(hub, device, undefined, force);
      return '';
    },
  },
  { name: 'help|?', params: '[cmd]', help: 'show the help', run: (a) => help(a) },
  { name: 'info', params: '[subcommand]', help: 'show various information about the system state', run: (a, hub) => info(a, hub) },
  { name: 'quit|q', params: '', help: 'quit the emulator', run: (a, hub) => qmpLike(a, () => hub.target.quit('host-qmp-quit')) },
  {
    name: 'screendump',
    params: 'filename [-f format] [device [head]]',
    help: "save screen from head 'head' of display device 'device'in specified format 'format' as image 'filename'.Currently only 'png' and 'ppm' formats are supported.",
    run: async (a, hub) => {
      const filename = a.next('filename');
      let format: string = 'ppm';
      if (a.peek() === '-f') {
        a.optional();
        format = a.next('format');
      }
      const device = a.optional();
      a.optional(); // head
      a.end();
      if (!(SCREENDUMP_FORMATS as readonly string[]).includes(format)) return `Error: invalid parameter value: ${format}\n`;
      if (device !== undefined) return `Error: Device '${device}' not found\n`;
      const frame = await hub.target.screen();
      if (frame === undefined) return 'Error: There is no console to take a screendump from.\n';
      writeScreendump(filename, frame, format as ScreendumpFormat, hub.png);
      return '';
    },
  },
  {
    name: 'sendkey',
    params: 'keys [hold_ms]',
    help: "send keys to the VM (e.g. 'sendkey ctrl-alt-f1', default hold time=100 ms)",
    run: (a, hub) => {
      const text = a.next('string');
      const holdText = a.optional();
      const hold = holdText === undefined ? DEFAULT_HOLD_MS : parseHold(holdText);
      a.end();
      const { keys, bad } = parseSendkeyKeys(text);
      if (keys === undefined) return `invalid parameter: ${bad ?? ''}\n`;
      hub.target.sendKeys(keys, hold);
      return '';
    },
  },
  { name: 'stop|s', params: '', help: 'stop emulation', run: (a, hub) => qmpLike(a, () => {
    if (hub.target.runState() === 'running') hub.target.stop();
  }) },
  { name: 'system_powerdown', params: '', help: 'send system power down event', run: (a, hub) => qmpLike(a, () => {
    if (!hub.target.powerButton) throw new Error(NO_POWER_BUTTON);
    hub.target.powerdown();
  }) },
  { name: 'system_reset', params: '', help: 'reset the system', run: (a, hub) => qmpLike(a, () => hub.target.reset('host-qmp-system-reset')) },
];

function qmpLike(a: ArgCursor, op: () => void): string {
  a.end();
  op();
  return '';
}

function helpLine(c: HmpCommand, prefix = ''): string {
  return `${prefix}${c.name} ${c.params} -- ${c.help}\n`;
}

function find(list: HmpCommand[], word: string): HmpCommand | undefined {
  return list.find((c) => c.name.split('|').includes(word));
}

function help(a: ArgCursor): string {
  const word = a.optional();
  if (word === undefined) return COMMANDS.map((c) => helpLine(c)).join('');
  if (word === 'info') {
    const sub = a.optional();
    if (sub === undefined) return INFO.map((c) => helpLine(c, 'info ')).join('');
    const c = find(INFO, sub);
    return c === undefined ? `unknown command: 'info ${sub}'\n` : helpLine(c, 'info ');
  }
  const c = find(COMMANDS, word);
  return c === undefined ? `unknown command: '${word}'\n` : helpLine(c);
}

async function info(a: ArgCursor, hub: MonitorHub): Promise<string> {
  const sub = a.optional();
  if (sub === undefined) return INFO.map((c) => helpLine(c, 'info ')).join('');
  const c = find(INFO, sub);
  if (c === undefined) return `unknown command: 'info ${sub}'\n`;
  const rest = new ArgCursor(a.rest(), c.name);
  return runCommand(c, rest, hub, `info ${c.name}`);
}

async function runCommand(c: HmpCommand, args: ArgCursor, hub: MonitorHub, helpName: string): Promise<string> {
  try {
    return await c.run(args, hub);
  } catch (err) {
    if (err instanceof UsageError) return `${err.message}\nTry "help ${helpName}" for more information\n`;
    return `Error: ${asMonitorError(err).message}\n`;
  }
}

/** Runs one command line; never throws. */
export async function runHmpCommand(line: string, hub: MonitorHub): Promise<HmpResult> {
  const words = splitWords(line);
  const name = words[0];
  if (name === undefined) return { output: '' };
  const c = find(COMMANDS, name);
  if (c === undefined) return { output: `unknown command: '${name}'\n` };
  const output = await runCommand(c, new ArgCursor(words.slice(1), c.name), hub, c.name.split('|')[0]!);
  return { output, quit: c.name === 'quit|q' && output === '' };
}
