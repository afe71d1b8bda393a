// Debian's SeaBIOS on tkvm's software CPU with no boot media, run until it gives up booting, for
// tests that read its debug console log (port 0x402, -debugcon).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TKVM, runProcess } from '../helpers/process.js';

/** Debian's SeaBIOS image (package seabios). */
export const SEABIOS = '/usr/share/seabios/bios-256k.bin';
/** The skip reason when SeaBIOS is not installed. */
export const seabiosSkip: string | false = existsSync(SEABIOS) ? false : `${SEABIOS} absent (Debian package seabios)`;

/**
 * Runs `tkvm -accel emu -m 128 -nographic` plus `extra` until SeaBIOS prints "No bootable device.",
 * quits with Ctrl-A x and returns its debug log (written to DIR/NAME.log). `hangGuardMs` only stops a hung run.
 */
export async function seabiosDebugLog(dir: string, name: string, extra: readonly string[], hangGuardMs: number): Promise<string> {
  const log = join(dir, `${name}.log`);
  let quitting = false;
  const r = await runProcess(TKVM, ['-accel', 'emu', '-m', '128', '-nographic', '-debugcon', `file:${log}`, ...extra], {
    killAfterMs: hangGuardMs,
    onStdout: (text, child) => {
      if (quitting || !text.includes('No bootable device.')) return;
      quitting = true;
      child.stdin?.write('\x01x');
    },
  });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(log, 'latin1');
}
