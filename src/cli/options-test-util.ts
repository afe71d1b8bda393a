/** Helpers for the option parser's unit tests: the config a command line gives, or its exact error. */
import assert from 'node:assert/strict';
import type { MachineConfig } from './config.js';
import { CliError } from './options-error.js';
import { parseRunArgs } from './options.js';

/** The MachineConfig of a command line that must start a VM. */
export function config(...argv: string[]): MachineConfig {
  const r = parseRunArgs(argv);
  assert.equal(r.action, 'run');
  return (r as { config: MachineConfig }).config;
}

/** Asserts the exact error line (what the user sees after "tkvm: "). */
export function fails(argv: string[], message: string | RegExp): void {
  assert.throws(() => parseRunArgs(argv), (err: unknown) => {
    assert.ok(err instanceof CliError, `not a CliError: ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}
