/**
 * Disks and firmware: -hda..-hdd, -cdrom, -drive, -snapshot, -boot, -bios. Mirrors QEMU 7.2's
 * pc machine (if=ide): index = bus * 2 + unit over two IDE channels (indexes 0..3); -hda..-hdd
 * are indexes 0..3 as disks, -cdrom is index 2 as a CD-ROM; a -drive without index takes the
 * first free one. Files are checked here (exist, readable, writable unless read-only or
 * snapshot) so a typo fails before the machine starts, with QEMU's "Could not open" wording.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { errnoWords } from '../chardev/errors.js';
import type { DriveSpec } from './config.js';
import { CliError, where } from './options-error.js';
import { parseBool, parseKeyValues, parseUint } from './options-kv.js';

/** Image formats tkvm's block layer implements (names as qemu-img spells them). */
export const SUPPORTED_FORMATS = ['raw', 'qcow2', 'qcow'] as const;

/** Formats QEMU knows that tkvm does not implement yet: "not supported yet", not "unknown". */
const QEMU_ONLY_FORMATS = ['vmdk', 'vdi', 'vpc', 'vhdx', 'qed', 'luks', 'dmg', 'parallels', 'bochs', 'cloop', 'vvfat'];

/** IDE slots on the pc machine: two channels, master and slave. */
const IDE_SLOTS = 4;

/** A drive as parsed, before -snapshot (which may come later on the line) is applied. */
export interface PendingDrive {
  readonly spec: DriveSpec;
  readonly loc: string;
}

const DRIVE_KEYS = ['file', 'if', 'index', 'bus', 'unit', 'media', 'format', 'readonly', 'snapshot', 'id', 'cache', 'aio', 'discard'];
/** QEMU -drive keys tkvm recognises but cannot honour yet. */
const DRIVE_UNSUPPORTED = ['werror', 'rerror', 'copy-on-read', 'detect-zeroes', 'serial', 'addr', 'boot', 'cyls', 'heads', 'secs', 'trans', 'throttling.iops-total', 'throttling.bps-total'];

/** -hda/-hdb/-hdc/-hdd FILE and -cdrom FILE as QEMU expands them into -drive. */
export function parseShorthandDrive(option: string, file: string, taken: readonly DriveSpec[]): PendingDrive {
  const loc = where(option, file);
  const cdrom = option === '-cdrom';
  const index = cdrom ? 2 : ['-hda', '-hdb', '-hdc', '-hdd'].indexOf(option);
  checkFree(index, taken, loc);
  return { loc, spec: { file, media: cdrom ? 'cdrom' : 'disk', index, readOnly: cdrom, snapshot: false } };
}

/** -drive key=value,... for if=ide. */
export function parseDrive(arg: string, taken: readonly DriveSpec[]): PendingDrive {
  const loc = where('-drive', arg);
  const kv = parseKeyValues(arg, loc, undefined, [...DRIVE_KEYS, ...DRIVE_UNSUPPORTED]);
  for (const key of DRIVE_UNSUPPORTED) {
    if (kv.has(key)) throw new CliError(`${loc}: drive option '${key}' is not supported yet`, { key });
  }
  const iface = kv.get('if') ?? 'ide';
  if (iface !== 'ide') {
    const known = ['none', 'scsi', 'floppy', 'pflash', 'mtd', 'sd', 'virtio', 'xen'].includes(iface);
    throw new CliError(known ? `${loc}: if=${iface} is not supported yet (tkvm has if=ide)` : `${loc}: unsupported bus type '${iface}'`);
  }
  const media = kv.get('media') ?? 'disk';
  if (media !== 'disk' && media !== 'cdrom') throw new CliError(`${loc}: '${media}' invalid media`);
  const format = kv.get('format');
  if (format !== undefined) checkFormat(format, loc);
  const index = pickIndex(kv, taken, loc);
  const file = kv.get('file');
  if (file === undefined || file === '') {
    throw new CliError(`${loc}: a drive needs file=PATH (empty CD-ROM drives are not supported yet)`);
  }
  checkChoice(kv.get('cache'), 'cache', ['none', 'writeback', 'writethrough', 'directsync', 'unsafe'], loc);
  checkChoice(kv.get('aio'), 'aio', ['threads', 'native', 'io_uring'], loc);
  checkChoice(kv.get('discard'), 'discard', ['ignore', 'off', 'unmap', 'on'], loc);
  const ro = kv.get('readonly');
  const snap = kv.get('snapshot');
  const spec: DriveSpec = {
    file,
    media,
    index,
    // A CD-ROM is always read-only, as in QEMU.
    readOnly: media === 'cdrom' || (ro !== undefined && parseBool(ro, 'readonly', loc)),
    snapshot: snap !== undefined && parseBool(snap, 'snapshot', loc),
    ...(format !== undefined ? { format } : {}),
  };
  return { loc, spec };
}

/** Applies the global -snapshot flag and checks every drive's file; returns the final list. */
export function finishDrives(pending: readonly PendingDrive[], globalSnapshot: boolean): DriveSpec[] {
  return pending.map(({ spec, loc }) => {
    const final: DriveSpec = globalSnapshot ? { ...spec, snapshot: true } : spec;
    checkImageFile(final.file, !final.readOnly && !final.snapshot, loc);
    return final;
  });
}

function pickIndex(kv: Map<string, string>, taken: readonly DriveSpec[], loc: string): number {
  const num = (key: string): number | undefined => {
    const text = kv.get(key);
    if (text === undefined) return undefined;
    const n = parseUint(text);
    if (n === undefined) throw new CliError(`${loc}: Parameter '${key}' expects a number`, { key });
    return n;
  };
  const index = num('index');
  const bus = num('bus');
  const unit = num('unit');
  let chosen: number;
  if (index !== undefined) {
    if (bus !== undefined || unit !== undefined) throw new CliError(`${loc}: index cannot be used with bus and unit`);
    chosen = index;
  } else if (bus !== undefined || unit !== undefined) {
    const u = unit ?? 0;
    if (u >= 2) throw new CliError(`${loc}: unit ${u} too big (max is 1)`);
    chosen = (bus ?? 0) * 2 + u;
  } else {
    chosen = 0;
    while (taken.some((d) => d.index === chosen)) chosen++;
  }
  if (chosen >= IDE_SLOTS) {
    throw new CliError(`${loc}: machine type does not support if=ide,bus=${Math.floor(chosen / 2)},unit=${chosen % 2}`);
  }
  checkFree(chosen, taken, loc);
  return chosen;
}

function checkFree(index: number, taken: readonly DriveSpec[], loc: string): void {
  if (taken.some((d) => d.index === index)) {
    throw new CliError(`${loc}: drive with bus=${Math.floor(index / 2)}, unit=${index % 2} (index=${index}) exists`);
  }
}

function checkFormat(format: string, loc: string): void {
  if ((SUPPORTED_FORMATS as readonly string[]).includes(format)) return;
  const list = SUPPORTED_FORMATS.join(', ');
  if (QEMU_ONLY_FORMATS.includes(format)) throw new CliError(`${loc}: format '${format}' is not supported yet (tkvm supports ${list})`);
  throw new CliError(`${loc}: Unknown driver '${format}' (tkvm supports ${list})`);
}

function checkChoice(value: string | undefined, key: string, choices: readonly string[], loc: string): void {
  if (value !== undefined && !choices.includes(value)) {
    throw new CliError(`${loc}: invalid ${key} option '${value}' (expected ${choices.join(', ')})`, { key });
  }
}

function checkImageFile(file: string, writable: boolean, loc: string): void {
  try {
    if (statSync(file).isDirectory()) throw Object.assign(new Error('dir'), { code: 'EISDIR' });
    accessSync(file, writable ? constants.R_OK | constants.W_OK : constants.R_OK);
  } catch (err) {
    throw new CliError(`${loc}: Could not open '${file}': ${errnoWords(err)}`, { path: file }, err);
  }
}

/** What -boot gives: the order letters and the boot menu switch (undefined: not given). */
export interface BootArg {
  readonly order: string;
  readonly menu?: boolean;
}

/** -boot [order=]drives[,menu=on|off]: letters a..p, each at most once (QEMU's validate_bootdevices). */
export function parseBoot(arg: string): BootArg {
  const loc = where('-boot', arg);
  const kv = parseKeyValues(arg, loc, 'order', ['order', 'once', 'menu', 'splash', 'splash-time', 'reboot-timeout', 'strict']);
  for (const key of ['once', 'splash', 'splash-time', 'reboot-timeout', 'strict']) {
    if (kv.has(key)) throw new CliError(`${loc}: boot option '${key}' is not supported yet`, { key });
  }
  const menuText = kv.get('menu');
  const menu = menuText === undefined ? undefined : parseBool(menuText, 'menu', loc);
  const order = kv.get('order') ?? '';
  const seen = new Set<string>();
  for (const ch of order) {
    if (ch < 'a' || ch > 'p') throw new CliError(`${loc}: Invalid boot device '${ch}'`);
    if (seen.has(ch)) throw new CliError(`${loc}: Boot device '${ch}' was given twice`);
    seen.add(ch);
  }
  return menu === undefined ? { order } : { order, menu };
}

/** Where Debian's QEMU looks for firmware named without a directory (its --firmwarepath). */
export const FIRMWARE_DIRS = ['/usr/share/qemu', '/usr/share/seabios', '/usr/lib/ipxe/qemu'];

/** -bios FILE: a path, or a bare name found in QEMU's firmware directories, like qemu_find_file. */
export function resolveBios(file: string, dirs: readonly string[] = FIRMWARE_DIRS): string {
  const candidates = file.includes('/') ? [file] : [file, ...dirs.map((d) => join(d, file))];
  for (const path of candidates) {
    try {
      if (statSync(path).isFile()) {
        accessSync(path, constants.R_OK);
        return path;
      }
    } catch {
      // try the next place
    }
  }
  throw new CliError(`${where('-bios', file)}: could not load PC BIOS '${file}'`, { path: file });
}
