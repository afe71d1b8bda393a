/**
 * One entry point from a parsed CharSpec (-serial ...) to an open host backend, so the machine
 * never switches on backend kinds itself.
 */
import type { CharSpec } from '../cli/config.js';
import type { MuxActions } from './mux.js';
import { createFileBackend, createNullBackend } from './simple.js';
import type { OpenedCharBackend } from './simple.js';
import { createStdioBackend } from './stdio.js';
import { createUnixSocketBackend } from './unix-socket.js';

export type { OpenedCharBackend } from './simple.js';

/** What backends need from the machine: Ctrl-A actions and where to print notices. */
export interface CharBackendOptions {
  /** Ctrl-A keys on a multiplexed stdio (quit is required). */
  readonly actions: MuxActions;
  /** Notices and warnings ("waiting for connection on ..."); default: stderr with "tkvm: ". */
  readonly notice?: (line: string) => void;
  /** Streams for stdio (tests); default process.stdin/stdout. */
  readonly stdin?: NodeJS.ReadableStream;
  readonly stdout?: NodeJS.WritableStream;
}

/**
 * Opens the backend for `spec`. Throws CharDevError when a file cannot be opened; sockets report
 * bind/connect failures through `ready()`, which the caller awaits before starting the guest.
 */
export function createCharBackend(spec: CharSpec, opts: CharBackendOptions): OpenedCharBackend {
  const notice = opts.notice ?? ((line: string) => process.stderr.write(`tkvm: ${line}\n`));
  switch (spec.kind) {
    case 'null':
      return createNullBackend();
    case 'file':
      return createFileBackend(spec.path, notice);
    case 'stdio':
      return createStdioBackend({
        mux: spec.mux === true,
        actions: opts.actions,
        ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
        ...(opts.stdout !== undefined ? { stdout: opts.stdout } : {}),
      });
    case 'unix':
      return createUnixSocketBackend({ path: spec.path, server: spec.server, wait: spec.wait, info: notice });
  }
}
