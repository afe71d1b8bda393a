// The initramfs's module resolution without depmod: .modinfo parsing, load order (dependencies
// and soft pre-dependencies first, built-ins skipped) and the modules.dep lines busybox reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { modulesDep, readModinfo, resolveLoadOrder, type KernelModule } from './kernel-modules.js';

const mod = (name: string, depends: string[] = [], softPre: string[] = []): KernelModule => ({ name, relPath: `kernel/${name}.ko`, depends, softPre });

test('load order: dependencies before their users, soft pre-dependencies when they are modules, built-ins skipped', () => {
  const all = new Map([
    ['ata_piix', mod('ata_piix', ['libata'])],
    ['libata', mod('libata', ['scsi_mod'])],
    ['scsi_mod', mod('scsi_mod', ['scsi_common'])],
    ['scsi_common', mod('scsi_common')],
    ['ext4', mod('ext4', ['jbd2', 'crc16'], ['crc32c_generic', 'not_a_module'])],
    ['jbd2', mod('jbd2')],
    ['crc32c_generic', mod('crc32c_generic')],
  ]);
  const order = resolveLoadOrder(['ata_piix', 'ext4'], all, new Set(['crc16'])).map((m) => m.name);
  assert.deepEqual(order, ['scsi_common', 'scsi_mod', 'libata', 'ata_piix', 'crc32c_generic', 'jbd2', 'ext4']);
  assert.throws(() => resolveLoadOrder(['nope'], all, new Set()), /nope is neither a \.ko here nor built in/);
  assert.equal(modulesDep([all.get('scsi_common')!, all.get('scsi_mod')!, all.get('libata')!]),
    'kernel/scsi_common.ko:\nkernel/scsi_mod.ko: kernel/scsi_common.ko\nkernel/libata.ko: kernel/scsi_mod.ko kernel/scsi_common.ko\n');
});

test('.modinfo strings are read from a 32-bit ELF object', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tkvm-modinfo-'));
  const src = path.join(dir, 'm.S');
  writeFileSync(src, '.section .modinfo,"a"\n.asciz "license=GPL"\n.asciz "depends=libata,scsi_mod"\n.asciz "name=ata_piix"\n.text\nnop\n');
  execFileSync('as', ['--32', '-o', path.join(dir, 'm.o'), src]);
  assert.deepEqual(readModinfo(readFileSync(path.join(dir, 'm.o'))), ['license=GPL', 'depends=libata,scsi_mod', 'name=ata_piix']);
});
