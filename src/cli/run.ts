import { TKVM_VERSION } from './main.js';

/** `tkvm run ARGS` / `tkvm ARGS`: QEMU-style command line for starting a VM. */
export async function runCommand(argv: string[]): Promise<number> {
  if (argv.includes('-version') || argv.includes('--version')) {
    process.stdout.write(`tkvm version ${TKVM_VERSION}\n`);
    return 0;
  }
  process.stderr.write('tkvm: the VM runner is not built yet\n');
  return 1;
}
