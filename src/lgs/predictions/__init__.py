"""Predictions (`lgs predict`): customer lifetime value (BG/NBD + Gamma-Gamma) and a daily
sales forecast, fitted from the warehouse and written back to the schema `predictions`,
which dbt reads as a source. The heavy libraries (PyMC, PyTensor, statsmodels) are imported
here only, never at the CLI's start-up."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import psycopg



def ensure_predictions_schema(conn: psycopg.Connection) -> None:
    """Create the predictions schema and its empty tables if missing (idempotent)."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('lgs.predictions_schema'))")
        conn.execute(files("lgs.predictions").joinpath("schema.sql").read_text())


def quiet_compiler(home: Path) -> None:
    """Keep PyTensor's compiled C code under LGS_HOME (warm runs skip the compile) and its
    notices off the terminal."""
    import logging
    import warnings

    cache = home / "pytensor"
    cache.mkdir(parents=True, exist_ok=True)
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    if "compiledir" not in flags:
        os.environ["PYTENSOR_FLAGS"] = ",".join(filter(None, [flags, f"compiledir={cache}"]))
    warnings.filterwarnings("ignore")
    for name in ("pytensor", "pymc", "pymc_marketing", "arviz"):
        logging.getLogger(name).setLevel(logging.ERROR)
