"""PostgreSQL 17 and later: a CSV or Parquet file COPYed straight into raw.retail_transactions,
typed by the server as it reads, instead of landed as text and typed in a second pass.

The result is the landing path's, row for row. For a CSV file (Parquet: see load_parquet):

- it is COPYed into the batch's own partition (store.add_batch_partition), whose column
  defaults are the batch id and file name, and a row counter, which numbers rows as the
  file does;
- rows the server cannot type are skipped (`ON_ERROR ignore`) and named by line in its
  notices (`LOG_VERBOSITY verbose`; lines are mapped to rows: a quoted field may span lines);
- rows it typed that may break a rule it does not know (a date-time in an unknown format,
  what `store.TYPED_ROW_IS_CLEAN` does not pass) are found by Arrow in the file's text while
  the server copies (`store.arrow_rows_to_recheck`), so the batch is not read again;
- those rows, and only those, are read again as text and typed by the landing path's rules
  (`store.type_landed_rows`), so each reject has the same reason on every path;
- anything else unexpected (a column-count error, two parsers counting different rows)
  rolls back to before the copy, and the caller takes the landing path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import psycopg
from psycopg import sql

from lgs.loading.columns import COLUMN_ORDER
from lgs.loading.store import (LOAD_DATESTYLE, ROW_COUNTER, Landing, arrow_rows_to_recheck, batch_partition,
                               copy_in, type_landed_rows)

MIN_SERVER_VERSION = 170000  # COPY ... ON_ERROR
HEADER_LINES = 1
# With LOG_VERBOSITY verbose the server names each skipped row:
# `skipping row due to data type incompatibility at line 7 for column "quantity": "1.5"`.
_SKIPPED_LINE = re.compile(r" at line (\d+) for column ")
# An empty field stays '' rather than NULL in these: a NULL in a NOT NULL column would stop
# the whole COPY, while '' becomes a skipped row (numbers, dates) or a rule's reject (text).
_FORCE_NOT_NULL = ("invoice", "stock_code", "quantity", "invoice_date", "unit_price")
# The columns store.arrow_rows_to_recheck reads, in its order.
_RECHECKED = ("invoice", "stock_code", "invoice_date", "unit_price", "customer_id")


class _Unsure(Exception):
    """The fast path cannot vouch for this file: take the landing path."""


def available(conn: psycopg.Connection) -> bool:
    return conn.info.server_version >= MIN_SERVER_VERSION


def load_csv(conn: psycopg.Connection, reader, batch_id: int, source_file: str,
             progress: Callable[..., None]) -> tuple[int, int, int] | None:
    """(read, loaded, rejected) for a CSV file loaded by typed COPY, or None when the caller
    must take the landing path (server too old, ignored columns, or a file this path cannot
    vouch for; then nothing of it is left in the batch)."""
    if None in reader.mapping:
        return None
    return _attempt(conn, _load_csv, reader, batch_id, source_file, progress)


def _attempt(conn: psycopg.Connection, load: Callable[..., tuple[int, int, int]], *args) -> tuple[int, int, int] | None:
    """`load(conn, *args)` on a server that can, in a savepoint: None, with nothing of it
    left, when it cannot vouch for the file."""
    if not available(conn):
        return None
    try:
        with conn.transaction():
            return load(conn, *args)
    except (_Unsure, psycopg.DataError, psycopg.IntegrityError):
        return None


def _load_csv(conn, reader, batch_id, source_file, progress) -> tuple[int, int, int]:
    from lgs.loading.readers import ENCODINGS

    # One typed load at a time uses the row counter; it waits here for another to commit.
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (ROW_COUNTER,))
    conn.execute(f"select setval('{ROW_COUNTER}', {HEADER_LINES})")
    with ThreadPoolExecutor(1) as pool:
        arrow = pool.submit(_rows_to_recheck, reader)
        copied, skipped = _copy(conn, batch_id, reader.mapping, reader.chunks(progress), header=True,
                                encoding=ENCODINGS[reader.encoding])
        try:
            counted, to_recheck = arrow.result()
        except Exception as exc:  # noqa: BLE001 - Arrow cannot read what the server did
            raise _Unsure(str(exc)) from None
    read = copied + len(skipped)
    if counted != read:
        raise _Unsure(f"the server read {read} rows, Arrow {counted}")
    if skipped:
        # The server names physical lines; a quoted field may span several.
        rows_at = reader.records_at_lines(set(skipped))
        if len(rows_at) != len(skipped):
            raise _Unsure("skipped lines not found in the file")
        skipped = sorted(set(rows_at.values()))
        # PostgreSQL 18 computes the row counter before it types a row, so skipped rows count
        # too and every row already has its number; a server that counts only the rows it
        # copies needs them renumbered.
        counter = conn.execute(f"select currval('{ROW_COUNTER}')").fetchone()[0]
        if counter == HEADER_LINES + copied:
            renumber(conn, batch_id, skipped)
        elif counter != HEADER_LINES + read:
            raise _Unsure(f"the row counter ends at {counter} for {read} rows")
    recheck_rows = {HEADER_LINES + 1 + index for index in to_recheck}
    return read, *_type_the_rest(conn, reader, batch_id, source_file, copied, set(skipped), recheck_rows)


def load_parquet(conn: psycopg.Connection, reader, batch_id: int, source_file: str,
                 progress: Callable[..., None]) -> tuple[int, int, int] | None:
    """(read, loaded, rejected) for a Parquet file loaded by typed COPY, or None (as load_csv).

    Arrow already holds the values: rows it can tell will not type (a NUL, an empty number)
    or may break a rule (store.arrow_rows_to_recheck) are kept back for the careful path, and
    the others are COPYed with their row numbers. A row the server still skips sends the
    file down the landing path."""
    return _attempt(conn, _load_parquet, reader, batch_id, source_file, progress)


def _load_parquet(conn, reader, batch_id, source_file, progress) -> tuple[int, int, int]:
    import pyarrow.compute as pc

    held_back: list[int] = []
    columns = ["source_sheet", "source_row", *COLUMN_ORDER]

    def chunks():
        from lgs.loading.readers import csv_bytes

        for table in reader.text_tables(progress):
            recheck = arrow_rows_to_recheck(*(table[name] for name in _RECHECKED))
            typable = pc.and_(pc.and_(pc.is_null(table["reject_reason"]), pc.is_valid(table["quantity"])),
                              pc.invert(recheck))
            if not pc.all(typable).as_py():
                held_back.extend(table["source_row"].filter(pc.invert(typable)).to_pylist())
                table = table.filter(typable)
            yield csv_bytes(table.select(columns))

    copied, skipped = _copy(conn, batch_id, columns, chunks(), header=False, encoding="UTF8", queued=True)
    if skipped:
        raise _Unsure(f"the server skipped {len(skipped)} rows Arrow sent")
    typed = _type_the_rest(conn, reader, batch_id, source_file, copied, set(held_back), set())
    return copied + len(held_back), *typed


def _type_the_rest(conn, reader, batch_id: int, source_file: str, copied: int, not_copied: set[int],
                   to_recheck: set[int]) -> tuple[int, int]:
    """The rows the copy did not type (`not_copied`), and the rows that may break a rule the
    server does not know (`to_recheck`: store.arrow_rows_to_recheck), go through the landing
    path's rules: removed from the batch, landed again as text and typed. (loaded, rejected)"""
    rows = not_copied | to_recheck
    if not rows:
        return copied, 0
    removed = conn.execute(sql.SQL("delete from {} where source_row = any(%s)").format(batch_partition(batch_id)),
                           (sorted(rows),)).rowcount
    landing = Landing(conn)
    reader.land_rows(landing, rows)
    again, loaded, rejected = type_landed_rows(conn, landing, batch_id, source_file)
    if again != len(rows) or removed != len(rows - not_copied):
        raise _Unsure(f"{len(rows)} rows to read again, found {again}; {removed} removed")
    return copied - removed + loaded, rejected


def _copy(conn, batch_id: int, columns: list[str], chunks, *, header: bool, encoding: str,
          queued: bool = False) -> tuple[int, list[int]]:
    """COPY CSV chunks into the batch's partition: rows copied, and the lines skipped (`queued`:
    see store.copy_in)."""
    statement = sql.SQL(
        "copy {} ({}) from stdin (format csv, header {}, encoding {},"
        " force_not_null ({}), on_error ignore, log_verbosity verbose)"
    ).format(
        batch_partition(batch_id),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL("true" if header else "false"),
        sql.Literal(encoding),
        sql.SQL(", ").join(map(sql.Identifier, _FORCE_NOT_NULL)),
    )
    skipped: list[int] = []

    def note(diagnostic: psycopg.errors.Diagnostic) -> None:
        if match := _SKIPPED_LINE.search(diagnostic.message_primary or ""):
            skipped.append(int(match.group(1)))

    conn.execute(f"set local datestyle = '{LOAD_DATESTYLE}'")
    conn.add_notice_handler(note)
    try:
        with conn.cursor() as cursor:
            with copy_in(cursor, statement, queued) as copy:
                for chunk in chunks:
                    copy.write(chunk)
            copied = cursor.rowcount
    finally:
        conn.remove_notice_handler(note)
    return copied, skipped


def renumber(conn, batch_id: int, skipped: list[int]) -> None:
    """The row counter counted copied rows only: move each row past the rows skipped before
    it. A row the counter numbered n follows the j-th skipped row (1-based) when
    n >= row_j - j + 1; width_bucket finds how many such bounds n has passed."""
    bounds: dict[int, int] = {}
    for j, row in enumerate(sorted(skipped)):
        bounds[row - j] = j + 1  # several skipped rows in a row share a bound: the last count wins
    conn.execute(
        "update raw.retail_transactions"
        " set source_row = source_row + (%s::bigint[])[width_bucket(source_row, %s::bigint[]) + 1]"
        " where batch_id = %s and source_row >= %s",
        ([0, *bounds.values()], list(bounds), batch_id, min(bounds)),
    )


def _rows_to_recheck(reader) -> tuple[int, list[int]]:
    """Arrow's reading of the file: its data rows, and the (0-based) rows that may break a
    rule the server does not know (store.arrow_rows_to_recheck)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    columns = [f"f{reader.mapping.index(name)}" for name in _RECHECKED]
    rows, offenders = 0, []
    with reader.source.open() as handle:
        batches = pacsv.open_csv(
            handle,
            read_options=pacsv.ReadOptions(skip_rows=HEADER_LINES, autogenerate_column_names=True,
                                           encoding=reader.encoding, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            # NULL where COPY reads NULL: an unquoted empty field (and nothing else).
            convert_options=pacsv.ConvertOptions(include_columns=columns,
                                                 column_types=dict.fromkeys(columns, pa.string()),
                                                 null_values=[""], strings_can_be_null=True,
                                                 quoted_strings_can_be_null=False),
        )
        for batch in batches:
            recheck = arrow_rows_to_recheck(*(batch.column(name) for name in columns))
            if pc.any(recheck).as_py():
                offenders += [rows + i for i in pc.indices_nonzero(recheck).to_pylist()]
            rows += batch.num_rows
    return rows, offenders
