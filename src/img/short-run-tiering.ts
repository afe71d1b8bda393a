/**
 * V8 tier-up tuning for short data-moving runs of `tkvm img` (convert). Such a run executes each
 * per-request function a few thousand times and then exits: with V8's default budget TurboFan
 * optimizes some 30 of them on background threads, and that compilation cost more CPU than the
 * optimized code saved before the process ended (in-process measurement of the copy phase of a
 * 1 GiB raw -> qcow2 convert, 512 MiB of data: 0.31-0.36 s of user time with the default budget,
 * 0.17-0.23 s with the budget below, 0.12-0.24 s with TurboFan off). On a two-core machine that
 * compiler time competes with the copy itself. A larger budget still lets code that stays hot
 * for long (zstd decoding, big compressed copies) reach TurboFan.
 */
import { setFlagsFromString } from 'node:v8';

/**
 * Bytecode a function must execute before V8 considers optimizing it: about 15 times V8 11's
 * default of 67584.
 */
const SHORT_RUN_INTERRUPT_BUDGET = 1 << 20;

/** Raises V8's optimization budget for the rest of this process (see the file comment). */
export function preferShortRunTiering(): void {
  setFlagsFromString(`--interrupt-budget=${SHORT_RUN_INTERRUPT_BUDGET}`);
}
