/**
 * Boots Debian's kernels from the memory image tkvm's loadKernel wrote, under QEMU's software
 * CPU (TCG), entering in the vCPU state tkvm asked for (see qemu-trampoline.ts), and checks the
 * kernel's log: e820 map, command line, MP table, CPUs, initrd, and the test initrd's /init.
 * This proves the loader with a real kernel where /dev/kvm is too slow to boot one; the KVM
 * boot test proves the same on KVM. About 10 s per kernel; TKVM_SKIP_SLOW=1 skips it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { pcRamRegions } from '../../src/memory/layout.js';
import { loadKernel } from '../../src/boot/direct-boot.js';
import type { EntryMode } from '../../src/boot/cpu-setup.js';
import { QEMU_BINARY, runInQemu } from './qemu-trampoline.js';
import { checkLinuxLog } from './linux-boot.js';

const INITRD = '.cache/assets/initrd.cpio.gz';
const CLOUD = '.cache/assets/vmlinuz';
const GENERIC = '.cache/assets/vmlinuz-generic';
const MiB = 0x10_0000;

function skip(kernel: string): string | false {
  return !existsSync(QEMU_BINARY) ? `${QEMU_BINARY} absent (Debian qemu-system-x86)`
    : !existsSync(kernel) || !existsSync(INITRD) ? `${kernel} or ${INITRD} absent (scripts/fetch-test-assets.sh could not fetch them)`
    : process.env['TKVM_SKIP_SLOW'] === '1' ? 'TKVM_SKIP_SLOW=1' : false;
}

/**
 * Boots `kernel` with 2 vCPUs. `mpparse`: the kernel reads MP tables (Debian's generic kernel
 * does; the cloud kernel is built without CONFIG_X86_MPPARSE and sees 1 CPU unless ACPI is there).
 */
async function bootUnderQemu(kernel: string, entry: EntryMode, mpparse: boolean): Promise<void> {
  const ram = pcRamRegions(256 * MiB);
  const mem = GuestMemory.allocate(ram);
  const cmdline = 'console=ttyS0 tkvm.reboot panic=-1';
  const boot = loadKernel(mem, { kernelPath: kernel, initrdPath: INITRD, cmdline, ramRegions: ram, cpus: 2, entry });
  const keep = `.cache/qemu-direct-boot-${kernel.split('/').pop()}-${entry}.log`;
  const run = await runInQemu(mem, boot.cpu, boot.loaded, { ramMiB: 256, cpus: 2, timeoutS: 120, keep });
  const r = checkLinuxLog(run.serial, { cmdline, e820: boot.e820, initrd: boot.initrd, initMarker: true, ...(mpparse ? { cpus: 2, mpTable: true } : {}) });
  assert.deepEqual(r.problems, [], `serial log in ${keep}`);
  assert.equal(run.status, 0, `QEMU exit status (null = timed out); serial log in ${keep}`);
}

test("Debian cloud kernel, 64-bit entry: boots to /init from tkvm's memory image under QEMU TCG", { skip: skip(CLOUD), timeout: 150_000 }, () => bootUnderQemu(CLOUD, 'long', false));
test('Debian generic kernel, 32-bit entry: finds the MP table and both vCPUs', { skip: skip(GENERIC), timeout: 150_000 }, () => bootUnderQemu(GENERIC, 'protected', true));
