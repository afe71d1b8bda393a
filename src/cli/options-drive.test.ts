import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveBios } from './options-drive.js';

test('-bios: a bare name is looked up in the firmware directories, like qemu_find_file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-fw-'));
  writeFileSync(join(dir, 'my-bios.bin'), 'x');
  assert.equal(resolveBios('my-bios.bin', ['/nonexistent', dir]), join(dir, 'my-bios.bin'));
  // A name with a directory part is taken as a path only.
  assert.throws(() => resolveBios('./my-bios.bin', [dir]), { message: "-bios ./my-bios.bin: could not load PC BIOS './my-bios.bin'" });
});
