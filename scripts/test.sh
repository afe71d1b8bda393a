#!/usr/bin/env bash
# Runs every test layer this machine supports: unit, image-format (against the real qemu-img),
# KVM guests (when /dev/kvm is usable) and boot tests with real firmware and kernels.
# Layers that cannot run here are skipped with a reason, never silently.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/fetch-test-assets.sh
bash scripts/build-guests.sh >/dev/null
mapfile -t files < <(find dist/src dist/test -name '*.test.js' 2>/dev/null | sort)
if ((${#files[@]} == 0)); then echo "no test files found" >&2; exit 1; fi
exec node --test --test-concurrency=2 "$@" "${files[@]}"
