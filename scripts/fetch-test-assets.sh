#!/usr/bin/env bash
# Downloads the real guests the boot tests use (nobody here wrote them) into .cache/assets:
# Debian's cloud kernel and a busybox for the initrd. Failures leave the boot tests to skip:
# this script never fails the test run and is quiet when the assets already exist.
#   .cache/assets/vmlinuz          Debian linux-image-<ver>-cloud-amd64's /boot/vmlinuz-<ver>
#   .cache/assets/vmlinuz.version  the package it came from
#   .cache/assets/vmlinuz-generic  Debian linux-image-<ver>-amd64's kernel (has MP-table parsing)
#   .cache/assets/busybox          busybox-static's /bin/busybox
#   .cache/assets/initrd.cpio.gz   newc cpio: /init (prints a marker, shell on ttyS0) + busybox
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
exit 0
