import { TkvmError } from '../errors.js';

/**
 * Why a kernel, initrd or command line cannot be booted: not a bzImage or PVH ELF, truncated,
 * too big for RAM, and so on. The message says what is wrong, where, and what to do.
 * Kinds: "not-a-kernel", "truncated", "unsupported", "corrupt", "no-room", "cmdline-too-long".
 */
export class BootError extends TkvmError {}
