/** `tkvm img snapshot [-U] [-q] [-l | -a snapshot | -c snapshot | -d snapshot] filename`. */
import { BlockError } from '../../block/driver.js';
import { oneFilename, openForCli, out } from '../common.js';
import { ImgUsageError } from '../errors.js';
import { getopt } from '../getopt.js';
import { snapshotTable } from '../snapshot-table.js';
import { snapshotJson } from './info.js';

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs `snapshot`. */
export async function snapshotCommand(argv: string[]): Promise<number> {
  const { options, positional } = getopt(argv, ':la:c:d:hqU', [
    { name: 'help', hasArg: false }, { name: 'object', hasArg: true }, { name: 'image-opts', hasArg: false },
    { name: 'force-share', hasArg: false },
  ]);
  let action: { op: 'l' | 'a' | 'c' | 'd'; name: string } | undefined;
  let forceShare = false;
  for (const o of options) {
    if (o.name === 'l' || o.name === 'a' || o.name === 'c' || o.name === 'd') {
      if (action !== undefined) throw new ImgUsageError("Cannot mix '-l', '-a', '-c', '-d'", true);
      action = { op: o.name, name: o.value ?? '' };
    } else if (o.name === 'U' || o.name === 'force-share') {
      forceShare = true;
    }
  }
  const filename = oneFilename(positional);
  const op = action?.op ?? 'l';
  const name = action?.name ?? '';
  const img = await openForCli(filename, { readOnly: op === 'l', forceShare: op === 'l' && forceShare });
  const d = img.driver;
  try {
    const unsupported = (what: string): never => {
      throw new BlockError('unsupported-feature', `Could not ${what} snapshot '${name}': -95 (Operation not supported)`, {});
    };
    switch (op) {
      case 'l': {
        const snaps = d.listSnapshots !== undefined ? await d.listSnapshots() : [];
        if (snaps.length > 0) out(['Snapshot list:', ...snapshotTable(snaps.map(snapshotJson))].join('\n') + '\n');
        break;
      }
      case 'c':
        if (d.createSnapshot === undefined) unsupported('create');
        await d.createSnapshot!(name).catch((e: unknown) => {
          throw new BlockError('io', `Could not create snapshot '${name}': ${reason(e)}`, {}, e);
        });
        break;
      case 'a':
        if (d.applySnapshot === undefined) unsupported('apply');
        await d.applySnapshot!(name).catch((e: unknown) => {
          throw new BlockError('io', `Could not apply snapshot '${name}': ${reason(e)}`, {}, e);
        });
        break;
      case 'd':
        if (d.deleteSnapshot === undefined) unsupported('delete');
        await d.deleteSnapshot!(name).catch((e: unknown) => {
          throw new BlockError('io', `Could not delete snapshot '${name}': ${reason(e)}`, {}, e);
        });
        break;
    }
    return 0;
  } finally {
    await d.close();
  }
}
