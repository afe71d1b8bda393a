/** `tkvm img info [-f fmt] [--output=ofmt] [--backing-chain] [-U] filename`. */
import { resolveBackingPath } from '../../block/backing-path.js';
import type { SnapshotInfo } from '../../block/image-ops.js';
import { BlockError } from '../../block/driver.js';
import { realpath } from 'node:fs/promises';
import { oneFilename, openForCli, out, parseOutputFormat, toJson } from '../common.js';
import { getopt } from '../getopt.js';
import { humanSize } from '../size.js';
import { snapshotTable } from '../snapshot-table.js';

/** One image's facts in qemu-img's JSON key order (ImageInfo). */
export type ImageInfoJson = Record<string, unknown>;

/** Converts a snapshot to qemu's JSON form. */
export function snapshotJson(s: SnapshotInfo): Record<string, unknown> {
  return {
    ...(s.icount !== undefined ? { icount: Number(s.icount) } : {}),
    'vm-clock-nsec': Number(s.vmClockNsec % 1_000_000_000n),
    name: s.name,
    'date-sec': s.dateSec,
    'date-nsec': s.dateNsec,
    'vm-clock-sec': Number(s.vmClockNsec / 1_000_000_000n),
    id: s.id,
    'vm-state-size': s.vmStateSize,
  };
}

/** Spells keys the QAPI way ("lazyRefcounts" -> "lazy-refcounts"), whichever way a driver wrote them. */
export function qapiKeys(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) out[k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())] = v;
  return out;
}

/** Collects `info` for one image (opened without its backing chain, like qemu-img). */
export async function collectInfo(path: string, format: string | undefined, forceShare: boolean): Promise<ImageInfoJson> {
  const img = await openForCli(path, { format, readOnly: true, forceShare, openBacking: false });
  try {
    const info = await img.driver.getInfo();
    const snaps = img.driver.listSnapshots !== undefined ? await img.driver.listSnapshots() : [];
    const j: ImageInfoJson = {};
    if (snaps.length > 0) j.snapshots = snaps.map(snapshotJson);
    if (info.backingFormat !== undefined) j['backing-filename-format'] = info.backingFormat;
    j['virtual-size'] = info.virtualSize;
    j.filename = path;
    if (info.clusterSize !== undefined) j['cluster-size'] = info.clusterSize;
    j.format = info.format;
    j['actual-size'] = info.actualSize;
    if (info.formatSpecific !== undefined) {
      const fs = info.formatSpecific;
      j['format-specific'] = 'type' in fs && 'data' in fs ? fs : { type: info.format, data: qapiKeys(fs) };
    }
    if (info.backingFile !== undefined) {
      j['full-backing-filename'] = resolveBackingPath(path, info.backingFile);
      j['backing-filename'] = info.backingFile;
    }
    j['dirty-flag'] = false;
    return j;
  } finally {
    await img.driver.close();
  }
}

function humanValue(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

/** qemu-img's human-readable form of one image's info. */
export function humanInfo(j: ImageInfoJson): string {
  const lines = [
    `image: ${String(j.filename)}`,
    `file format: ${String(j.format)}`,
    `virtual size: ${humanSize(j['virtual-size'] as number)} (${String(j['virtual-size'])} bytes)`,
    `disk size: ${humanSize(j['actual-size'] as number)}`,
  ];
  if (j['cluster-size'] !== undefined) lines.push(`cluster_size: ${String(j['cluster-size'])}`);
  if (j['backing-filename'] !== undefined) {
    const b = String(j['backing-filename']);
    const full = String(j['full-backing-filename']);
    lines.push(`backing file: ${b}${full !== b ? ` (actual path: ${full})` : ''}`);
  }
  if (j['backing-filename-format'] !== undefined) lines.push(`backing file format: ${String(j['backing-filename-format'])}`);
  const snaps = j.snapshots as Record<string, unknown>[] | undefined;
  if (snaps !== undefined) lines.push('Snapshot list:', ...snapshotTable(snaps));
  const fs = j['format-specific'] as { data?: Record<string, unknown> } | undefined;
  if (fs?.data !== undefined) {
    lines.push('Format specific information:');
    for (const [k, v] of Object.entries(fs.data)) lines.push(`    ${k.replace(/-/g, ' ')}: ${humanValue(v)}`);
  }
  return lines.join('\n') + '\n';
}

/** Runs `info`. */
export async function infoCommand(argv: string[]): Promise<number> {
  const { options, positional } = getopt(argv, ':f:hU', [
    { name: 'help', hasArg: false }, { name: 'format', hasArg: true }, { name: 'output', hasArg: true },
    { name: 'backing-chain', hasArg: false }, { name: 'force-share', hasArg: false }, { name: 'object', hasArg: true },
    { name: 'image-opts', hasArg: false },
  ]);
  let format: string | undefined;
  let output: string | undefined;
  let chain = false;
  let forceShare = false;
  for (const o of options) {
    if (o.name === 'f' || o.name === 'format') format = o.value;
    else if (o.name === 'output') output = o.value;
    else if (o.name === 'backing-chain') chain = true;
    else if (o.name === 'U' || o.name === 'force-share') forceShare = true;
  }
  const mode = parseOutputFormat(output);
  const filename = oneFilename(positional);
  const infos: ImageInfoJson[] = [];
  const seen = new Set<string>();
  let path: string | undefined = filename;
  let fmt = format;
  while (path !== undefined) {
    const real = await realpath(path).catch(() => path as string);
    if (seen.has(real)) throw new BlockError('corrupt-image', `Backing file '${path}' creates an infinite loop.`, { path });
    seen.add(real);
    const j = await collectInfo(path, fmt, forceShare);
    infos.push(j);
    if (!chain) break;
    path = j['full-backing-filename'] as string | undefined;
    fmt = j['backing-filename-format'] as string | undefined;
  }
  if (mode === 'json') out(toJson(chain ? infos : infos[0]) + '\n');
  else out(infos.map(humanInfo).join('\n'));
  return 0;
}
