#!/usr/bin/env bash
# The main job in one command: install, start the embedded PostgreSQL, load sample data,
# build and test the warehouse with dbt, generate the docs. Extra arguments go to
# `lgs demo` (e.g. --lines 500000).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
exec lgs demo "$@"
