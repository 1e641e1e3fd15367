#!/usr/bin/env bash
# The full build of an earlier commit and of this one, interleaved in one run on one machine:
# issue 18 asks for the full build in half the time of the code it measured, "in the same
# run", as this machine's speed drifts by 10 to 30% between runs (and more within a day).
#
#   bash bench/against.sh [REV] [RUNS]     # defaults: 5a4e990 (the code issue 18 measured), 3
#
# Each commit gets its own clone, virtualenv (scripts/setup.sh) and throw-away embedded
# server, with the real data loaded (../shared/data/online_retail_II.parquet) and built once;
# then `lgs build --full-refresh` (every model and data test) runs RUNS times on each, in
# turn. Prints every build's wall time, the medians and their ratio. About 15 minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REV="${1:-5a4e990}"
RUNS="${2:-3}"
DATA="$ROOT/../shared/data/online_retail_II.parquet"
[ -f "$DATA" ] || { echo "against.sh: needs $DATA (the real dataset)" >&2; exit 2; }
git -C "$ROOT" rev-parse -q --verify "$REV^{commit}" >/dev/null \
    || { echo "against.sh: no commit $REV in this repository (give a commit, tag or branch)" >&2; exit 2; }
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "against.sh: RUNS must be a whole number of builds, not '$RUNS'" >&2; exit 2; }
WORK="$(mktemp -d /tmp/lgs-against-XXXXXX)"
# Beside each clone, as beside the repository: setup.sh finds the offline dbt packages there.
ln -s "$(cd "$ROOT/../shared" && pwd)" "$WORK/shared"
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD VIRTUAL_ENV DBT_TARGET_PATH DBT_LOG_PATH

in_clone() {  # NAME COMMAND...: run in that clone's virtualenv with its own LGS_HOME
    local clone="$WORK/$1"
    shift
    (cd "$clone" && source .venv/bin/activate && export LGS_HOME="$clone/.home" \
        DBT_TARGET_PATH="$clone/.home/target" DBT_LOG_PATH="$clone/.home/logs" && "$@")
}

finish() {
    for name in earlier current; do
        [ -d "$WORK/$name/.venv" ] && in_clone "$name" lgs db stop >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap finish EXIT

for name in earlier current; do
    git clone -q "$ROOT" "$WORK/$name"
    [ "$name" = current ] || git -C "$WORK/$name" checkout -q "$REV"
    (cd "$WORK/$name" && source scripts/setup.sh >"$WORK/$name.setup.log" 2>&1) \
        || { echo "against.sh: scripts/setup.sh failed in the $name clone:" >&2; tail -5 "$WORK/$name.setup.log" >&2; exit 1; }
    mkdir -p "$WORK/$name/.home"
    in_clone "$name" lgs load "$DATA" >/dev/null
    in_clone "$name" lgs build >/dev/null
done
echo "full builds (lgs build --full-refresh, real data), $REV against $(git -C "$ROOT" rev-parse --short HEAD), interleaved:"
declare -A SECONDS_OF
for run in $(seq "$RUNS"); do
    for name in earlier current; do
        start=$EPOCHREALTIME
        in_clone "$name" lgs build --full-refresh >"$WORK/$name/.home/build.log" 2>&1 \
            || { echo "$name: the build failed, see its log:" >&2; tail -5 "$WORK/$name/.home/build.log" >&2; exit 1; }
        took=$(python3 -c "print(round($EPOCHREALTIME - $start, 1))")
        SECONDS_OF[$name]="${SECONDS_OF[$name]:-} $took"
        echo "  run $run  $name  $took s"
    done
done
python3 - "${SECONDS_OF[earlier]}" "${SECONDS_OF[current]}" "$REV" <<'EOF'
import statistics
import sys

earlier, current = (statistics.median(float(s) for s in arg.split()) for arg in sys.argv[1:3])
print(f"medians: {sys.argv[3]} {earlier:.1f} s, this commit {current:.1f} s;"
      f" ratio {current / earlier:.2f} (issue 18's goal: <= 0.5)")
EOF
