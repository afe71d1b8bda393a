// A tkvm VM driven over QMP, for tests that read the screen and type keys (the PC machine's media
// tests under KVM, the same boots under the software CPU).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { QmpClient } from '../../src/monitor/qmp-client.js';
import { TKVM } from './process.js';

/** A running tkvm with its QMP connection and everything it printed so far. */
export interface QmpVm {
  readonly child: ChildProcess;
  readonly qmp: QmpClient;
  readonly output: () => string;
}

/** Starts tkvm with a QMP socket in `dir` and connects to it (capabilities negotiated); `hangGuardMs` kills a hung run. */
export async function startQmpVm(dir: string, name: string, args: readonly string[], hangGuardMs: number, env: NodeJS.ProcessEnv = process.env): Promise<QmpVm> {
  const sock = join(dir, `${name}.qmp`);
  let output = '';
  const child = spawn(TKVM, [...args, '-qmp', `unix:${sock},server,nowait`], { stdio: ['ignore', 'pipe', 'pipe'], env });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString('latin1')));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString('latin1')));
  const guard = setTimeout(() => child.kill('SIGKILL'), hangGuardMs);
  child.on('exit', () => clearTimeout(guard));
  for (let i = 0; ; i++) {
    try {
      const { client } = await QmpClient.connect(sock);
      await client.execute('qmp_capabilities');
      return { child, qmp: client, output: () => output };
    } catch (err) {
      if (child.exitCode !== null || i > 200) throw new Error(`tkvm did not open its QMP socket: ${String(err)}\n${output}`);
      await sleep(100);
    }
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The text screen as one string ('' in graphics modes). */
export async function screenText(vm: QmpVm): Promise<string> {
  const r = await vm.qmp.execute('x-tkvm-query-screen-text');
  return (r.return as { text?: string } | undefined)?.text ?? '';
}

/** Polls the screen until `pattern` shows; fails with the last screen if the VM ends first. */
export async function waitForScreen(vm: QmpVm, pattern: RegExp): Promise<string> {
  let text = '';
  while (vm.child.exitCode === null && vm.child.signalCode === null) {
    text = await screenText(vm);
    if (pattern.test(text)) return text;
    await sleep(500);
  }
  throw new Error(`the screen never showed ${pattern}; last screen:\n${text}\noutput:\n${vm.output()}`);
}

/** Presses and releases keys one after another, as a user typing. */
export async function typeKeys(vm: QmpVm, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    await vm.qmp.execute('send-key', { keys: [{ type: 'qcode', data: key }] });
    await sleep(300);
  }
}

/** Ends the VM with QMP quit; resolves to its exit status. */
export async function quitQmpVm(vm: QmpVm): Promise<number | null> {
  const exited = new Promise<number | null>((r) => vm.child.once('exit', (code) => r(code)));
  await vm.qmp.execute('quit');
  vm.qmp.close();
  return exited;
}
