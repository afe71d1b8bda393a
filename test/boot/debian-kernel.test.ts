// Boot test with a kernel nobody here wrote: Debian's cloud kernel as a bzImage with our busybox
// initrd. On this machine's nested KVM a stock kernel only gets through early boot (DESIGN
// section 5), so we assert what it prints there: its banner, our exact command line and a
// BIOS-e820 map equal to the one tkvm built. On a host with real VT-x/AMD-V the test goes on to
// the busybox shell in the initrd, runs a command there and reboots (-no-reboot ends tkvm).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadKernel } from '../../src/boot/direct-boot.js';
import { pcAcpiTables } from '../../src/acpi/pc-acpi.js';
import { parseRunArgs } from '../../src/cli/options.js';
import type { MachineConfig } from '../../src/cli/config.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { pcRamRegions } from '../../src/memory/layout.js';
import { isNestedPvmHost } from '../../src/accel/kvm/cpuid.js';
import { REPO_ROOT, TKVM, kvmUnusableReason, runProcess } from '../helpers/process.js';
import { checkLinuxLog } from './linux-boot.js';
import { INIT_MARKER } from './initrd.js';

const ASSETS = join(REPO_ROOT, '.cache', 'assets');
const KERNEL = join(ASSETS, 'vmlinuz');
const INITRD = join(ASSETS, 'initrd.cpio.gz');
const MEM = 512 * 2 ** 20;
const CMDLINE = 'earlyprintk=serial console=ttyS0 tkvm-boot-test=1';
const skip = kvmUnusableReason() ?? (existsSync(KERNEL) && existsSync(INITRD) ? undefined : 'Debian kernel or initrd not in .cache/assets (scripts/fetch-test-assets.sh could not fetch them)');

/** The machine configuration of a command line (for the tables tkvm builds from it). */
function parseArgs(argv: string[]): MachineConfig {
  return (parseRunArgs(argv) as { config: MachineConfig }).config;
}

describe("Debian's cloud kernel boots directly under tkvm", { skip }, () => {
  it(isNestedPvmHost() ? 'prints its banner, our command line and our e820 map (early boot: nested KVM)' : 'reaches the busybox shell, runs a command and reboots', async () => {
    // What tkvm gives the kernel: the same pure loader on the same layout.
    const regions = pcRamRegions(MEM);
    const acpi = pcAcpiTables(parseArgs(['-m', '512', '-nographic']), false);
    const expected = loadKernel(GuestMemory.allocate(regions), { kernelPath: KERNEL, initrdPath: INITRD, cmdline: CMDLINE, ramRegions: regions, cpus: 1, acpi });
    const full = !isNestedPvmHost();
    let sentCommand = false;
    const r = await runProcess(TKVM, ['-m', '512', '-nographic', '-no-reboot', '-kernel', KERNEL, '-initrd', INITRD, '-append', CMDLINE], {
      killAfterMs: 30 * 60_000, // hang guard only
      onStdout: (text, child) => {
        if (!full) {
          // Early boot is all this host can run; stop once the memory setup has been logged.
          if (/Booting paravirtualized kernel|Kernel command line:/.test(text)) child.kill('SIGTERM');
          return;
        }
        if (!sentCommand && text.includes(INIT_MARKER)) {
          sentCommand = true;
          child.stdin?.write('echo tkvm-says-$((6*7)); reboot -f\n');
        }
      },
    });
    const report = checkLinuxLog(r.stdout, { cmdline: CMDLINE, e820: expected.e820, initrd: expected.initrd, initMarker: full });
    assert.deepEqual(report.problems, [], `${report.problems.join('\n')}\n--- serial ---\n${r.stdout.slice(-4000)}\n--- stderr ---\n${r.stderr}`);
    assert.equal(report.version, readFileSync(join(ASSETS, 'vmlinuz.version'), 'utf8').trim().replace(/^linux-image-/, ''));
    // ACPI (on unless -no-acpi): Linux finds tkvm's tables where it searches and takes the PM
    // timer, the IOAPIC and the interrupt overrides from them, with no checksum or table warnings.
    assert.match(r.stdout, /ACPI: RSDP 0x00000000000E0000 000014 \(v00 BOCHS \)/);
    for (const sig of ['RSDT', 'FACP', 'DSDT', 'APIC']) assert.match(r.stdout, new RegExp(`ACPI: ${sig} 0x00000000000E0[0-9A-F]{3} `), sig);
    assert.match(r.stdout, /ACPI: PM-Timer IO Port: 0x608/);
    assert.match(r.stdout, /ACPI: INT_SRC_OVR \(bus 0 bus_irq 9 global_irq 9 high level\)/);
    assert.match(r.stdout, /ACPI: Using ACPI \(MADT\) for SMP configuration information/);
    assert.doesNotMatch(r.stdout, /ACPI( BIOS)? (Warning|Error)|ACPI.*(Incorrect checksum|invalid)/i);
    if (full) {
      assert.match(r.stdout, /tkvm-says-42/);
      assert.equal(r.status, 0);
    }
  });
});
