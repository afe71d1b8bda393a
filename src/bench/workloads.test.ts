import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkloadOutputError, parseMembw, parsePi } from './workloads.js';

// What the guest prints under QEMU: firmware noise, CRLF line ends.
const PI_OK = '\x1bc\x1b[?7lSeaBIOS (version 1.16)\r\nBooting from ROM..\r\npi: computing 10000 digits\r\npi: 3.14159265358979323846...\r\n' +
  'pi: last digits 5256375678\r\npi: fnv1a64 0xec7b9ca0dd41a929 (13 AGM iterations)\r\npi: OK\r\npi: 10000 digits in 0.119 s\r\n';

describe('workload output parsers', () => {
  it('reads pi time, verdict and fingerprint through firmware noise and CRLF', () => {
    const o = parsePi(PI_OK);
    assert.equal(o.metrics.time, 0.119);
    assert.equal(o.verified, true);
    assert.equal(o.fingerprint, '10000 digits, last 5256375678, fnv1a64 0xec7b9ca0dd41a929');
  });

  it('reports WRONG and UNCHECKED as false and undefined', () => {
    assert.equal(parsePi(PI_OK.replace('pi: OK', 'pi: WRONG')).verified, false);
    assert.equal(parsePi(PI_OK.replace('pi: OK', 'pi: UNCHECKED (no reference for this length)')).verified, undefined);
  });

  it('rejects pi output without a timing or a verdict line', () => {
    assert.throws(() => parsePi(PI_OK.replace(/pi: 10000 digits in.*/, '')), WorkloadOutputError);
    assert.throws(() => parsePi('EXCEPTION: vector 6 #UD\r\n'), WorkloadOutputError);
  });

  it('reads the four membw kernels and the validity line', () => {
    const text = 'membw: 3 arrays x 16 MiB, best of 2 passes\nmembw: copy  9424 MB/s\nmembw: scale 6154 MB/s\nmembw: add   11696 MB/s\nmembw: triad 9350 MB/s\nmembw: results valid\n';
    const o = parseMembw(text);
    assert.deepEqual(o.metrics, { copy: 9424, scale: 6154, add: 11696, triad: 9350 });
    assert.equal(o.verified, true);
    assert.equal(parseMembw(text.replace('valid', 'WRONG')).verified, false);
    assert.throws(() => parseMembw(text.replace(/.*triad.*\n/, '')), /no triad line/);
  });
});
