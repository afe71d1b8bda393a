import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeEngines, type Availability, type EngineId } from './engines.js';
import { DEFAULTS } from './options.js';
import { buildReport } from './report.js';
import { judge, type ConfigResult, type TimedRun } from './runner.js';
import { chartSvg } from './svg.js';
import { formatTable } from './table.js';
import { piSize } from './workloads.js';

const engines = makeEngines({ qemu: '/nonexistent/qemu-system-x86_64' });
const size = piSize(200000);
const result = (id: EngineId, times: number[]): ConfigResult => ({ config: { size, engine: engines[id] }, status: 'ok', samples: { time: times }, wall: times.map((t) => t + 0.5) });

function report() {
  const availability = new Map<EngineId, Availability>([
    ['native', { status: 'ok' }], ['tkvm', { status: 'ok' }],
    ['qemu-kvm', { status: 'not installed', detail: 'qemu-system-x86_64 not found' }],
    ['qemu-tcg', { status: 'not installed', detail: 'qemu-system-x86_64 not found' }],
    ['tkvm-emu', { status: 'not available yet', detail: 'the software CPU is not built yet' }],
  ]);
  return buildReport({
    argv: ['--reps', '3'], options: { ...DEFAULTS, reps: 3 }, engines: Object.values(engines), availability,
    results: [result('native', [2.0, 2.2, 2.1]), result('tkvm', [2.1, 2.4, 2.2])], loadavg: [1, 1, 1], date: new Date('2026-11-29T07:00:00Z'),
  });
}

describe('bench report', () => {
  it('compares medians with native at the same size (speed: native time / engine time)', () => {
    const r = report();
    const tkvm = r.results.find((x) => x.engine === 'tkvm')!;
    assert.deepEqual([tkvm.metrics[0]!.min, tkvm.metrics[0]!.median, tkvm.metrics[0]!.max], [2.1, 2.2, 2.4]);
    assert.ok(Math.abs(tkvm.metrics[0]!.vsNative! - 2.1 / 2.2) < 1e-12);
    assert.equal(r.results.find((x) => x.engine === 'native')!.metrics[0]!.vsNative, 1);
    assert.ok(Math.abs(r.headline.tkvmVsNative.pi! - 2.1 / 2.2) < 1e-12);
    assert.equal(r.headline.tkvmVsQemuKvm.pi, null);
  });

  it('lists engines without figures with their reason', () => {
    const r = report();
    assert.deepEqual(r.engines.map((e) => [e.id, e.status]), [['native', 'ok'], ['tkvm', 'ok'], ['qemu-kvm', 'not installed'], ['qemu-tcg', 'not installed'], ['tkvm-emu', 'not available yet']]);
    const text = formatTable(r);
    assert.match(text, /QEMU \(KVM\) .*not installed: qemu-system-x86_64 not found/);
    assert.match(text, /tkvm \(emu\) .*not available yet/);
    assert.match(text, /tkvm \(KVM\) +200000 digits +2\.200 +2\.100 +2\.400 +2\.70 s +95\.5%/);
  });

  it('draws one bar per measured engine and names the others', () => {
    const svg = chartSvg(report(), 'pi');
    assert.equal((svg.match(/<rect class="bar" data-engine="native"/g) ?? []).length, 1);
    assert.equal((svg.match(/<rect class="bar" data-engine="tkvm"/g) ?? []).length, 1);
    assert.doesNotMatch(svg, /data-engine="qemu-kvm"/);
    assert.match(svg, />QEMU \(KVM\)<\/text><text [^>]*>not installed</);
  });
});

describe('judging a run', () => {
  const run = (stdout: string, status = 1): TimedRun => ({ status, signal: null, stdout, stderr: '', wallS: 1 });
  const pi = (verdict: string, hash = '0x1') => `pi: last digits 123\npi: fnv1a64 ${hash} (9 AGM iterations)\npi: ${verdict}\npi: 200000 digits in 1.500 s\n`;
  const guest = { size, engine: engines.tkvm };

  it('fails a WRONG result and names the engine', () => {
    const v = judge(guest, run(pi('WRONG'), 3), undefined);
    assert.equal(v.status, 'wrong');
    assert.match(v.detail!, /pi result WRONG under tkvm \(KVM\)/);
  });

  it('checks unchecked lengths against the native digits', () => {
    assert.equal(judge(guest, run(pi('UNCHECKED')), '200000 digits, last 123, fnv1a64 0x1').status, 'ok');
    const v = judge(guest, run(pi('UNCHECKED', '0x2')), '200000 digits, last 123, fnv1a64 0x1');
    assert.equal(v.status, 'wrong');
    assert.match(v.detail!, /native computed/);
  });

  it('reports a crash with its exit status and last line', () => {
    const v = judge(guest, run('EXCEPTION: vector 6 #UD error 0x0 rip 0x1002bf\r\n', 127), undefined);
    assert.equal(v.status, 'failed');
    assert.match(v.detail!, /exit status 127: EXCEPTION: vector 6 #UD/);
  });
});
