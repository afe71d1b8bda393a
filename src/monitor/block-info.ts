/**
 * query-block's BlockInfo objects and `info block`'s text, in QEMU 7.2's shapes (checked
 * against qemu-system-x86_64 -M pc with -hda and -cdrom): IDE drives carry io-status, CD-ROMs
 * tray_open, an inserted medium carries QEMU's throttling and cache fields with their defaults.
 */
import type { BlockDeviceState, BlockMedium } from './target.js';
import type { JsonObject } from './json-text.js';

/** The node name QEMU would show when the target gives none. */
function nodeName(dev: BlockDeviceState, medium: BlockMedium): string {
  return medium.nodeName ?? `#block-${dev.device}`;
}

/** One query-block entry. */
export function blockInfoJson(dev: BlockDeviceState): JsonObject {
  const info: JsonObject = { 'io-status': 'ok', device: dev.device, locked: dev.locked, removable: dev.removable };
  const m = dev.medium;
  if (m !== undefined) {
    const image: JsonObject = {
      'virtual-size': m.virtualSize,
      filename: m.file,
      format: m.format,
      'dirty-flag': m.dirty ?? false,
    };
    if (m.actualSize !== undefined) image['actual-size'] = m.actualSize;
    if (m.backingFile !== undefined) image['backing-filename'] = m.backingFile;
    const inserted: JsonObject = {
      iops_rd: 0,
      detect_zeroes: 'off',
      image,
      iops_wr: 0,
      ro: m.readOnly,
      'node-name': nodeName(dev, m),
      backing_file_depth: m.backingDepth ?? 0,
      drv: m.format,
      iops: 0,
      bps_wr: 0,
      write_threshold: 0,
      encrypted: false,
      bps: 0,
      bps_rd: 0,
      cache: { 'no-flush': false, direct: false, writeback: true },
      file: m.file,
    };
    if (m.backingFile !== undefined) inserted.backing_file = m.backingFile;
    info.inserted = inserted;
  }
  info.qdev = dev.qdev;
  if (dev.removable) info.tray_open = dev.trayOpen ?? false;
  info.type = 'unknown';
  return info;
}

/** `info block [device]`: lines without line ends (the monitor adds them). */
export function infoBlockLines(devices: readonly BlockDeviceState[], only?: string): string[] {
  const lines: string[] = [];
  devices.forEach((dev, index) => {
    if (only !== undefined && dev.device !== only) return;
    if (index > 0) lines.push('');
    const m = dev.medium;
    if (m !== undefined) {
      lines.push(`${dev.device} (${nodeName(dev, m)}): ${m.file} (${m.format}${m.readOnly ? ', read-only' : ''})`);
    } else {
      lines.push(`${dev.device}: [not inserted]`);
    }
    lines.push(`    Attached to:      ${dev.qdev}`);
    if (dev.removable) {
      lines.push(`    Removable device: ${dev.locked ? 'locked' : 'not locked'}, tray ${dev.trayOpen === true ? 'open' : 'closed'}`);
    }
    if (m !== undefined) {
      lines.push('    Cache mode:       writeback');
      if (m.backingFile !== undefined) lines.push(`    Backing file:     ${m.backingFile} (chain depth: ${m.backingDepth ?? 1})`);
    }
  });
  return lines;
}
