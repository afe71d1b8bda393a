/** commit, snapshot, rebase, amend, bench, check and -p on raw/qcow images, verified with qemu-io where it can. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAIN, noQemuImg, tempDir, tkvmImg, tool } from './helpers.js';

const t = tempDir();
const run = (...args: string[]) => tkvmImg(args, t.dir);
const io = (args: string[]) => tool('qemu-io', args, t.dir);
const ok = (r: { status: number; stderr: string; stdout: string }) => {
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}${r.stdout}`);
  return r;
};

describe('tkvm img commands', () => {
  after(() => t.cleanup());

  test('commit copies the overlay into its backing file and empties the overlay', { skip: noQemuImg }, () => {
    ok(run('create', '-q', '-f', 'raw', 'base.raw', '4M'));
    ok(io(['-f', 'raw', '-c', 'write -P 1 0 1M', 'base.raw']));
    ok(run('create', '-q', '-f', 'qcow', '-b', 'base.raw', '-F', 'raw', 'top.qcow'));
    ok(io(['-f', 'qcow', '-c', 'write -P 9 512k 4k', 'top.qcow']));
    assert.equal(ok(run('commit', 'top.qcow')).stdout, 'Image committed.\n');
    ok(io(['-f', 'raw', '-c', 'read -P 9 512k 4k', '-c', 'read -P 1 0 512k', '-c', 'read -P 1 516k 508k', 'base.raw']));
    const map = JSON.parse(ok(run('map', '--output=json', 'top.qcow')).stdout) as { depth: number }[];
    assert.ok(map.every((e) => e.depth === 1), 'nothing left allocated in the overlay');
  });

  test('convert -B keeps only what the overlay itself holds (same map as qemu-img)', { skip: noQemuImg }, () => {
    ok(run('create', '-q', '-f', 'qcow', '-b', 'base.raw', '-F', 'raw', 'top2.qcow'));
    ok(io(['-f', 'qcow', '-c', 'write -P 5 8k 4k', 'top2.qcow']));
    ok(run('convert', '-O', 'qcow', '-B', 'base.raw', '-F', 'raw', 'top2.qcow', 'rebased.qcow'));
    assert.match(ok(tool('qemu-img', ['compare', 'top2.qcow', 'rebased.qcow'], t.dir)).stdout, /identical/);
    ok(tool('qemu-img', ['convert', '-O', 'qcow', '-B', 'base.raw', '-F', 'raw', 'top2.qcow', 'q-rebased.qcow'], t.dir));
    const map = JSON.parse(ok(run('map', '--output=json', 'rebased.qcow')).stdout) as { depth: number; length: number }[];
    assert.equal(map.filter((e) => e.depth === 0).reduce((a, e) => a + e.length, 0), 4096);
    assert.equal(ok(run('map', '--output=json', 'rebased.qcow')).stdout, ok(run('map', '--output=json', 'q-rebased.qcow')).stdout);
  });

  test('commit of an image without backing file', () => {
    ok(run('create', '-q', '-f', 'qcow', 'lone.qcow', '1M'));
    const r = run('commit', 'lone.qcow');
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'tkvm img: Image does not have a backing file\n');
  });

  test('snapshots are refused on formats without them; -l prints nothing', () => {
    ok(run('create', '-q', '-f', 'qcow', 's.qcow', '1M'));
    const r = run('snapshot', '-c', 'snap1', 's.qcow');
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "tkvm img: Could not create snapshot 'snap1': -95 (Operation not supported)\n");
    assert.equal(ok(run('snapshot', '-l', 's.qcow')).stdout, '');
    const mixed = run('snapshot', '-l', '-c', 'x', 's.qcow');
    assert.equal(mixed.status, 1);
    assert.match(mixed.stderr, /Cannot mix '-l', '-a', '-c', '-d'/);
  });

  test('rebase and amend refuse what qcow cannot do, with qemu-img\'s words', () => {
    ok(run('create', '-q', '-f', 'qcow', 'rb.qcow', '1M'));
    const r = run('rebase', '-u', '-b', 'other.raw', '-F', 'raw', 'rb.qcow');
    assert.equal(r.stderr, "tkvm img: Could not change the backing file to 'other.raw': Operation not supported\n");
    assert.match(run('rebase', 'rb.qcow').stderr, /Must specify backing file \(-b\) or use unsafe mode \(-u\)/);
    assert.equal(run('amend', '-o', 'compat=1.1', 'rb.qcow').stderr, "tkvm img: Format driver 'qcow' does not support option amendment\n");
    assert.match(run('amend', 'rb.qcow').stderr, /Must specify options \(-o\)/);
  });

  test('bench prints qemu-img\'s lines and writes the pattern', () => {
    ok(run('create', '-q', '-f', 'raw', 'b.raw', '1M'));
    const r = ok(run('bench', '-w', '-c', '300', '-d', '4', '-s', '512', '-S', '1024', '--pattern=7', '-f', 'raw', 'b.raw'));
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'Sending 300 write requests, 512 bytes each, 4 in parallel (starting at offset 0, step size 1024)');
    assert.match(lines[1] ?? '', /^Run completed in \d+\.\d{3} seconds\.$/);
    if (noQemuImg === undefined) ok(io(['-f', 'raw', '-c', 'read -P 7 0 512', '-c', 'read -P 0 512 512', 'b.raw']));
    assert.equal(run('bench', '-t', 'bogus', 'b.raw').stderr, 'tkvm img: Invalid cache mode\n');
  });

  test('-p draws no progress bar when stdout is not a terminal', () => {
    ok(run('create', '-q', '-f', 'raw', 'p.raw', '1M'));
    assert.equal(ok(run('convert', '-p', '-O', 'qcow', 'p.raw', 'p.qcow')).stdout, '');
  });

  test('-p draws qemu-img\'s percentage on a terminal', { skip: tool('script', ['--version'], '.').status === 0 ? false : 'no script(1) for a pty' }, () => {
    ok(run('create', '-q', '-f', 'raw', 'pt.raw', '4M'));
    ok(io(['-f', 'raw', '-c', 'write -P 3 1M 1M', 'pt.raw']));
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} img convert -p -O qcow pt.raw pt.qcow`;
    const r = ok(tool('script', ['-qec', cmd, '/dev/null'], t.dir));
    const frames = r.stdout.split('\r').map((f) => f.trim()).filter((f) => f !== '');
    assert.equal(frames[0], '(0.00/100%)');
    assert.equal(frames[frames.length - 1], '(100.00/100%)');
  });

  test('convert -n writes into an existing image, zeroing what the source does not hold', { skip: noQemuImg }, () => {
    ok(run('create', '-q', '-f', 'raw', 'n-src.raw', '2M'));
    ok(io(['-f', 'raw', '-c', 'write -P 8 0 64k', 'n-src.raw']));
    ok(run('create', '-q', '-f', 'qcow', 'n-dst.qcow', '2M'));
    ok(io(['-f', 'qcow', '-c', 'write -P 9 1M 64k', 'n-dst.qcow']));
    ok(run('convert', '-n', '-O', 'qcow', 'n-src.raw', 'n-dst.qcow'));
    ok(io(['-f', 'qcow', '-c', 'read -P 8 0 64k', '-c', 'read -P 0 1M 64k', 'n-dst.qcow']));
    assert.match(run('convert', '-n', '-o', 'size=1M', 'n-src.raw', 'n-dst.qcow').stderr, /-o has no effect when skipping image creation/);
  });

  test('a probed raw image opened for writing gets qemu\'s warning; -f raw silences it', () => {
    ok(run('create', '-q', '-f', 'raw', 'w.raw', '1M'));
    const r = ok(run('resize', 'w.raw', '2M'));
    assert.equal(r.stderr, "WARNING: Image format was not specified for 'w.raw' and probing guessed raw.\n" +
      '         Automatically detecting the format is dangerous for raw images, write operations on block 0 will be restricted.\n' +
      "         Specify the 'raw' format explicitly to remove the restrictions.\n");
    assert.equal(ok(run('resize', '-f', 'raw', 'w.raw', '3M')).stderr, '');
  });
});
