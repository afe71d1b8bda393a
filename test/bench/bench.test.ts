// `tkvm bench` and `tkvm demo` end to end, as a user runs them: the workloads compute the right
// digits natively, under tkvm and under QEMU with the same command line; the quick benchmark
// writes a table, JSON and SVG charts; missing engines become "not installed" rows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, TKVM, kvmUnusableReason, runProcess, which } from '../helpers/process.js';
import { xmlProblem } from './xml.js';

const gccMissing = which('gcc') === undefined ? 'gcc is not installed (the workloads are built with it)' : undefined;
const kvmMissing = gccMissing ?? kvmUnusableReason();
const qemuMissing = kvmMissing ?? (which('qemu-system-x86_64') === undefined ? 'qemu-system-x86_64 is not installed' : undefined);
const vmArgs = (append: string) => ['-m', '256', '-nographic', '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
  '-kernel', join(REPO_ROOT, 'build/guests/pi.elf'), '-append', append];
const PI_1000 = [/^pi: 3\.14159265358979323846\.\.\.$/m, /^pi: last digits 2164201989$/m, /^pi: fnv1a64 0x511d37c4f954c20f /m, /^pi: OK$/m, /^pi: 1000 digits in \d+\.\d{3} s$/m];

let out = '';
before(() => {
  out = mkdtempSync(join(tmpdir(), 'tkvm-bench-'));
  if (!gccMissing) {
    const b = spawnSync('bash', [join(REPO_ROOT, 'scripts/build-guests.sh')], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
  }
});
after(() => rmSync(out, { recursive: true, force: true }));

describe('pi digits', () => {
  it('native pi computes 1000 and 10000 digits that match its references', { skip: gccMissing }, async () => {
    for (const n of ['1000', '10000']) {
      const r = await runProcess(join(REPO_ROOT, 'build/native/pi'), [n]);
      assert.equal(r.status, 0, r.stdout);
      assert.match(r.stdout, /^pi: OK$/m);
    }
    const r = await runProcess(join(REPO_ROOT, 'build/native/pi'), ['1000']);
    for (const re of PI_1000) assert.match(r.stdout, re);
  });

  it('the pi guest under tkvm/KVM says pi: OK', { skip: kvmMissing }, async () => {
    const r = await runProcess(TKVM, ['-enable-kvm', ...vmArgs('digits=1000')]);
    assert.equal(r.status, 1, `status ${r.status}\n${r.stdout}${r.stderr}`);
    for (const re of PI_1000) assert.match(r.stdout.replace(/\r/g, ''), re);
  });

  it('the same guest binary and command line run under QEMU/KVM', { skip: qemuMissing }, async () => {
    const r = await runProcess('qemu-system-x86_64', ['-enable-kvm', ...vmArgs('digits=1000')]);
    assert.equal(r.status, 1, `status ${r.status}\n${r.stderr}`);
    for (const re of PI_1000) assert.match(r.stdout.replace(/\r/g, ''), re);
  });
});

interface Json {
  engines: Array<{ id: string; status: string; detail?: string }>;
  results: Array<{ workload: string; engine: string; status: string; metrics: Array<{ name: string; median: number; min: number; max: number; n: number; vsNative: number | null }> }>;
  headline: { tkvmVsNative: Record<string, number | null> };
}

describe('tkvm bench', () => {
  it('--quick writes the table, bench.json and a chart with a bar per engine', { skip: kvmMissing }, async () => {
    const dir = join(out, 'quick');
    const r = await runProcess(TKVM, ['bench', '--quick', '--out', dir]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Super PI .*seconds/m);
    assert.match(r.stdout, /^ +tkvm \(KVM\) +10000 digits +\d+\.\d{3} /m);
    assert.match(r.stdout, /^ +native +3 x 16 MiB, 2 passes +\d+ /m);
    assert.match(r.stdout, /^tkvm \(KVM\) vs native: +pi \d+\.\d%/m);
    assert.equal(r.stderr.includes('\r'), false, 'no progress display in a pipe');

    const j = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8')) as Json;
    assert.deepEqual(j.engines.map((e) => e.id), ['native', 'tkvm', 'qemu-kvm', 'qemu-tcg', 'tkvm-emu']);
    for (const e of j.engines) assert.ok(['ok', 'not installed', 'not available yet', 'unavailable'].includes(e.status), `${e.id}: ${e.status} ${e.detail ?? ''}`);
    assert.equal(j.engines.find((e) => e.id === 'tkvm')!.status, 'ok');
    const ok = j.engines.filter((e) => e.status === 'ok').map((e) => e.id);
    for (const row of j.results) {
      assert.equal(row.status, 'ok', `${row.engine} ${row.workload}`);
      for (const m of row.metrics) {
        assert.ok(m.min <= m.median && m.median <= m.max && m.n === 1, `${row.engine} ${m.name}`);
        if (row.engine === 'native') assert.equal(m.vsNative, 1);
        // Speed relative to native: positive, and a VM cannot be many times faster than the host (an inverted ratio would put TCG far above this).
        else assert.ok(m.vsNative !== null && m.vsNative > 0 && m.vsNative < 10, `${row.engine} ${row.workload} ${m.name}: ${m.vsNative}`);
      }
    }
    assert.ok(j.headline.tkvmVsNative.pi! > 0);

    for (const w of ['pi', 'membw']) {
      const svg = readFileSync(join(dir, `${w}.svg`), 'utf8');
      assert.equal(xmlProblem(svg), undefined, `${w}.svg is not well-formed`);
      for (const id of ok) assert.match(svg, new RegExp(`<rect class="bar" data-engine="${id}"`), `${w}.svg has no bar for ${id}`);
    }
  });

  it('lists engines that are not installed, and measures the rest', { skip: gccMissing }, async () => {
    const dir = join(out, 'missing');
    const r = await runProcess(TKVM, ['bench', '--quick', '--engines', 'native,qemu-kvm,qemu-tcg', '--qemu', '/nonexistent/qemu-system-x86_64', '--out', dir]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ +QEMU \(KVM\) .* not installed: \/nonexistent\/qemu-system-x86_64 not found/m);
    assert.match(r.stdout, /^ +QEMU \(TCG\) .* not installed/m);
    const j = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8')) as Json;
    const status = Object.fromEntries(j.engines.map((e) => [e.id, e.status]));
    assert.deepEqual(status, { native: 'ok', tkvm: 'not selected', 'qemu-kvm': 'not installed', 'qemu-tcg': 'not installed', 'tkvm-emu': 'not selected' });
    assert.deepEqual([...new Set(j.results.map((x) => x.engine))], ['native']);
    assert.match(readFileSync(join(dir, 'pi.svg'), 'utf8'), />QEMU \(KVM\)<\/text><text [^>]*>not installed</);
  });

  it('fails with status 1 and names the engine when an engine computes wrong digits', { skip: gccMissing }, async () => {
    // A stand-in "QEMU" that prints a wrong pi result the way the guest would (exit code 1 -> status 3).
    const fake = join(out, 'fake-qemu');
    writeFileSync(fake, '#!/bin/sh\nprintf "pi: last digits 0000000000\\r\\npi: fnv1a64 0x1 (1 AGM iterations)\\r\\npi: WRONG\\r\\npi: 1000 digits in 0.010 s\\r\\n"\nexit 3\n', { mode: 0o755 });
    const r = await runProcess(TKVM, ['bench', '--quick', '--engines', 'qemu-tcg', '--qemu', fake, '--out', join(out, 'wrong')]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /pi result WRONG under QEMU \(TCG\) \(1000 digits\)/);
    assert.match(r.stderr, /^tkvm: wrong result under QEMU \(TCG\)$/m);
    assert.match(r.stdout, /^ +QEMU \(TCG\) +1000 digits .* wrong: /m);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  });

  for (const argv of [['bench', '--digits', 'many'], ['bench', '--engines', 'vmware'], ['bench', '--out'], ['bench', '--quick', '--engines', 'native', '--out', '/proc/no/such/dir'], ['demo', '--digits', '5']]) {
    it(`tkvm ${argv.join(' ')} fails with one line and status 1`, async () => {
      const r = await runProcess(TKVM, argv);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^tkvm: [^\n]+\n$/);
    });
  }
});

describe('tkvm demo', () => {
  it('boots pi under tkvm, streams it, then compares with native', { skip: kvmMissing }, async () => {
    const r = await runProcess(TKVM, ['demo', '--digits', '10000']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const text = r.stdout.replace(/\r/g, '');
    assert.match(text, /^pi: 10000 digits in \d+\.\d{3} s$/m);
    assert.equal(text.match(/^pi: OK$/gm)?.length, 2, 'guest and native both checked');
    assert.match(text, /^pi, 10000 digits +\d+\.\d{3} s +\d+\.\d{3} s$/m);
    assert.match(text, /tkvm on KVM ran pi at \d+\.\d% of native speed/);
  });
});

// A user without access to /dev/kvm: run as 'nobody' (root only can switch users here).
const asNobody = process.getuid?.() !== 0 ? 'needs root to run a command as nobody' : which('runuser') === undefined ? 'runuser is not installed' : kvmMissing;

describe('without access to /dev/kvm', { skip: asNobody }, () => {
  it('tkvm demo says why, then runs the guest on the software CPU instead', async () => {
    const r = await runProcess('runuser', ['-u', 'nobody', '--', TKVM, 'demo']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const text = r.stdout.replace(/\r/g, '');
    assert.match(text, /^demo: \/dev\/kvm is not usable here: no permission to open \/dev\/kvm: add your user to the 'kvm' group/m);
    assert.match(text, /^demo: running the demo on tkvm's software CPU instead \(-accel emu/m);
    assert.match(text, /^demo: \$ .*tkvm -accel emu .*guests32\/pi\.elf/m);
    assert.equal(text.match(/^pi: OK$/gm)?.length, 2, 'guest and native both checked');
    assert.match(text, /^pi, 1000 digits +\d+\.\d{3} s +\d+\.\d{3} s$/m);
    assert.match(text, /tkvm on its software CPU ran pi (at \d+\.\d% of native speed|\d+ times slower than native)/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  });

  it('tkvm bench lists the KVM engines as unavailable and still measures native', async () => {
    const dir = join(out, 'nobody');
    chmodSync(out, 0o711); // mkdtemp made it root-only
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const r = await runProcess('runuser', ['-u', 'nobody', '--', TKVM, 'bench', '--quick', '--engines', 'tkvm,qemu-kvm', '--out', dir], { cwd: '/' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ +tkvm \(KVM\) .* unavailable: no permission to open \/dev\/kvm/m);
    const j = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8')) as Json;
    assert.deepEqual(j.engines.map((e) => e.status), ['ok', 'unavailable', 'unavailable', 'not selected', 'not selected']);
  });
});
