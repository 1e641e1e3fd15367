"""`lgs load --target duckdb|spark`: the same files, rules and bookkeeping as on PostgreSQL.

Every file is checked first by the same readers; each then lands as a Parquet file of text
(landing_file), which the engine reads in bulk and types in one pass with the shared rules
(rules.reason_sql): good rows to raw.retail_transactions, the others to raw.rejected_lines
with their reason, and read = loaded + rejected checked before the batch is recorded as
loaded. A file already loaded (same checksum) is skipped unless --replace.
"""

from __future__ import annotations

import getpass
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from lgs.engines import Engine, open_engine, scalar
from lgs.errors import LgsError
from lgs.loading import _checksum, refuse_mixing
from lgs.loading.columns import COLUMN_ORDER
from lgs.loading.landing_file import FileLanding
from lgs.loading.readers import Reader
from lgs.loading.rules import reason_sql, typed_columns_sql
from lgs.loading.store import BatchResult
from lgs.sample_data import is_generated

BATCH_COLUMNS = ("source_file", "source_path", "file_type", "checksum_sha256", "status", "rows_read",
                 "rows_loaded", "rows_rejected", "started_at", "finished_at", "loaded_by", "note", "is_sample")
LINE_COLUMNS = ("source_file", "source_sheet", "source_row", *COLUMN_ORDER, "loaded_at")
REJECT_COLUMNS = ("source_file", "source_sheet", "source_row", "raw_content", "reason", "rejected_at")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def write_batch_record(engine: Engine, batch_id: int, record: dict) -> None:
    values = ", ".join(engine.literal(record[c]) for c in BATCH_COLUMNS)
    engine.remove_batch("raw.load_batches", batch_id)
    engine.insert_batch("raw.load_batches", batch_id, BATCH_COLUMNS, f"select {values}")


def batch_record(engine: Engine, batch_id: int) -> dict:
    columns, rows = engine.rows(f"select {', '.join(BATCH_COLUMNS)} from raw.load_batches where batch_id = {batch_id}")
    return dict(zip(columns, rows[0]))


def retire_batch(engine: Engine, batch_id: int, status: str = "replaced") -> None:
    """--replace or unload: the batch's rows go, its record stays, marked `status`."""
    engine.remove_batch("raw.retail_transactions", batch_id)
    engine.remove_batch("raw.rejected_lines", batch_id)
    record = batch_record(engine, batch_id)
    note = f"{status} at {_now().isoformat(sep=' ')}"
    record.update(status=status, note="; ".join(n for n in (record["note"], note) if n))
    write_batch_record(engine, batch_id, record)


def type_landed_rows(engine: Engine, batch_id: int, source_file: str) -> tuple[int, int, int]:
    """The landed rows into the raw tables, each by the shared rules: (read, loaded, rejected)."""
    file, now = engine.literal(source_file), engine.literal(_now())
    fields = ", ".join(f"coalesce({c}, '')" for c in COLUMN_ORDER)
    checked = f"(select landed.*, {reason_sql(engine.dialect)} as reason from lgs_landing as landed) as checked"
    engine.insert_batch("raw.rejected_lines", batch_id, REJECT_COLUMNS, f"""
        select {file}, source_sheet, source_row, coalesce(raw_content, concat_ws(',', {fields})), reason, {now}
        from {checked} where reason is not null""")
    engine.insert_batch("raw.retail_transactions", batch_id, LINE_COLUMNS, f"""
        select {file}, source_sheet, source_row, {typed_columns_sql(engine.dialect)}, {now}
        from {checked} where reason is null""")
    read = scalar(engine, "select count(*) from lgs_landing")
    loaded = scalar(engine, f"select count(*) from raw.retail_transactions where batch_id = {batch_id}")
    rejected = scalar(engine, f"select count(*) from raw.rejected_lines where batch_id = {batch_id}")
    if read != loaded + rejected:  # pragma: no cover - a bug, never bad input
        raise LgsError(f"{source_file}: read {read} but loaded {loaded} + rejected {rejected}; batch not recorded")
    return read, loaded, rejected


def load_reader(engine: Engine, reader: Reader, checksum: str, replace: bool, workdir: Path) -> BatchResult:
    source = reader.source
    live = scalar(engine, "select min(batch_id) from raw.load_batches"
                          f" where checksum_sha256 = {engine.literal(checksum)} and status = 'loaded'")
    if live is not None and not replace:
        return BatchResult(source.name, reader.file_type, live, 0, 0, 0, skipped=True)
    with engine.transaction():
        if live is not None:
            retire_batch(engine, live)
        batch_id = (scalar(engine, "select max(batch_id) from raw.load_batches") or 0) + 1
        started = _now()
        landing = workdir / "landing.parquet"
        reader.land(lambda extra: FileLanding(landing, extra))
        engine.land(str(landing))
        read, loaded, rejected = type_landed_rows(engine, batch_id, source.name)
        note = reader.stats.note()
        write_batch_record(engine, batch_id, {
            "source_file": source.name, "source_path": str(source.path.resolve()), "file_type": reader.file_type,
            "checksum_sha256": checksum, "status": "loaded", "rows_read": read, "rows_loaded": loaded,
            "rows_rejected": rejected, "started_at": started, "finished_at": _now(), "loaded_by": getpass.getuser(),
            "note": note, "is_sample": is_generated(checksum),
        })
    return BatchResult(source.name, reader.file_type, batch_id, read, loaded, rejected, replaced_batch=live, note=note)


def load_readers_on(engine_name: str, readers: Sequence[Reader], replace: bool = False,
                    report: Callable[[str], None] | None = None, allow_mixed: bool = False) -> list[BatchResult]:
    """Load files `inspect_paths` checked into the warehouse on `engine_name`, each as one batch."""
    checksums = [_checksum(reader.source) for reader in readers]
    results = []
    with open_engine(engine_name) as engine, tempfile.TemporaryDirectory(prefix="lgs-landing-") as workdir:
        engine.remove_orphans()
        if not allow_mixed:
            refuse_mixing(lambda query: [row[0] for row in engine.rows(query)[1]], readers, checksums)
        for reader, checksum in zip(readers, checksums):
            result = load_reader(engine, reader, checksum, replace, Path(workdir))
            if report:
                report(result.summary())
            results.append(result)
    return results
