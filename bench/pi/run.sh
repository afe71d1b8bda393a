#!/usr/bin/env bash
# Reproduces the "Issue 5: Super PI table" figures in BENCHMARKS.md: the default workload sizes
# with 5 interleaved runs each (about 4 minutes on the shared 2-core development VM), then pi at
# Super PI's classic 1M digits (about 5 minutes), then 100k digits with 9 runs (2.5 minutes), each
# for tkvm/KVM, QEMU/KVM and native.
# Results (bench.json, pi.svg, membw.svg) are written next to this script.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin/tkvm bench --reps 5 --out bench/pi/results
bin/tkvm bench --digits 1000000 --reps 3 --engines tkvm,qemu-kvm --out bench/pi/results-1m
bin/tkvm bench --digits 100000 --reps 9 --engines tkvm,qemu-kvm --out bench/pi/results-100k
