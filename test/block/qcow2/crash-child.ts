/**
 * Child process of crash.test.ts: performs the shared workload on an image until it is killed.
 * Before step i it prints "B i"; after a flush that followed step i-1 completes it prints "F i"
 * (every step < i is then durable). stdout is a pipe, which Node writes synchronously on Linux.
 */
import { writeSync } from 'node:fs';
import { Qcow2Driver } from '../../../src/block/formats/qcow2/index.js';
import { steps } from './crash-workload.js';

const [path, seedArg, sizeArg, csArg, snapArg] = process.argv.slice(2);
const d = await Qcow2Driver.open(path ?? '', { readOnly: false });
let i = 0;
let created = 0;
const names: string[] = [];
for (const s of steps(Number(seedArg), Number(sizeArg), Number(csArg), snapArg === '1')) {
  writeSync(1, `B ${i}\n`);
  if (s.kind === 'write') await d.write(s.off, s.data);
  else if (s.kind === 'zero') await d.writeZeroes(s.off, s.len);
  else if (s.kind === 'snap') {
    if (s.del) await d.deleteSnapshot(names.shift() ?? '');
    else {
      const name = `s${created++}`;
      await d.createSnapshot(name);
      names.push(name);
    }
  } else {
    await d.flush();
    writeSync(1, `F ${i}\n`);
  }
  i++;
  if (i > 200000) break;
}
await d.close();
