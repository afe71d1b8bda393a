import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { makeRig } from './cpu.test-util.js';

const BIOS = '/usr/share/seabios/bios-256k.bin';

test('SeaBIOS runs on the software CPU to its first debug-port banner', { skip: existsSync(BIOS) ? false : `${BIOS} is missing (Debian package seabios)` }, () => {
  const rig = makeRig({ memSize: 32 << 20 });
  const bios = new Uint8Array(readFileSync(BIOS));
  rig.mem.mapRom(0x100000000 - bios.length, bios);
  // The low alias of the BIOS's last 128 KiB, as writable shadow RAM the way the PAM registers leave it after reset.
  rig.mem.ram.set(bios.subarray(bios.length - 0x20000), 0xe0000);
  // QEMU's debugcon answers 0xE9 on reads; SeaBIOS prints to port 0x402 only after seeing that.
  rig.ports.inputs.set(0x402, 0xe9);
  let out = '';
  rig.ports.onWrite = (port, _size, value) => {
    if (port === 0x402) out += String.fromCharCode(value & 0xff);
  };
  const start = process.hrtime.bigint();
  let reason = '';
  for (let i = 0; i < 400 && !out.includes('SeaBIOS (version'); i++) {
    reason = rig.cpu.run(100_000);
    if (reason === 'shutdown' || reason === 'halted') break;
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`SeaBIOS: ${rig.cpu.retired} instructions in ${secs.toFixed(3)} s (${(rig.cpu.retired / secs / 1e6).toFixed(1)} MIPS); last stop ${reason}`);
  console.log(out.split('\n').slice(0, 8).join('\n'));
  assert.match(out, /SeaBIOS \(version/);
});
