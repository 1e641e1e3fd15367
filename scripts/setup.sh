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

# dbt packages (packages.yml): `dbt deps` from dbt Hub; where the hub cannot be reached, the
# same unmodified releases from a local mirror (LGS_DBT_PACKAGES, default ../shared/dbt-packages).
PACKAGES_STAMP="$ROOT/dbt_packages/.lgs-installed"
PACKAGES_WANT="$(sha256sum "$ROOT/packages.yml" | cut -d' ' -f1)"
if [ ! -f "$PACKAGES_STAMP" ] || [ "$(cat "$PACKAGES_STAMP")" != "$PACKAGES_WANT" ]; then
    # dbt downloads into a folder of its own under TMPDIR, which a failed download leaves behind.
    DEPS_TMP="$(mktemp -d)"
    if (cd "$ROOT" && TMPDIR="$DEPS_TMP" DBT_PROFILES_DIR="$ROOT" dbt deps --quiet >/dev/null 2>&1); then
        rm -rf "$DEPS_TMP"
        echo "dbt packages installed from dbt Hub" >&2
    else
        rm -rf "$DEPS_TMP"
        MIRROR="${LGS_DBT_PACKAGES:-$ROOT/../shared/dbt-packages}"
        if [ ! -d "$MIRROR" ]; then
            echo "error: dbt Hub unreachable and no package mirror at $MIRROR (set LGS_DBT_PACKAGES)" >&2
            exit 1
        fi
        rm -rf "$ROOT/dbt_packages"
        mkdir -p "$ROOT/dbt_packages"
        for package in $(sed -n 's|^ *- package: *[^/]*/\([A-Za-z0-9_]*\).*|\1|p' "$ROOT/packages.yml"); do
            if [ ! -f "$MIRROR/$package/dbt_project.yml" ]; then
                echo "error: dbt Hub unreachable and $MIRROR has no $package" >&2
                exit 1
            fi
            cp -R "$MIRROR/$package" "$ROOT/dbt_packages/$package"
            chmod -R u+w "$ROOT/dbt_packages/$package"
        done
        echo "dbt packages installed from $MIRROR (dbt Hub unreachable)" >&2
    fi
    echo "$PACKAGES_WANT" > "$PACKAGES_STAMP"
fi
