/**
 * Boots Debian's kernel from the memory image tkvm's loadKernel wrote, under QEMU's software
 * CPU (TCG), entering in the vCPU state tkvm asked for (see qemu-trampoline.ts), and checks the
 * kernel's log: e820 map, command line, MP table, CPUs, initrd, and the test initrd's /init.
 * This proves the loader with a real kernel where /dev/kvm is too slow to boot one; the KVM
 * boot test proves the same on KVM. Takes about 15-30 s; skipped when QEMU or assets are absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { pcRamRegions } from '../../src/memory/layout.js';
import { loadKernel } from '../../src/boot/direct-boot.js';
import type { EntryMode } from '../../src/boot/cpu-setup.js';
import { BIOS_BASE, trampolineBios } from './qemu-trampoline.js';
import { checkLinuxLog } from './linux-boot.js';

const INITRD = '.cache/assets/initrd.cpio.gz';
const QEMU = '/usr/bin/qemu-system-x86_64';
const MiB = 0x10_0000;
function skip(kernel: string): string | false {
  return !existsSync(QEMU) ? `${QEMU} absent (Debian qemu-system-x86)`
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
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-qemu-boot-'));
  try {
    const args = ['-accel', 'tcg', '-machine', 'pc', '-m', '256', '-smp', '2', '-nodefaults', '-display', 'none', '-no-reboot',
      '-serial', `file:${join(dir, 'serial.log')}`];
    writeFileSync(join(dir, 'bios.bin'), trampolineBios(mem.read(BIOS_BASE, 0x1_0000), boot.cpu));
    args.push('-bios', join(dir, 'bios.bin'));
    const blobs = [{ name: 'low', addr: 0, size: 0xa_0000 }, ...boot.loaded.map((l, i) => ({ name: `${l.what}${i}`, ...l }))];
    for (const b of blobs) {
      writeFileSync(join(dir, b.name), mem.read(b.addr, b.size));
      args.push('-device', `loader,file=${join(dir, b.name)},addr=${b.addr},force-raw=on`);
    }
    const keep = `.cache/qemu-direct-boot-${kernel.split('/').pop()}-${entry}.log`;
    await promisify(execFile)('timeout', ['120', QEMU, ...args], { maxBuffer: 1 << 20 }).catch((err: unknown) => {
      const log = existsSync(join(dir, 'serial.log')) ? readFileSync(join(dir, 'serial.log'), 'latin1') : '';
      writeFileSync(keep, log);
      throw new Error(`QEMU failed or timed out (serial log in ${keep}): ${String(err)}\n${log.slice(-1500)}`);
    });
    const serial = readFileSync(join(dir, 'serial.log'), 'latin1');
    writeFileSync(keep, serial);
    const r = checkLinuxLog(serial, { cmdline, e820: boot.e820, initrd: boot.initrd, initMarker: true, ...(mpparse ? { cpus: 2, mpTable: true } : {}) });
    assert.deepEqual(r.problems, [], serial.slice(-3000));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CLOUD = '.cache/assets/vmlinuz';
const GENERIC = '.cache/assets/vmlinuz-generic';
test('Debian cloud kernel, 64-bit entry: boots to /init from tkvm\'s memory image under QEMU TCG', { skip: skip(CLOUD), timeout: 150_000 }, () => bootUnderQemu(CLOUD, 'long', false));
test('Debian generic kernel, 32-bit entry: finds the MP table and both vCPUs', { skip: skip(GENERIC), timeout: 150_000 }, () => bootUnderQemu(GENERIC, 'protected', true));
