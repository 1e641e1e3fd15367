"""Load batches and what they rejected: `lgs batches` and `lgs rejects`."""

from __future__ import annotations

from lgs.database import Connection
from lgs.errors import LgsError


def rejected_rows(connection: Connection, batch: int | None, limit: int) -> tuple[list[tuple], int]:
    """Up to `limit` rejected rows (of `batch`, or of every batch), in file order, and how many
    there are in all."""
    from lgs.loading.store import ensure_raw_schema

    with connection.connect() as conn:
        ensure_raw_schema(conn)
        if batch is not None and not conn.execute(
                "select 1 from raw.load_batches where batch_id = %s", (batch,)).fetchone():
            raise LgsError(f"no batch {batch}: `lgs batches` lists them")
        where, params = ("where batch_id = %s", [batch]) if batch is not None else ("", [])
        total = conn.execute(f"select count(*) from raw.rejected_lines {where}", params).fetchone()[0]
        rows = conn.execute(
            f"select batch_id, source_file, source_sheet, source_row, reason, raw_content from raw.rejected_lines"
            f" {where} order by batch_id, source_sheet nulls first, source_row limit %s", [*params, limit]).fetchall()
    return rows, total


def format_rejects(rows: list[tuple], total: int) -> list[str]:
    lines = []
    for batch_id, source_file, sheet, row, reason, raw in rows:
        where = f"{source_file}" + (f" [{sheet}]" if sheet else "") + f" row {row}"
        content = (raw or "").replace("\n", " ")
        lines.append(f"batch {batch_id}  {where}: {reason}")
        lines.append(f"    {content[:150]}{'...' if len(content) > 150 else ''}")
    if total > len(rows):
        lines.append(f"({total - len(rows):,} more; --limit shows more)")
    return lines or ["no rejected rows"]


def batches(connection: Connection) -> list[str]:
    """Every load batch, one line each: id, status, file, checksum, rows read / loaded /
    rejected, when."""
    from lgs.loading.store import ensure_raw_schema

    with connection.connect() as conn:
        ensure_raw_schema(conn)
        rows = conn.execute(
            "select batch_id, status, case when is_sample then 'sample' else 'real' end, source_file,"
            " left(checksum_sha256, 12), rows_read, rows_loaded, rows_rejected,"
            " to_char(finished_at, 'YYYY-MM-DD HH24:MI') from raw.load_batches order by batch_id").fetchall()
    if not rows:
        return ["no batches: `lgs load FILE` loads one"]
    lines = [f"{'batch':>6}  {'status':<9} {'data':<7} {'read':>10} {'loaded':>10} {'rejected':>9}  {'loaded at':<16}  "
             f"{'sha256':<12}  file"]
    for batch_id, status, kind, source_file, checksum, read, loaded, rejected, finished in rows:
        lines.append(f"{batch_id:>6}  {status:<9} {kind:<7} {read:>10,} {loaded:>10,} {rejected:>9,}  "
                     f"{finished or '':<16}  {checksum:<12}  {source_file}")
    return lines


def unload(connection: Connection, batch_ids: list[int]) -> list[str]:
    """Remove live batches' rows from the raw tables, all or none, keeping their records
    (status `unloaded`). The next `lgs build` leaves no trace of them in any model."""
    from lgs.loading.store import ensure_raw_schema, retire_batch

    with connection.connect() as conn:
        ensure_raw_schema(conn)
        with conn.transaction():
            found = dict(conn.execute(
                "select batch_id, status from raw.load_batches where batch_id = any(%s) for update",
                (batch_ids,)).fetchall())
            for batch_id in batch_ids:
                if batch_id not in found:
                    raise LgsError(f"no batch {batch_id}: `lgs batches` lists them; nothing was unloaded")
                if found[batch_id] != "loaded":
                    raise LgsError(f"batch {batch_id} is {found[batch_id]}, not loaded; nothing was unloaded")
            said = []
            for batch_id in dict.fromkeys(batch_ids):
                name, rows = conn.execute("select source_file, rows_loaded from raw.load_batches where batch_id = %s",
                                          (batch_id,)).fetchone()
                retire_batch(conn, batch_id, "unloaded")
                said.append(f"unloaded batch {batch_id} ({name}, {rows:,} rows)")
    return [*said, "run `lgs build` to rebuild the warehouse without them"]


# What `lgs reset` empties: the raw data and every schema the prod target builds.
WAREHOUSE_SCHEMAS = ("raw", "staging", "intermediate", "marts", "marts_build")


def reset(connection: Connection) -> str:
    with connection.connect(autocommit=True) as conn:
        for schema in WAREHOUSE_SCHEMAS:
            conn.execute(f'drop schema if exists "{schema}" cascade')
    return f"the warehouse is empty (dropped {', '.join(WAREHOUSE_SCHEMAS)}): `lgs load FILE` or `lgs demo` to start again"
