#!/usr/bin/env bash
# Downloads the real guests the boot tests use (nobody here wrote them) into .cache/assets:
# Debian's cloud kernel and a busybox for the initrd. Failures leave the boot tests to skip:
# this script never fails the test run and is quiet when the assets already exist.
#   .cache/assets/vmlinuz          Debian linux-image-<ver>-cloud-amd64's /boot/vmlinuz-<ver>
#   .cache/assets/vmlinuz.version  the package it came from
#   .cache/assets/vmlinuz-generic  Debian linux-image-<ver>-amd64's kernel (has MP-table parsing)
#   .cache/assets/busybox          busybox-static's /bin/busybox
#   .cache/assets/initrd.cpio.gz   newc cpio: /init (prints a marker, shell on ttyS0) + busybox
# and Debian's i386 (i686) guest for the software CPU's Linux tests (issue 7, test/emu-linux):
#   .cache/assets/vmlinuz-686          linux-image-<ver>-686's /boot/vmlinuz-<ver>
#   .cache/assets/vmlinuz-686.version  the package it came from
#   .cache/assets/modules-686/<ver>/   the modules the tests load (IDE, disk, CD, file systems)
#   .cache/assets/busybox-i386         busybox-static:i386's /bin/busybox
#   .cache/assets/initrd-686.cpio.gz   /init (loads the modules, shell on ttyS0), busybox, modules
set -uo pipefail
cd "$(dirname "$0")/.."
A=.cache/assets
mkdir -p "$A"

note() { echo "fetch-test-assets: $*" >&2; }

# Downloads Debian package $1 into a fresh temp dir and extracts it; prints the dir.
fetch_deb() {
  local pkg=$1 dir
  dir=$(mktemp -d "$A/tmp.XXXXXX") || return 1
  # Package lists may be older than Debian's archive (a kernel update removes the old .deb):
  # refresh them once and try again before giving up.
  if ! (cd "$dir" && apt-get download -qq "$pkg" >/dev/null 2>&1) &&
     ! { apt-get update -qq >/dev/null 2>&1 && (cd "$dir" && apt-get download -qq "$pkg" >/dev/null 2>&1); }; then
    note "apt-get download $pkg failed (no network or apt lists?); boot tests will skip"
    rm -rf "$dir"; return 1
  fi
  if ! dpkg-deb -x "$dir"/*.deb "$dir/root"; then
    note "dpkg-deb -x failed for $pkg"; rm -rf "$dir"; return 1
  fi
  echo "$dir"
}

# fetch_kernel META OUT: the kernel image of Debian meta-package META's current version.
fetch_kernel() {
  local meta=$1 out=$2 pkg dir img
  [ -s "$out" ] && return 0
  # The meta-package depends on the current versioned image; take that name.
  pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
  if [ -z "$pkg" ] && apt-get update -qq >/dev/null 2>&1; then
    pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
  fi
  if [ -z "$pkg" ]; then
    note "cannot resolve $meta (apt-cache has no lists?); boot tests will skip"; return 0
  fi
  dir=$(fetch_deb "$pkg") || return 0
  img=$(ls "$dir"/root/boot/vmlinuz-* 2>/dev/null | head -n1)
  if [ -n "$img" ]; then
    cp "$img" "$out.tmp" && mv "$out.tmp" "$out" && echo "$pkg" > "$out.version"
  else
    note "$pkg has no /boot/vmlinuz-*"
  fi
  rm -rf "$dir"
}

# Debian's cloud kernel: the one the boot tests run.
fetch_kernel linux-image-cloud-amd64 "$A/vmlinuz"
# Debian's generic kernel: built with CONFIG_X86_MPPARSE (the cloud one is not), so it checks
# tkvm's MP table and SMP bring-up without ACPI.
fetch_kernel linux-image-amd64 "$A/vmlinuz-generic"

if [ ! -s "$A/busybox" ]; then
  if dir=$(fetch_deb busybox-static); then
    if [ -x "$dir/root/bin/busybox" ]; then
      cp "$dir/root/bin/busybox" "$A/busybox.tmp" && mv "$A/busybox.tmp" "$A/busybox"
    else
      note "busybox-static has no /bin/busybox"
    fi
    rm -rf "$dir"
  fi
fi

# The initrd is written by tkvm's own newc writer (src/boot/cpio.ts), built by setup.sh; the
# writer replaces the file only when /init or busybox changed.
if [ -s "$A/busybox" ]; then
  if [ -f dist/test/boot/initrd.js ]; then
    node dist/test/boot/initrd.js "$A/busybox" "$A/initrd.cpio.gz" || note "building the initrd failed"
  else
    note "dist/test/boot/initrd.js missing (run npx tsc first); no initrd"
  fi
fi

# Debian's i386 architecture: the 686 kernel and busybox-static:i386 come from it. Added (with
# fresh lists) only when missing; without root this fails and the software-CPU Linux tests skip.
i386_packages() {
  dpkg --print-foreign-architectures 2>/dev/null | grep -qx i386 && return 0
  note "adding Debian's i386 architecture (dpkg --add-architecture i386; apt-get update)"
  dpkg --add-architecture i386 >/dev/null 2>&1 && apt-get update -qq >/dev/null 2>&1 && return 0
  note "cannot add the i386 architecture (not root?); the i686 Linux tests will skip"
  return 1
}

# The i686 kernel, with the modules the tests need kept beside it (the initramfs builder checks
# they are all there, so a longer module list fetches the package again).
fetch_686() {
  local pkg dir mods
  if [ -s "$A/vmlinuz-686" ] && node dist/test/emu-linux/initramfs.js check "$A/modules-686" 2>/dev/null; then return 0; fi
  i386_packages || return 0
  pkg=$(apt-cache depends linux-image-686:i386 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
  if [ -z "$pkg" ] && apt-get update -qq >/dev/null 2>&1; then
    pkg=$(apt-cache depends linux-image-686:i386 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
  fi
  if [ -z "$pkg" ]; then note "cannot resolve linux-image-686:i386; the i686 Linux tests will skip"; return 0; fi
  dir=$(fetch_deb "$pkg") || return 0
  mods=$(ls -d "$dir"/root/lib/modules/*/ 2>/dev/null | head -n1)
  if [ -n "$mods" ] && ls "$dir"/root/boot/vmlinuz-* >/dev/null 2>&1; then
    rm -rf "$A/modules-686"
    if node dist/test/emu-linux/initramfs.js trim "$mods" "$A/modules-686"; then
      cp "$dir"/root/boot/vmlinuz-* "$A/vmlinuz-686.tmp" && mv "$A/vmlinuz-686.tmp" "$A/vmlinuz-686" && echo "$pkg" > "$A/vmlinuz-686.version"
    else
      note "collecting the kernel modules from $pkg failed"
    fi
  else
    note "$pkg has no /boot/vmlinuz-* or /lib/modules"
  fi
  rm -rf "$dir"
}

if [ -f dist/test/emu-linux/initramfs.js ]; then
  fetch_686
  if [ ! -s "$A/busybox-i386" ] && i386_packages && dir=$(fetch_deb busybox-static:i386); then
    if [ -x "$dir/root/bin/busybox" ]; then
      cp "$dir/root/bin/busybox" "$A/busybox-i386.tmp" && mv "$A/busybox-i386.tmp" "$A/busybox-i386"
    else
      note "busybox-static:i386 has no /bin/busybox"
    fi
    rm -rf "$dir"
  fi
  if [ -s "$A/busybox-i386" ] && [ -d "$A/modules-686" ]; then
    node dist/test/emu-linux/initramfs.js build "$A/busybox-i386" "$A/modules-686" "$A/initrd-686.cpio.gz" || note "building the i686 initramfs failed"
  fi
else
  note "dist/test/emu-linux/initramfs.js missing (run npx tsc first); no i686 guest"
fi
exit 0
