import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CharDevError } from './errors.js';
import { createCharBackend } from './create.js';

const actions = { quit: () => {} };

test('file backend truncates like QEMU and writes in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-chr-'));
  const path = join(dir, 'serial.log');
  writeFileSync(path, 'old contents that must go\n');
  const be = createCharBackend({ kind: 'file', path }, { actions });
  await be.ready();
  be.write(Buffer.from('Linux version 6.1\r\n'));
  be.write(Uint8Array.of(0x6f, 0x6b, 0x0a));
  assert.equal(readFileSync(path, 'utf8'), 'Linux version 6.1\r\nok\n'); // written synchronously
  be.close();
  be.write(Buffer.from('after close')); // dropped, no throw
  assert.equal(readFileSync(path, 'utf8'), 'Linux version 6.1\r\nok\n');
});

test('file backend names the file when it cannot open it', () => {
  assert.throws(() => createCharBackend({ kind: 'file', path: '/nonexistent-dir/x.log' }, { actions }), (err: unknown) => {
    assert.ok(err instanceof CharDevError);
    assert.equal(err.message, "Could not open '/nonexistent-dir/x.log': No such file or directory");
    return true;
  });
});

test('null backend swallows output', async () => {
  const be = createCharBackend({ kind: 'null' }, { actions });
  await be.ready();
  be.write(Buffer.from('gone'));
  be.close();
});
