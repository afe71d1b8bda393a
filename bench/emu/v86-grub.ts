/**
 * v86 (the npm x86 emulator, a WebAssembly JIT) booting Debian's SeaBIOS and a CD headless in
 * Node, for bench/emu/grub-menu.ts: prints "v86: menu" once `--text` appears on its VGA text
 * screen, then exits. Usage: node dist/bench/emu/v86-grub.js ISO [--text Memtest86+]
 * v86 is a devDependency; it shares nothing with tkvm.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const iso = process.argv[2];
const textIndex = process.argv.indexOf('--text');
const wanted = textIndex > 0 ? process.argv[textIndex + 1] ?? '' : 'Memtest86+';
if (iso === undefined) {
  process.stderr.write('usage: v86-grub.js ISO [--text TEXT]\n');
  process.exit(2);
}

/** An image as v86 takes it. */
function image(path: string): { buffer: ArrayBuffer } {
  const b = readFileSync(path);
  return { buffer: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) };
}

const { V86 } = await import('v86');
const wasm = join(dirname(createRequire(import.meta.url).resolve('v86')), 'v86.wasm');
const rows = Array.from({ length: 50 }, () => new Array<string>(132).fill(' '));
const emulator = new V86({
  wasm_path: wasm,
  bios: image('/usr/share/seabios/bios-256k.bin'),
  vga_bios: image('/usr/share/seabios/vgabios-stdvga.bin'),
  cdrom: image(iso),
  memory_size: 256 << 20,
  autostart: true,
});
emulator.add_listener('screen-put-char', ([row, col, chr]) => {
  const line = rows[row];
  if (line === undefined || col >= line.length) return;
  line[col] = String.fromCharCode(chr);
  if (line.join('').includes(wanted)) {
    process.stdout.write('v86: menu\n');
    process.exit(0);
  }
});
