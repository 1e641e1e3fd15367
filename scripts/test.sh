#!/usr/bin/env bash
# Every test in one command: install, then pytest (which drives the lgs CLI and dbt against
# a real embedded PostgreSQL in a throw-away LGS_HOME). Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
# The docs-site test drives Debian's chromium; install it where we can (root + apt-get).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium for the docs-site browser test" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } \
        || echo "warning: could not install chromium: the browser test will be skipped" >&2
fi
# Two workers by default (LGS_TEST_WORKERS=0 runs in one process): each test file stays on
# one worker, with its own embedded server, and the slowest files go first (conftest.py's
# SLOWEST_FIRST, kept in that order by --no-loadscope-reorder). The 25 slowest steps are
# listed at the end, to keep the suite within CI's budget.
exec python -m pytest -n "${LGS_TEST_WORKERS:-2}" --dist loadfile --no-loadscope-reorder --durations=25 "$@"
