import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { placeInitrd } from '../../src/boot/boot-layout.js';
import { buildE820 } from '../../src/boot/e820.js';
import { pcRamRegions } from '../../src/memory/layout.js';
import { buildTestInitrd, INIT_MARKER } from './initrd.js';
import { checkLinuxLog, kernelLogLines } from './linux-boot.js';

// Debian 6.1 cloud kernel under `qemu-system-x86_64 -accel tcg -machine pc,acpi=off -m 256
// -kernel vmlinuz -initrd <test initrd> -append "console=ttyS0 tkvm.poweroff"` (SeaBIOS, AMD host),
// captured from its serial port, trimmed.
const QEMU_LOG = [
  'Probing EDD (edd=off to disable)... oc\x1b[?7l\x1b[2J[    0.000000] Linux version 6.1.0-56-cloud-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)',
  '[    0.000000] Command line: console=ttyS0 tkvm.poweroff',
  '[    0.000000] BIOS-provided physical RAM map:',
  '[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable',
  '[    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved',
  '[    0.000000] BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved',
  '[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000000fffffff] usable',
  '[    0.000000] BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved',
  '[    0.000000] BIOS-e820: [mem 0x000000fd00000000-0x000000ffffffffff] reserved',
  '[    0.000000] RAMDISK: [mem 0x0feff000-0x0fffffff]',
  '[    0.000000] smpboot: Allowing 1 CPUs, 0 hotplug CPUs',
  `${INIT_MARKER} kernel 6.1.0-56-cloud-amd64 cpus 1`,
  '[    5.456454] reboot: Power down',
].join('\r\n');
const MiB = 0x10_0000;

test("tkvm's e820 map and initrd placement match what Linux reported under QEMU", () => {
  // QEMU without ACPI and without KVM: no SeaBIOS high tables, no KVM area; AMD host => HT hole.
  const e820 = buildE820(pcRamRegions(256 * MiB), { reserved: [], amdHyperTransportHole: true });
  const initrd = { addr: placeInitrd(1052418, 0x437_8000, 256 * MiB, 0x7fff_ffff), size: 1052418 };
  const r = checkLinuxLog(QEMU_LOG, { cmdline: 'console=ttyS0 tkvm.poweroff', e820, cpus: 1, initrd, initMarker: true });
  assert.deepEqual(r.problems, []);
  assert.equal(r.version, '6.1.0-56-cloud-amd64');
});

test('mismatches are reported, each saying what the kernel printed', () => {
  const r = checkLinuxLog(QEMU_LOG, { cmdline: 'console=ttyS0', e820: buildE820(pcRamRegions(256 * MiB)), cpus: 2, mpTable: true });
  assert.equal(r.problems.length, 4);
  assert.match(r.problems[0]!, /command line: kernel printed "Command line: console=ttyS0 tkvm.poweroff"/);
  assert.match(r.problems[1]!, /e820 map differs:[^]*0x00000000feffc000/);
  assert.match(r.problems[2]!, /MP table: no "found SMP MP-table at \[mem 0x0009fc00-0x0009fc0f\]"/);
  assert.match(r.problems[3]!, /Allowing 2 CPUs/);
  const none = checkLinuxLog('garbage\n', { initMarker: true });
  assert.equal(none.version, undefined);
  assert.match(none.problems.join('\n'), /no "Linux version" banner[^]*TKVM-INITRD-READY/);
});

test('kernelLogLines strips stamps, escapes and CRs', () => {
  assert.deepEqual(kernelLogLines('\x1b[2J[   12.5] a b\r\nplain\r\n'), ['a b', 'plain', '']);
});

test('test initrd: gzip newc with busybox, /init printing the marker, console nodes', () => {
  const busybox = new Uint8Array(1000).fill(0xbb);
  const cpio = gunzipSync(buildTestInitrd(busybox));
  const text = new TextDecoder('latin1').decode(cpio);
  for (const name of ['bin/busybox\0', 'bin/sh\0', 'dev/console\0', 'init\0', 'TRAILER!!!\0']) assert.ok(text.includes(name), name);
  assert.ok(text.includes(`echo "${INIT_MARKER}`));
  assert.ok(text.includes('#!/bin/busybox sh\n'));
});
