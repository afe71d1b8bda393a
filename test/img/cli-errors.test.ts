/** `tkvm img` error handling: qemu-img's messages and exit statuses, one line, never a stack trace. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tempDir, tkvmImg } from './helpers.js';

const t = tempDir();
const run = (...args: string[]) => tkvmImg(args, t.dir);

function assertOneError(r: { status: number; stderr: string }, status: number, re: RegExp): void {
  assert.equal(r.status, status, r.stderr);
  assert.match(r.stderr, re);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

describe('tkvm img errors', () => {
  after(() => t.cleanup());

  test('unknown option of a subcommand', () => {
    const r = run('info', '-z', 'x');
    assertOneError(r, 1, /^tkvm img: unrecognized option '-z'\nTry 'tkvm img --help' for more information\n$/);
  });

  test('unknown long option and missing option argument', () => {
    assertOneError(run('create', '--frobnicate', 'x', '1M'), 1, /^tkvm img: unrecognized option '--frobnicate'/);
    assertOneError(run('create', 'x', '-f'), 1, /^tkvm img: missing argument for option '-f'/);
  });

  test('unknown command', () => {
    assertOneError(run('frob'), 1, /^tkvm img: Command not found: frob\n/);
  });

  test('bad size names the accepted suffixes', () => {
    const r = run('create', '-f', 'raw', 'x.raw', '12X');
    assertOneError(r, 1, /^tkvm img: Invalid image size specified\. You may use k, M, G, T, P or E suffixes for\n/);
  });

  test('create without size', () => {
    assertOneError(run('create', '-f', 'qcow', 'x.qcow'), 1, /^tkvm img: x\.qcow: Image creation needs a size parameter\n$/);
  });

  test('unknown format and unknown -o key', () => {
    assertOneError(run('create', '-f', 'vmdk9', 'x', '1M'), 1, /^tkvm img: x: Unknown file format 'vmdk9'\n$/);
    assertOneError(run('create', '-f', 'qcow', '-o', 'cluster_size=64k', 'x', '1M'), 1,
      /^tkvm img: x: Invalid parameter 'cluster_size'\n$/);
  });

  test('backing file without backing format', () => {
    run('create', '-q', '-f', 'raw', 'base.raw', '1M');
    const r = run('create', '-f', 'qcow', '-b', 'base.raw', 'ov.qcow');
    assertOneError(r, 1, /^tkvm img: ov\.qcow: Backing file specified without backing format\nDetected format of raw\.\n$/);
  });

  test('missing backing file: info still works, reading says which file is missing', () => {
    const c = run('create', '-q', '-u', '-f', 'qcow', '-b', 'gone.raw', '-F', 'raw', 'orphan.qcow', '1M');
    assert.equal(c.status, 0, c.stderr);
    assert.match(run('info', 'orphan.qcow').stdout, /backing file: gone\.raw/);
    assertOneError(run('map', 'orphan.qcow'), 1,
      /^tkvm img: Could not open 'orphan\.qcow': Could not open backing file: Could not open '.*gone\.raw': No such file or directory\n$/);
  });

  test('a directory is not an image', () => {
    assertOneError(run('info', '.'), 1, /^tkvm img: Could not open '\.': 'file' driver requires '\.' to be a regular file\n$/);
    assertOneError(run('info', '-f', 'raw', '.'), 1, /'file' driver requires '\.' to be a regular file/);
  });

  test('missing file', () => {
    const r = run('info', 'nonexistent.img');
    assertOneError(r, 1, /^tkvm img: Could not open 'nonexistent\.img': Could not open 'nonexistent\.img': No such file or directory\n$/);
  });

  test('shrink without --shrink is refused and the image is unchanged', () => {
    run('create', '-q', '-f', 'raw', 's.raw', '2M');
    assertOneError(run('resize', '-f', 'raw', 's.raw', '1M'), 1, /Use the --shrink option to perform a shrink operation\./);
    assert.match(run('info', 's.raw').stdout, /virtual size: 2 MiB \(2097152 bytes\)/);
  });

  test('resize of a qcow image is unsupported, like qemu', () => {
    run('create', '-q', '-f', 'qcow', 'r.qcow', '1M');
    assertOneError(run('resize', 'r.qcow', '2M'), 1, /^tkvm img: Image format driver does not support resize\n$/);
  });

  test('check on formats without checks exits 63', () => {
    run('create', '-q', '-f', 'raw', 'c.raw', '1M');
    assertOneError(run('check', 'c.raw'), 63, /This image format does not support checks/);
    assertOneError(run('check', '-r', 'maybe', 'c.raw'), 1, /Unknown option value for -r \(expecting 'leaks' or 'all'\): maybe/);
  });

  test('corrupt qcow header is rejected with a clear message', () => {
    const h = Buffer.alloc(48);
    h.writeUInt32BE(0x514649fb, 0);
    h.writeUInt32BE(1, 4);
    h.writeBigUInt64BE(1n << 30n, 24);
    h.writeUInt8(20, 32); // cluster_bits out of range
    h.writeUInt8(9, 33);
    writeFileSync(t.path('bad.qcow'), h);
    assertOneError(run('info', 'bad.qcow'), 1, /^tkvm img: Could not open 'bad\.qcow': Cluster size must be between 512 and 64k\n$/);
  });

  test('compare exit statuses: 0 same, 1 different, 2 cannot open', () => {
    run('create', '-q', '-f', 'raw', 'a.raw', '1M');
    run('create', '-q', '-f', 'raw', 'b.raw', '1M');
    assert.equal(run('compare', 'a.raw', 'b.raw').status, 0);
    const big = run('compare', '-s', 'a.raw', 's.raw');
    assert.equal(big.status, 1);
    assert.equal(big.stdout, 'Strict mode: Image size mismatch!\n');
    assert.equal(run('compare', 'a.raw', 'missing.raw').status, 2);
  });

  test('convert -c to raw is refused', () => {
    run('create', '-q', '-f', 'raw', 'src.raw', '1M');
    assertOneError(run('convert', '-c', '-O', 'raw', 'src.raw', 'dst.raw'), 1, /Compression not supported for this file format/);
  });
});
