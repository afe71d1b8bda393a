/**
 * screendump's file writing: QEMU 7.2 writes PPM (P6, the default) or PNG (format=png, as
 * 8-bit RGB). PNG compression comes from the display code (src/display/png.ts), passed in as
 * a function so this folder does not depend on its shape; PPM is simple enough to write here.
 * Errors use QEMU's words: "failed to open file 'PATH': No such file or directory".
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Frame } from '../display/display.js';
import { genericError } from './errors.js';

/** The image formats screendump writes (QEMU's ImageFormat). */
export const SCREENDUMP_FORMATS = ['ppm', 'png'] as const;

/** One of SCREENDUMP_FORMATS. */
export type ScreendumpFormat = (typeof SCREENDUMP_FORMATS)[number];

/** Encodes a frame as a complete PNG file (src/display/png.ts provides it). */
export type PngEncoder = (frame: Frame) => Uint8Array;

/** A frame as a binary PPM (P6): "P6\nW H\n255\n" and R, G, B per pixel. */
export function encodePpm(frame: Frame): Uint8Array {
  const header = Buffer.from(`P6\n${frame.width} ${frame.height}\n255\n`, 'ascii');
  const out = new Uint8Array(header.length + frame.width * frame.height * 3);
  out.set(header, 0);
  let o = header.length;
  const px = frame.pixels;
  const count = frame.width * frame.height;
  for (let i = 0; i < count; i++) {
    const p = i * 4; // B, G, R, X
    out[o++] = px[p + 2] ?? 0;
    out[o++] = px[p + 1] ?? 0;
    out[o++] = px[p] ?? 0;
  }
  return out;
}

/** Strerror-style words for the errno codes a file open reports. */
function errnoText(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'EACCES':
      return 'Permission denied';
    case 'EISDIR':
      return 'Is a directory';
    case 'ENOTDIR':
      return 'Not a directory';
    case 'EROFS':
      return 'Read-only file system';
    case 'ENOSPC':
      return 'No space left on device';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/** Writes `frame` to `filename` in `format`; throws MonitorErrors with QEMU's texts. */
export function writeScreendump(filename: string, frame: Frame, format: ScreendumpFormat, png: PngEncoder | undefined): void {
  if (format === 'png' && png === undefined) throw genericError('PNG support is not available in this build of tkvm');
  let fd: number;
  try {
    fd = openSync(filename, 'w', 0o666);
  } catch (err) {
    throw genericError(`failed to open file '${filename}': ${errnoText(err)}`);
  }
  try {
    const bytes = format === 'png' ? png!(frame) : encodePpm(frame);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  } catch (err) {
    throw genericError(`failed to write file '${filename}': ${errnoText(err)}`);
  } finally {
    closeSync(fd);
  }
}
