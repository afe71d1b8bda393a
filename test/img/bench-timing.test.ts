import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBashTimes, runTimed } from '../../bench/img/timed-run.js';

test('parseBashTimes reads the children line of bash times, minutes included', () => {
  assert.deepEqual(parseBashTimes('0m0.003s 0m0.001s\n1m2.500s 0m0.250s\n'), { user: 62.5, sys: 0.25 });
  assert.throws(() => parseBashTimes('0m0.003s 0m0.001s\n'), /unexpected output/);
  assert.throws(() => parseBashTimes(''), /unexpected output/);
});

test('runTimed reports status, stderr and the CPU time the command used', () => {
  // Spins until it has used 300 ms of user CPU (a loaded machine stretches the wall time instead).
  const busy = runTimed(process.execPath, ['-e', 'while (process.cpuUsage().user < 300000);'], '.', false);
  assert.equal(busy.status, 0);
  assert.ok(busy.user >= 0.29, `user ${busy.user}`);
  assert.ok(busy.real >= busy.user * 0.9 && busy.real < 60, `real ${busy.real}`);
  const bad = runTimed(process.execPath, ['-e', 'process.stderr.write("no"); process.exit(3)'], '.', false);
  assert.equal(bad.status, 3);
  assert.equal(bad.stderr, 'no');
});
