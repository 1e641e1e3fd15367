"""The database side of a load: landing table, typed insert, rejects and the batch record.

One file = one batch = one transaction. Rows are streamed with COPY into a temporary
landing table of text columns; a single INSERT ... SELECT then types every row, sending
those that cannot be typed to `raw.rejected_lines` with the reason. Nothing is visible to
anyone until the commit, so a load killed at any point leaves the raw tables as they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files

import psycopg
from psycopg import sql

from lgs.loading.columns import COLUMN_ORDER
from lgs.loading.rules import DATE_TIME_PATTERN, POSTGRES, arrow_known_date_format, reason_sql

LANDING = "lgs_landing"
# Timestamps are read as ISO or US month/day/year: the UCI CSV export writes `12/1/2010 8:26`.
LOAD_DATESTYLE = "ISO, MDY"
# The sequence that numbers the rows of a typed COPY (schema.sql), the default of each batch
# partition's source_row; one load at a time uses it, under an advisory lock (typed_copy).
ROW_COUNTER = "raw.load_source_row"
# Python-side rows (xlsx, SQL dumps, the careful CSV path) arrive in this column order.
RECORD_COLUMNS = ("source_sheet", "source_row", *COLUMN_ORDER, "raw_content", "reject_reason")


@contextmanager
def copy_in(cursor: psycopg.Cursor, statement: sql.Composable, queued: bool = False) -> Iterator[psycopg.Copy]:
    """COPY ... FROM STDIN. `queued`: writes return at once and psycopg sends the data from a
    thread of its own, so the next chunk is built while the server types this one. That pays
    where building a chunk is work (Parquet's values converted by Arrow: 2.70 -> 2.26 s for
    the real data), not where a chunk is bytes read from a file (a CSV: 2.03 -> 2.15 s) or
    reading is the whole cost (a workbook's XML)."""
    from psycopg.copy import QueuedLibpqWriter

    with cursor.copy(statement, writer=QueuedLibpqWriter(cursor) if queued else None) as copy:
        yield copy


def ensure_raw_schema(conn: psycopg.Connection) -> None:
    """Create the raw schema and tables if missing (idempotent, safe to race)."""
    ddl = files("lgs.loading").joinpath("schema.sql").read_text()
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('lgs.raw_schema'))")
        conn.execute(ddl)


def batch_partition(batch_id: int) -> sql.Composed:
    """The partition of raw.retail_transactions that holds one load batch's rows."""
    return sql.Identifier("raw", f"retail_transactions_batch_{batch_id}")


def batch_part(batch_id: int, part: int) -> sql.Composed:
    """One part of a batch COPYed in parts (typed_copy): a partition of its batch's partition."""
    return sql.Identifier("raw", f"retail_transactions_batch_{batch_id}_part_{part}")


def batch_partition_ddl(batch_id: int, source_file: str, in_parts: bool = False) -> list[sql.Composed]:
    """The statements that create a batch's own partition and attach it (add_batch_partition).
    Its lineage columns default to this batch and file, and its row numbers to the typed
    COPY's counter (ROW_COUNTER). The check lets the attach skip reading the table.

    `in_parts`: for a file the typed COPY loads in parts, one per core (typed_copy). The
    batch's partition is then itself partitioned by row number, and holds its first part,
    which takes every row until the other parts are attached."""
    partition = batch_partition(batch_id)
    table = batch_part(batch_id, 1) if in_parts else partition
    statements = [
        sql.SQL("create table {} (like raw.retail_transactions including defaults, check (batch_id = {}))").format(
            table, sql.Literal(batch_id)),
        sql.SQL("alter table {} alter column batch_id set default {}, alter column source_file set default {},"
                " alter column source_row set default nextval({})").format(
            table, sql.Literal(batch_id), sql.Literal(source_file), sql.Literal(ROW_COUNTER)),
    ]
    if in_parts:
        statements = [
            # (Its parts' checks prove its bounds: a check of its own would be one they must copy.)
            sql.SQL("create table {} (like raw.retail_transactions) partition by range (source_row)").format(
                partition),
            *statements,
            sql.SQL("alter table {} attach partition {} for values from (minvalue) to (maxvalue)").format(
                partition, table),
        ]
    return [
        *statements,
        sql.SQL("alter table raw.retail_transactions attach partition {} for values from ({}) to ({})").format(
            partition, sql.Literal(batch_id), sql.Literal(batch_id + 1)),
    ]


def add_batch_partition(conn: psycopg.Connection, batch_id: int, source_file: str, in_parts: bool = False) -> None:
    """The batch's own partition, created and attached in the loading transaction, so nothing
    of it is seen before the commit and a killed load leaves none. What is written into a table
    created in the same transaction skips the write-ahead log (wal_level minimal)."""
    for statement in batch_partition_ddl(batch_id, source_file, in_parts):
        conn.execute(statement)


@dataclass
class BatchResult:
    source_file: str
    file_type: str
    batch_id: int | None
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    skipped: bool = False
    replaced_batch: int | None = None
    note: str | None = None

    def summary(self) -> str:
        if self.skipped:
            return f"{self.source_file}: already loaded as batch {self.batch_id} (same checksum): skipped; use --replace to reload"
        text = (
            f"{self.source_file}: batch {self.batch_id}: read {self.rows_read:,}, "
            f"loaded {self.rows_loaded:,}, rejected {self.rows_rejected:,}"
        )
        if self.replaced_batch:
            text += f" (replaced batch {self.replaced_batch})"
        if self.note:
            text += f"; {self.note}"
        if self.rows_rejected:
            text += f"; see the rejected rows with `lgs rejects {self.batch_id}`"
        return text


class Landing:
    """Rows on their way in, inside the batch's transaction."""

    def __init__(self, conn: psycopg.Connection, extra_columns: int = 0) -> None:
        self.conn = conn
        self.extra = [f"extra_{i}" for i in range(1, extra_columns + 1)]
        columns = ["source_sheet text", "source_row bigint"]
        columns += [f"{name} text" for name in (*COLUMN_ORDER, "raw_content", "reject_reason", *self.extra)]
        conn.execute(f"drop table if exists {LANDING}")
        conn.execute(f"create temp table {LANDING} ({', '.join(columns)}) on commit drop")
        self.numbered_by_position = False

    @contextmanager
    def record_writer(self) -> Iterator[psycopg.Copy]:
        """COPY for rows built in Python, in RECORD_COLUMNS order."""
        statement = sql.SQL("copy {} ({}) from stdin").format(
            sql.Identifier(LANDING), sql.SQL(", ").join(map(sql.Identifier, RECORD_COLUMNS))
        )
        with self.conn.cursor().copy(statement) as copy:
            yield copy

    def copy_csv(self, file_columns: list[str | None], chunks: Iterable[bytes], *, header: bool, encoding: str,
                 with_position: bool = False) -> None:
        """COPY CSV bytes straight through: PostgreSQL parses them, Python never does.

        `file_columns` names the landing column of each CSV column (None: an ignored one).
        Without explicit row numbers, rows are numbered by their position in the landing
        table, which COPY fills in file order.
        """
        targets = list(file_columns)
        extras = iter(self.extra)
        targets = [name if name is not None else next(extras) for name in targets]
        statement = sql.SQL("copy {} ({}) from stdin (format csv, header {}, encoding {})").format(
            sql.Identifier(LANDING),
            sql.SQL(", ").join(map(sql.Identifier, targets)),
            sql.SQL("true" if header else "false"),
            sql.Literal(encoding),
        )
        with self.conn.cursor().copy(statement) as copy:
            for chunk in chunks:
                copy.write(chunk)
        self.numbered_by_position = not with_position


# A typed row that certainly passes rules.reason_sql on its text: the landing path's fast
# filter (typed_copy's is its twin in Arrow, below). A row that does not pass goes through
# reason_sql itself.
_NOT_A_NUMBER = "('NaN', 'Infinity', '-Infinity')"
TYPED_ROW_IS_CLEAN = f"""trim(invoice) <> '' and trim(stock_code) <> ''
    and unit_price not in {_NOT_A_NUMBER}
    and (customer_id is null or (customer_id not in {_NOT_A_NUMBER} and customer_id = trunc(customer_id)))"""


def arrow_rows_to_recheck(invoice, stock_code, invoice_date, unit_price, customer_id):
    """The typed COPY's filter, on the text in Arrow: true where a row must go through
    rules.reason_sql, false only where the row's typed values certainly pass
    TYPED_ROW_IS_CLEAN and its date-time is in a known format. Where unsure it says true:
    a row read again is typed by the same rules, only slower. (In Arrow, beside the COPY,
    so the server does not read the batch again for its suspects.)

    NULL is text COPY leaves empty: '' in the NOT NULL columns (recheck), NULL for a
    customer (clean). Every spelling of NaN and infinity has an n in it; a whole
    customer number is digits, maybe `.0..`, maybe between spaces (trim and numeric
    input skip them)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    # No Python value is turned into an Arrow one here: the first such turn imports pandas,
    # 0.2 s or more of the thread beside the COPY.
    def true_or_null(condition):
        return pc.or_kleene(condition, pc.is_null(condition))

    def per_row(rule, column):  # a dictionary's values are checked once each (columns repeat)
        if isinstance(column, pa.ChunkedArray):  # a table's column: each chunk has its dictionary
            return pa.chunked_array([per_row(rule, chunk) for chunk in column.chunks], pa.bool_())
        if pa.types.is_dictionary(column.type):
            return pc.take(rule(column.dictionary), column.indices)
        return rule(column)

    def matches(pattern):
        return lambda column: pc.match_substring_regex(column, pattern)

    recheck = true_or_null(pc.invert(per_row(arrow_known_date_format, invoice_date)))
    for text in (invoice, stock_code):  # empty once trimmed of spaces, as trim() does
        recheck = pc.or_(recheck, true_or_null(per_row(matches("^ *$"), text)))
    recheck = pc.or_(recheck, true_or_null(per_row(matches("[nN]"), unit_price)))
    whole = per_row(matches(r"^ *[0-9]+([.]0*)? *$"), customer_id)
    return pc.or_(recheck, pc.and_kleene(pc.invert(whole), pc.is_valid(whole)))


_INSERT_COLUMNS = """batch_id, source_file, source_sheet, source_row, invoice, stock_code, description,
                quantity, invoice_date, unit_price, customer_id, country"""


def _landed_sql(landing: Landing) -> str:
    """The landing rows with their row numbers, as a subquery."""
    # COPY appends to a fresh temporary heap in file order, and a temporary table is never
    # scanned in parallel or from a synchronised start, so scan order is file order.
    row_number = "row_number() over () + 1" if landing.numbered_by_position else "source_row"
    return (
        f"(select source_sheet, {row_number} as source_row, {', '.join(COLUMN_ORDER)}, raw_content, reject_reason"
        f" from {LANDING}) as landed"
    )


def _insert_clean(conn: psycopg.Connection, landing: Landing, params: dict) -> int | None:
    """Optimistic path: type every row in one INSERT. A row that is not clean, by the same
    rules as `rules.reason_sql`, gets a NULL in a NOT NULL column (or fails its cast), the
    statement fails, and the caller takes the row-by-row path instead. Returns rows loaded,
    or None when the careful path is needed.

    The usual ISO timestamp (`2010-12-01 08:26:00`, optionally with a fraction) is checked
    by comparing it with its typed value printed back, which costs a fraction of the
    date-format regex; other shapes still go through the regex.
    """
    if conn.execute(f"select exists (select 1 from {LANDING} where reject_reason is not null)").fetchone()[0]:
        return None
    try:
        with conn.transaction():
            return conn.execute(
                f"""
                insert into raw.retail_transactions ({_INSERT_COLUMNS})
                select
                    %(batch)s, %(file)s, source_sheet, source_row,
                    case when {TYPED_ROW_IS_CLEAN} then invoice end,
                    stock_code, description, quantity,
                    case
                        when (left(invoice_date_text, 19) = left(cast(invoice_date as text), 19)
                              and (length(invoice_date_text) = 19
                                   or (substr(invoice_date_text, 20, 1) = '.'
                                       and length(invoice_date_text) > 20
                                       and rtrim(invoice_date_text, '0123456789') = left(invoice_date_text, 20))))
                            or trim(invoice_date_text) ~ '{DATE_TIME_PATTERN}'
                            then invoice_date
                    end,
                    unit_price, customer_id, country
                from (
                    select
                        source_sheet, source_row,
                        invoice, stock_code,
                        description,
                        cast(quantity as integer) as quantity,
                        invoice_date as invoice_date_text,
                        cast(invoice_date as timestamp) as invoice_date,
                        cast(unit_price as numeric) as unit_price,
                        cast(nullif(customer_id, '') as numeric) as customer_id,
                        country
                    from {_landed_sql(landing)}
                ) as typed
                """,
                params,
            ).rowcount
    except (psycopg.errors.DataError, psycopg.errors.NotNullViolation):
        return None


def type_landed_rows(conn: psycopg.Connection, landing: Landing, batch_id: int, source_file: str) -> tuple[int, int, int]:
    """Move landed rows into raw.retail_transactions or raw.rejected_lines: (read, loaded, rejected)."""
    conn.execute(f"set local datestyle = '{LOAD_DATESTYLE}'")
    params = {"batch": batch_id, "file": source_file}
    read = conn.execute(f"select count(*) from {LANDING}").fetchone()[0]
    loaded = _insert_clean(conn, landing, params)
    if loaded is not None:
        return read, loaded, 0
    fields = ", ".join(f"coalesce({c}, '')" for c in COLUMN_ORDER)
    statement = f"""
        with checked as materialized (
            select landed.*, {reason_sql(POSTGRES)} as reason
            from {_landed_sql(landing)}
        ),
        rejected as (
            insert into raw.rejected_lines (batch_id, source_file, source_sheet, source_row, raw_content, reason)
            select %(batch)s, %(file)s, source_sheet, source_row,
                   coalesce(raw_content, concat_ws(',', {fields})), reason
            from checked
            where reason is not null
            returning 1
        ),
        loaded as (
            insert into raw.retail_transactions ({_INSERT_COLUMNS})
            select
                %(batch)s, %(file)s, source_sheet, source_row, invoice, stock_code, description,
                cast(trim(quantity) as integer),
                cast(trim(invoice_date) as timestamp),
                cast(trim(unit_price) as numeric),
                cast(nullif(trim(customer_id), '') as numeric),
                country
            from checked
            where reason is null
            returning 1
        )
        select (select count(*) from loaded), (select count(*) from rejected)
    """
    loaded, rejected = conn.execute(statement, params).fetchone()
    if read != loaded + rejected:  # pragma: no cover - a bug, never bad input
        raise RuntimeError(f"{source_file}: read {read} but loaded {loaded} + rejected {rejected}")
    return read, loaded, rejected


def find_live_batch(conn: psycopg.Connection, checksum: str) -> int | None:
    row = conn.execute(
        "select batch_id from raw.load_batches where checksum_sha256 = %s and status = 'loaded'", (checksum,)
    ).fetchone()
    return row[0] if row else None


def retire_batch(conn: psycopg.Connection, batch_id: int, status: str = "replaced") -> None:
    """--replace or `lgs unload`: the batch's rows go, its record stays, marked `status`."""
    conn.execute("delete from raw.retail_transactions where batch_id = %s", (batch_id,))
    conn.execute("delete from raw.rejected_lines where batch_id = %s", (batch_id,))
    conn.execute(
        "update raw.load_batches set status = %s, note = concat_ws('; ', note, %s || ' at ' || now()) "
        "where batch_id = %s",
        (status, status, batch_id),
    )


def open_batch(conn: psycopg.Connection, source_file: str, source_path: str, file_type: str, checksum: str,
               is_sample: bool = False, in_parts: bool = False) -> int:
    row = conn.execute(
        "insert into raw.load_batches (source_file, source_path, file_type, checksum_sha256, status, is_sample) "
        "values (%s, %s, %s, %s, 'loaded', %s) returning batch_id",
        (source_file, source_path, file_type, checksum, is_sample),
    ).fetchone()
    add_batch_partition(conn, row[0], source_file, in_parts)
    return row[0]


def close_batch(conn: psycopg.Connection, batch_id: int, read: int, loaded: int, rejected: int, note: str | None) -> None:
    conn.execute(
        "update raw.load_batches set rows_read = %s, rows_loaded = %s, rows_rejected = %s, "
        "finished_at = clock_timestamp(), note = %s where batch_id = %s",
        (read, loaded, rejected, note, batch_id),
    )
