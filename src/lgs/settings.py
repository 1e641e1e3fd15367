"""Where things live: the dbt project root and LGS_HOME (embedded server, profiles, docs)."""

from __future__ import annotations

import os
from pathlib import Path

from lgs.errors import LgsError

PROJECT_MARKER = "dbt_project.yml"


def project_dir() -> Path:
    """The dbt project root.

    `LGS_PROJECT_DIR` wins; otherwise the checkout this package was installed from (an
    editable install), otherwise the nearest folder above the working directory that holds
    `dbt_project.yml`.
    """
    explicit = os.environ.get("LGS_PROJECT_DIR")
    if explicit:
        path = Path(explicit).resolve()
        if not (path / PROJECT_MARKER).exists():
            raise LgsError(f"LGS_PROJECT_DIR={explicit} holds no {PROJECT_MARKER}")
        return path
    source_checkout = Path(__file__).resolve().parents[2]
    if (source_checkout / PROJECT_MARKER).exists():
        return source_checkout
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / PROJECT_MARKER).exists():
            return folder
    raise LgsError(f"no {PROJECT_MARKER} found: run lgs inside the lgs-warehouse checkout or set LGS_PROJECT_DIR")


def lgs_home() -> Path:
    """State kept outside git: embedded server data, generated profile, docs, sample files."""
    home = os.environ.get("LGS_HOME")
    path = Path(home) if home else project_dir() / ".lgs"
    path = path.expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def target_dir() -> Path:
    """dbt's target folder (artifacts and the docs site): DBT_TARGET_PATH or `target/`."""
    explicit = os.environ.get("DBT_TARGET_PATH")
    return Path(explicit).resolve() if explicit else project_dir() / "target"


def analyst_role() -> str:
    """The read-only role of `lgs sql` and exports (the dbt project grants it the marts)."""
    return os.environ.get("LGS_ANALYST_ROLE", "lgs_analyst")
