#!/usr/bin/env bash
# The README's first command: sets up, then runs `tkvm demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bin/tkvm demo "$@"
