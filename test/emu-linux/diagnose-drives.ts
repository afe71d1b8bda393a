/**
 * Worker for diagnose.ts (not a test): opens the command line's drives with tkvm's DriveManager
 * and serves their block proxies from this thread's event loop, since diagnose.ts runs the
 * machine in its own thread, blocked in the CPU loop. Posts the IDE drive slots back once open.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DriveSpec } from '../../src/cli/config.js';
import { DriveManager } from '../../src/machine/drive-manager.js';

const drives = await DriveManager.open(workerData as DriveSpec[], (text) => process.stderr.write(`${text}\n`));
parentPort?.postMessage(drives.slots());
// The proxies wait with Atomics.waitAsync, which holds no handle: keep this thread's loop alive.
setInterval(() => undefined, 1 << 30);
