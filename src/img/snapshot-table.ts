/** The snapshot table qemu prints for `snapshot -l` and `info` (bdrv_snapshot_dump's columns). */

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Formats snapshots (qemu's JSON form) as the header line plus one line per snapshot. */
export function snapshotTable(snaps: readonly Record<string, unknown>[]): string[] {
  const row = (id: string, tag: string, size: string, date: string, clock: string, icount: string): string =>
    `${id.padEnd(9)} ${tag.padEnd(17)} ${size.padStart(7)}${date.padStart(20)}${clock.padStart(13)}${icount.padStart(11)}`;
  const lines = [row('ID', 'TAG', 'VM SIZE', 'DATE', 'VM CLOCK', 'ICOUNT')];
  for (const s of snaps) {
    const d = new Date((s['date-sec'] as number) * 1000);
    const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
      `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
    const secs = s['vm-clock-sec'] as number;
    const ms = Math.floor((s['vm-clock-nsec'] as number) / 1e6);
    const clock = `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}.` +
      String(ms).padStart(3, '0');
    const size = s['vm-state-size'] as number;
    lines.push(row(String(s.id), String(s.name), size === 0 ? '0 B' : humanSizeShort(size), date, clock,
      s.icount === undefined ? '' : String(s.icount)));
  }
  return lines;
}

function humanSizeShort(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toPrecision(3))} ${units[i]}`;
}
