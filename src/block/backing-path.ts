/** How qemu resolves a backing file name stored in an image (path_combine in QEMU's cutils). */

/**
 * Resolves `backing` relative to the directory of `imagePath`, as qemu's
 * "full-backing-filename": absolute names stay; otherwise the image path up to its last '/'
 * is prefixed (no normalisation, like qemu).
 */
export function resolveBackingPath(imagePath: string, backing: string): string {
  if (backing.startsWith('/')) return backing;
  const slash = imagePath.lastIndexOf('/');
  return slash < 0 ? backing : imagePath.slice(0, slash + 1) + backing;
}
