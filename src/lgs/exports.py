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

from lgs.database import Connection, require_built
from lgs.errors import LgsError

COLUMNS = ["customer_id", "country", "segment", "recency_days", "frequency", "monetary", "last_purchase_date",
           "top_products", "recommended_products", "p_alive", "clv_12_months", "churn_risk", "recommended_campaign"]
FORMATS = ("csv", "xlsx")
# The customers of a campaign: segments, optionally one country and a minimum spend.
AUDIENCE_QUERY = sql.SQL(
    "select {} from marts.campaign_audience where segment = any(%(segments)s)"
    " and (%(country)s::text is null or lower(country) = lower(%(country)s::text))"
    " and (%(min_spend)s::numeric is null or monetary >= %(min_spend)s::numeric)"
    " order by segment, monetary desc, customer_id"
).format(sql.SQL(", ").join(map(sql.Identifier, COLUMNS)))


def valid_segments(conn) -> list[str]:
    rows = conn.execute("select segment from marts.rfm_segment_playbook order by segment_order").fetchall()
    return [row[0] for row in rows]


def export_format(out: Path, fmt: str | None) -> str:
    """The format to write: the file's extension decides; `--format` must agree with it."""
    extension = out.suffix.lower().lstrip(".")
    if fmt is not None and fmt not in FORMATS:
        raise LgsError(f"unknown format {fmt!r}: use csv or xlsx")
    if extension in FORMATS:
        if fmt is not None and fmt != extension:
            raise LgsError(f"--format {fmt} does not match {out.name}: name the file .{fmt} or drop --format")
        return extension
    if fmt is None:
        raise LgsError(f"cannot tell the format of {out.name}: name the file .csv or .xlsx, or pass --format")
    return fmt


def export_segments(connection: Connection, segments: Sequence[str], fmt: str | None, out: Path,
                    analyst_role: str = "lgs_analyst", country: str | None = None,
                    min_spend: float | None = None) -> int:
    """Write the customers of `segments` to `out`; returns the number of customers written.
    Segment names match whatever their case; `country` (any case) and `min_spend` (monetary
    value at least) narrow the list. The dashboard's Campaigns page writes through here too."""
    fmt = export_format(out, fmt)
    with connection.connect() as conn:
        require_built(conn, "marts.campaign_audience")
    # Read as the analyst role: an export can see the marts and nothing else.
    with connection.connect(user=analyst_role, password=os.environ.get("LGS_ANALYST_PASSWORD")) as conn:
        known = {segment.casefold(): segment for segment in valid_segments(conn)}
        unknown = [s for s in segments if s.casefold() not in known]
        if unknown:
            raise LgsError(
                f"unknown segment {', '.join(repr(s) for s in unknown)}: valid segments are "
                + ", ".join(repr(s) for s in known.values())
            )
        wanted = list(dict.fromkeys(known[s.casefold()] for s in segments))
        rows = conn.execute(AUDIENCE_QUERY, {"segments": wanted, "country": country, "min_spend": min_spend}).fetchall()
        campaigns = dict(conn.execute("select segment, recommended_campaign from marts.rfm_segment_playbook").fetchall())
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with open(out, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(rows)
    else:
        _write_xlsx(out, wanted, rows, campaigns)
    return len(rows)


MONEY_FORMAT = "£#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
WIDTHS = {"customer_id": 12, "country": 18, "segment": 20, "recency_days": 13, "frequency": 11, "monetary": 14,
          "last_purchase_date": 18, "top_products": 60, "recommended_products": 60, "p_alive": 9, "clv_12_months": 14, "churn_risk": 11,
          "recommended_campaign": 60}


def _sheet(workbook, title: str, header: list[str], rows: list[list], widths: dict[str, int],
           formats: dict[str, str]) -> None:
    """A sheet as the marketing team opens it: bold frozen header with a filter, readable
    column widths, money and dates formatted."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for position, name in enumerate(header, 1):
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = widths.get(name, 14)
        if name in formats:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                cell.number_format = formats[name]


def _write_xlsx(out: Path, segments: list[str], rows: list[tuple], campaigns: dict[str, str]) -> None:
    """A summary sheet (segment, customers, revenue, campaign), then one sheet per segment."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    by_segment = {segment: [list(row) for row in rows if row[COLUMNS.index("segment")] == segment]
                  for segment in segments}
    money = COLUMNS.index("monetary")
    summary = [[segment, len(members), sum(row[money] for row in members), campaigns.get(segment)]
               for segment, members in by_segment.items()]
    _sheet(workbook, "Summary", ["segment", "customers", "revenue", "recommended_campaign"], summary,
           {"segment": 20, "customers": 11, "revenue": 16, "recommended_campaign": 80}, {"revenue": MONEY_FORMAT})
    for segment, members in by_segment.items():
        _sheet(workbook, segment, COLUMNS, members, WIDTHS,
               {"monetary": MONEY_FORMAT, "last_purchase_date": DATE_FORMAT})
    workbook.save(out)
