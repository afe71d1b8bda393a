import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSmp } from './options-smp.js';

test('QEMU 7.2 topology arithmetic (cores preferred over sockets)', () => {
  assert.deepEqual(parseSmp('4'), { cpus: 4, maxCpus: 4, sockets: 1, dies: 1, cores: 4, threads: 1 });
  assert.deepEqual(parseSmp('cpus=4,sockets=2'), { cpus: 4, maxCpus: 4, sockets: 2, dies: 1, cores: 2, threads: 1 });
  assert.deepEqual(parseSmp('sockets=2,cores=2'), { cpus: 4, maxCpus: 4, sockets: 2, dies: 1, cores: 2, threads: 1 });
  assert.deepEqual(parseSmp('8,cores=2,threads=2'), { cpus: 8, maxCpus: 8, sockets: 2, dies: 1, cores: 2, threads: 2 });
  assert.deepEqual(parseSmp('2,maxcpus=4'), { cpus: 2, maxCpus: 4, sockets: 1, dies: 1, cores: 4, threads: 1 });
  assert.deepEqual(parseSmp('2,dies=2'), { cpus: 2, maxCpus: 2, sockets: 1, dies: 2, cores: 1, threads: 1 });
});

test('inconsistent topologies fail with QEMU\'s message', () => {
  assert.throws(() => parseSmp('cpus=3,sockets=2'), {
    message:
      '-smp cpus=3,sockets=2: Invalid CPU topology: product of the hierarchy must match maxcpus: sockets (2) * dies (1) * cores (1) * threads (1) != maxcpus (3)',
  });
  assert.throws(() => parseSmp('2,maxcpus=1'), {
    message:
      '-smp 2,maxcpus=1: Invalid CPU topology: maxcpus must be equal to or greater than smp: sockets (1) * dies (1) * cores (1) * threads (1) == maxcpus (1) < smp_cpus (2)',
  });
});

test('limits, zeros, junk and clusters', () => {
  assert.equal(parseSmp('255').cpus, 255);
  assert.throws(() => parseSmp('300'), { message: "-smp 300: Invalid SMP CPUs 300. The max CPUs supported by machine 'pc' is 255" });
  assert.throws(() => parseSmp('0'), /-smp 0: CPU topology parameters must be greater than zero \('cpus=0'\)/);
  assert.throws(() => parseSmp('two'), { message: "-smp two: Parameter 'cpus' expects a number" });
  assert.throws(() => parseSmp('2,clusters=2'), { message: "-smp 2,clusters=2: clusters not supported by this machine's CPU topology" });
  assert.throws(() => parseSmp('2,foo=1'), { message: "-smp 2,foo=1: Invalid parameter 'foo'" });
});
