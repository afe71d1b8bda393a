import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBzImage } from '../../test/boot/fixtures.js';
import { parseRunArgs } from '../cli/options.js';
import { VgaHarness } from '../devices/vga/test-harness.js';
import { loadDirectKernel } from './direct-boot.js';
import { allocateHostRam } from './ram.js';

test('a direct kernel boot leaves the VGA in 80x25 text mode as the VGA BIOS would: 0xB8000 reads back, the screen shows it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-direct-vga-'));
  try {
    writeFileSync(join(dir, 'bzImage'), makeBzImage());
    const parsed = parseRunArgs(['-m', '128', '-kernel', join(dir, 'bzImage'), '-append', 'console=tty0']);
    assert.equal(parsed.action, 'run');
    if (parsed.action !== 'run') return;
    const h = new VgaHarness({ vgamemMb: 1 });
    loadDirectKernel(allocateHostRam(parsed.config.memoryBytes), parsed.config, 'protected', h.vga);
    h.writeb(0xb8000, 0x55);
    h.writeb(0xb8001, 0xaa);
    assert.equal(h.readb(0xb8000) | (h.readb(0xb8001) << 8), 0xaa55, "vgacon's probe word reads back");
    [...'tty0'].forEach((c, i) => {
      h.writeb(0xb8000 + i * 2, c.charCodeAt(0));
      h.writeb(0xb8001 + i * 2, 0x07);
    });
    const rows = h.vga.text();
    assert.ok(rows !== undefined);
    assert.equal(rows.length, 25);
    assert.equal(rows[0]!.trimEnd(), 'tty0');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
