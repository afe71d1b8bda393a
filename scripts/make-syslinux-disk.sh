#!/usr/bin/env bash
# Builds a bootable hard-disk image from Debian's SYSLINUX (packages syslinux, syslinux-common,
# mtools, dosfstools, fdisk): an MBR with one active FAT16 partition holding SYSLINUX and a
# syslinux.cfg that prints a marker on the VGA screen and COM1 and waits at its "boot:" prompt.
#   make-syslinux-disk.sh OUT.img [MARKER]
set -euo pipefail
out=$1
marker=${2:-tkvm-syslinux-disk}
mbr=/usr/lib/syslinux/mbr/mbr.bin
for tool in syslinux mkfs.fat sfdisk mcopy; do
  command -v "$tool" >/dev/null || { echo "make-syslinux-disk: $tool is missing (apt-get install syslinux mtools dosfstools fdisk)" >&2; exit 2; }
done
[ -r "$mbr" ] || { echo "make-syslinux-disk: $mbr is missing (apt-get install syslinux-common)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
img=$tmp/disk.img
truncate -s 32M "$img"
# One active FAT16 partition from sector 2048 to the end.
printf 'label: dos\nstart=2048, type=6, bootable\n' | sfdisk -q "$img"
sectors=$(( 32 * 1024 * 1024 / 512 - 2048 ))
mkfs.fat -F 16 -n TKVMBOOT --offset 2048 "$img" $(( sectors / 2 )) >/dev/null
cat > "$tmp/syslinux.cfg" <<CFG
SERIAL 0 115200
SAY $marker
PROMPT 1
TIMEOUT 0
DEFAULT none
CFG
mcopy -i "$img@@1M" "$tmp/syslinux.cfg" ::syslinux.cfg
syslinux --offset $(( 2048 * 512 )) --install "$img"
dd if="$mbr" of="$img" bs=440 count=1 conv=notrunc status=none
mv "$img" "$out"
