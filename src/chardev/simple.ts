/**
 * The two backends without a peer: `null` (QEMU's null chardev: output vanishes, no input) and
 * `file` (QEMU's -serial file:PATH: created or truncated at start, output only).
 * The file is written synchronously: serial output is small, ordered, and survives a
 * process.exit() straight after the guest's last byte (an isa-debug-exit write, say).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { CharBackend } from './char-backend.js';
import { CharDevError, errnoWords } from './errors.js';

/** A backend whose `ready()` settles when it can carry bytes (sockets wait for a peer). */
export interface OpenedCharBackend extends CharBackend {
  /** Resolves when the backend is usable; rejects with a CharDevError if it never will be. */
  ready(): Promise<void>;
}

/** -serial null: discards output, never produces input. */
export function createNullBackend(): OpenedCharBackend {
  return {
    write: () => {},
    onInput: () => {},
    close: () => {},
    ready: () => Promise.resolve(),
  };
}

/** -serial file:PATH: truncates PATH (O_TRUNC, as QEMU's file chardev without append=on). */
export function createFileBackend(path: string, warn: (line: string) => void): OpenedCharBackend {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w', 0o666);
  } catch (err) {
    throw new CharDevError(`Could not open '${path}': ${errnoWords(err)}`, { path }, err);
  }
  return {
    write(data) {
      if (fd === undefined) return;
      try {
        let off = 0;
        while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      } catch (err) {
        // Never throw into the device: say so once and drop the rest.
        warn(`serial file '${path}': ${errnoWords(err)}; further output is dropped`);
        closeQuietly(fd);
        fd = undefined;
      }
    },
    onInput: () => {}, // a file chardev has no input side
    close() {
      if (fd !== undefined) closeQuietly(fd);
      fd = undefined;
    },
    ready: () => Promise.resolve(),
  };
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already gone
  }
}
