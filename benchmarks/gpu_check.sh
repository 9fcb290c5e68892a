#!/usr/bin/env bash
# The GPU check in one call (under 8 minutes on a GPU): one table, see benchmarks/gpu_check.py.
#   benchmarks/gpu_check.sh                        # cuda:0
#   benchmarks/gpu_check.sh --device cpu --small   # the self-test the suite runs
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
[ -x "$python" ] || python="$(command -v python3)"
cd "$root"
PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" exec "$python" -m benchmarks.gpu_check "$@"
