#!/usr/bin/env bash
# Installs what tkvm's build, demo and tests need on a Debian machine, then builds.
# Idempotent and quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: gcc/binutils build the test and benchmark guests; qemu-utils and
# qemu-system-x86 are the references the tests compare against; seabios is the PC firmware;
# zstd makes the qcow2 zstd test data; util-linux gives flock for the guest build lock;
# grub-rescue-pc (its CD and hard-disk images) gives the real boot media of the PC machine
# tests; vncsnapshot and TigerVNC's vncviewer (on xvfb, read
# back with xwd from x11-apps, driven by xdotool) are the real VNC clients the VNC tests use;
# djpeg (libjpeg-turbo-progs) decodes their JPEGs; acpica-tools' iasl disassembles the ACPI
# tables tkvm builds, as a check independent of tkvm's own parser.
PACKAGES=(gcc binutils make qemu-utils qemu-system-x86 seabios xorriso zstd util-linux
  grub-rescue-pc acpica-tools
  vncsnapshot libjpeg-turbo-progs tigervnc-viewer xvfb x11-apps xdotool)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules/koffi ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
npx tsc -p tsconfig.json
