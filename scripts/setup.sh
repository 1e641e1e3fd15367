#!/usr/bin/env bash
# Create .venv and install lgs-warehouse with its test tools into it (idempotent: skips
# pip when pyproject.toml has not changed since the last install). Sourced by demo.sh
# and test.sh; needs only Python 3.11+ on the machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="${LGS_VENV:-$ROOT/.venv}"

if [ ! -x "$VENV/bin/python" ]; then
    echo "creating virtualenv $VENV" >&2
    "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.lgs-installed"
WANT="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    echo "installing lgs-warehouse into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT[dev]" >&2
    echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
export DBT_SEND_ANONYMOUS_USAGE_STATS=false
