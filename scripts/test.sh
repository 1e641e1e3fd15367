#!/usr/bin/env bash
# Every test in one command: install, then pytest (which drives the lgs CLI and dbt against
# a real embedded PostgreSQL in a throw-away LGS_HOME). Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
exec python -m pytest "$@"
