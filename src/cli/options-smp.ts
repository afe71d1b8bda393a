/**
 * -smp: QEMU's CPU topology arithmetic for the pc machine (machine_parse_smp_config in QEMU 7.2,
 * hw/core/machine-smp.c), so `-smp 4,sockets=2` gives the same topology as under QEMU.
 * Differences, on purpose: a 0 value is an error (QEMU 7.2 only warns "Deprecated CPU
 * topology" and treats it as omitted); the limit is the pc machine's 255 CPUs, as in QEMU.
 */
import { CliError, where } from './options-error.js';
import { parseKeyValues, parseUint } from './options-kv.js';

/** Most vCPUs tkvm's pc machine takes; QEMU's pc-i440fx-7.2 has the same limit. */
export const MAX_CPUS = 255;

/** The computed topology; `cpus` are started at boot, `maxCpus` is the hotplug ceiling. */
export interface SmpTopology {
  readonly cpus: number;
  readonly maxCpus: number;
  readonly sockets: number;
  readonly dies: number;
  readonly cores: number;
  readonly threads: number;
}

const SMP_KEYS = ['cpus', 'maxcpus', 'sockets', 'dies', 'clusters', 'cores', 'threads'] as const;

/** Parses an -smp argument into QEMU's topology, or throws a CliError naming the problem. */
export function parseSmp(arg: string): SmpTopology {
  const loc = where('-smp', arg);
  const kv = parseKeyValues(arg, loc, 'cpus', SMP_KEYS);
  const get = (key: string): number => {
    const text = kv.get(key);
    if (text === undefined) return 0;
    const n = parseUint(text);
    if (n === undefined) throw new CliError(`${loc}: Parameter '${key}' expects a number`, { key });
    if (n === 0) {
      throw new CliError(`${loc}: CPU topology parameters must be greater than zero ('${key}=0'); omit it instead`, {
        key,
      });
    }
    if (n > 0xffffffff) throw new CliError(`${loc}: Parameter '${key}' is too large`, { key });
    return n;
  };
  let cpus = get('cpus');
  let maxcpus = get('maxcpus');
  let sockets = get('sockets');
  const dies = get('dies') || 1;
  if (get('clusters') > 0) throw new CliError(`${loc}: clusters not supported by this machine's CPU topology`);
  let cores = get('cores');
  let threads = get('threads');

  // Fill in what was omitted; since QEMU 6.2 cores are preferred over sockets.
  if (cpus === 0 && maxcpus === 0) {
    sockets ||= 1;
    cores ||= 1;
    threads ||= 1;
  } else {
    maxcpus ||= cpus;
    if (cores === 0) {
      sockets ||= 1;
      threads ||= 1;
      cores = Math.floor(maxcpus / (sockets * dies * threads));
    } else if (sockets === 0) {
      threads ||= 1;
      sockets = Math.floor(maxcpus / (dies * cores * threads));
    }
    if (threads === 0) threads = Math.floor(maxcpus / (sockets * dies * cores));
  }
  const product = sockets * dies * cores * threads;
  maxcpus ||= product;
  cpus ||= maxcpus;

  const shape = `sockets (${sockets}) * dies (${dies}) * cores (${cores}) * threads (${threads})`;
  if (product !== maxcpus) {
    throw new CliError(
      `${loc}: Invalid CPU topology: product of the hierarchy must match maxcpus: ${shape} != maxcpus (${maxcpus})`,
    );
  }
  if (maxcpus < cpus) {
    throw new CliError(
      `${loc}: Invalid CPU topology: maxcpus must be equal to or greater than smp: ${shape} == maxcpus (${maxcpus}) < smp_cpus (${cpus})`,
    );
  }
  if (maxcpus > MAX_CPUS) {
    throw new CliError(`${loc}: Invalid SMP CPUs ${maxcpus}. The max CPUs supported by machine 'pc' is ${MAX_CPUS}`);
  }
  return { cpus, maxCpus: maxcpus, sockets, dies, cores, threads };
}
