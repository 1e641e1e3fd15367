"""`lgs export segment`: campaign lists for the marketing team, as CSV or xlsx.

Reads `marts.campaign_audience` (built by dbt) as the read-only analyst role. Segment
names are bound as query parameters, never spliced into SQL.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

from psycopg import sql

from lgs.database import Connection
from lgs.errors import LgsError

COLUMNS = ["customer_id", "country", "segment", "recency_days", "frequency", "monetary", "last_purchase_date",
           "top_products", "recommended_campaign"]
FORMATS = ("csv", "xlsx")


def valid_segments(conn) -> list[str]:
    rows = conn.execute("select segment from marts.rfm_segment_playbook order by segment_order").fetchall()
    return [row[0] for row in rows]


def export_segments(connection: Connection, segments: Sequence[str], fmt: str, out: Path,
                    analyst_role: str = "lgs_analyst") -> int:
    """Write the customers of `segments` to `out`; returns the number of customers written."""
    if fmt not in FORMATS:
        raise LgsError(f"unknown format {fmt!r}: use csv or xlsx")
    with connection.connect() as conn:
        if conn.execute("select to_regclass('marts.campaign_audience')").fetchone()[0] is None:
            raise LgsError("marts.campaign_audience does not exist yet: run `lgs build` (or `lgs demo`) first")
    # Read as the analyst role: an export can see the marts and nothing else.
    with connection.connect(user=analyst_role, password=os.environ.get("LGS_ANALYST_PASSWORD")) as conn:
        known = valid_segments(conn)
        unknown = [s for s in segments if s not in known]
        if unknown:
            raise LgsError(
                f"unknown segment {', '.join(repr(s) for s in unknown)}: valid segments are "
                + ", ".join(repr(s) for s in known)
            )
        query = sql.SQL(
            "select {} from marts.campaign_audience where segment = any(%s) order by segment, monetary desc, customer_id"
        ).format(sql.SQL(", ").join(map(sql.Identifier, COLUMNS)))
        rows = conn.execute(query, (list(segments),)).fetchall()
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with open(out, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(rows)
    else:
        _write_xlsx(out, rows)
    return len(rows)


def _write_xlsx(out: Path, rows: list[tuple]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("customers")
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([float(v) if k == "monetary" else v for k, v in zip(COLUMNS, row)])
    workbook.save(out)
