"""The retail columns every accepted file must carry, under any of their known names."""

from __future__ import annotations

import re

from lgs.errors import RefusedFile

# Canonical raw column -> the spellings seen in the wild, compared after normalising
# (lower case, letters and digits only): UCI/Kaggle `Online Retail II`, the older UCI 352
# export and the original exercise's `retail` table.
CANONICAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "invoice": ("invoice", "invoiceno"),
    "stock_code": ("stockcode",),
    "description": ("description",),
    "quantity": ("quantity",),
    "invoice_date": ("invoicedate",),
    "unit_price": ("price", "unitprice"),
    "customer_id": ("customerid",),
    "country": ("country",),
}
COLUMN_ORDER = tuple(CANONICAL_COLUMNS)
SHEET_COLUMN = "sheet"

_ALIASES = {alias: canonical for canonical, aliases in CANONICAL_COLUMNS.items() for alias in aliases}


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.replace("\ufeff", "").lower())


def map_header(header: list[str], source: str) -> list[str | None]:
    """For each file column, the canonical column it feeds (None: not ours, ignored).

    Refuses a header that lacks a retail column or names one twice.
    """
    mapped: list[str | None] = []
    seen: dict[str, str] = {}
    for raw_name in header:
        canonical = _ALIASES.get(normalise(raw_name or ""))
        if canonical is not None:
            if canonical in seen:
                raise RefusedFile(source, f"columns {seen[canonical]!r} and {raw_name!r} both mean {canonical}")
            seen[canonical] = raw_name
        mapped.append(canonical)
    missing = [name for name in COLUMN_ORDER if name not in seen]
    if missing:
        shown = ", ".join(repr(h) for h in header[:12]) or "nothing"
        raise RefusedFile(
            source,
            f"not a retail file: missing column(s) {', '.join(missing)} (header has {shown})",
        )
    return mapped
