"""PostgreSQL 17 and later: a CSV or Parquet file COPYed straight into raw.retail_transactions,
typed by the server as it reads, instead of landed as text and typed in a second pass.

The result is the landing path's, row for row. For a CSV file (Parquet: see load_parquet):

- it is COPYed into the batch's own partition (store.add_batch_partition), whose column
  defaults are the batch id and file name, and a row counter, which numbers rows as the
  file does;
- a big file is cut in two at a newline and its parts COPYed at once, the second over a
  connection of its own into a table of its own, numbered on from the first and attached
  to the batch's partition once both are in (`_copy_in_two_parts`): the server types it on
  two cores;
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

import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import dataclass

import psycopg
from psycopg import sql

from lgs.loading.columns import COLUMN_ORDER
from lgs.loading.store import (LOAD_DATESTYLE, ROW_COUNTER, Landing, arrow_rows_to_recheck, batch_part,
                               batch_partition, copy_in, type_landed_rows)

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


# A CSV file this big is COPYed in two parts at once, each over a connection of its own, so the
# server types it on two cores: 1.4 -> 0.8 s for the real data's 112 MB (bench/latest-run.txt).
# Below it a second connection and the search for a split point cost what they save.
TWO_PARTS_FROM_BYTES = 8 << 20
# PostgreSQL 18's row counter counts the rows COPY skips, so the second part can be numbered
# from where the first ends before the first is copied.
TWO_PARTS_FROM_SERVER_VERSION = 180000
# The lock a load holds while a part it committed waits to be attached (schema.sql drops a
# part nobody holds, left by a killed load).
PART_LOCK = "select pg_advisory_xact_lock(hashtextextended('lgs.batch_part', %s))"


class _Unsure(Exception):
    """The fast path cannot vouch for this file: take the landing path."""


def available(conn: psycopg.Connection) -> bool:
    return conn.info.server_version >= MIN_SERVER_VERSION


def in_two_parts(conn: psycopg.Connection, reader) -> bool:
    """Whether this file is COPYed in two parts (a CSV file of TWO_PARTS_FROM_BYTES, a Parquet
    file of more than one batch), so its batch's partition is made to hold parts
    (store.batch_partition_ddl)."""
    return (available(conn) and conn.info.server_version >= TWO_PARTS_FROM_SERVER_VERSION
            and _worth_two_parts(reader))


def _worth_two_parts(reader) -> bool:
    if (os.cpu_count() or 1) < 2:
        return False
    if reader.file_type == "parquet":
        return reader.split_point() is not None
    return reader.source.member is None and reader.source.size >= TWO_PARTS_FROM_BYTES and None not in reader.mapping


@dataclass(frozen=True)
class _Split:
    """Where a CSV file is cut in two: after a newline past its middle."""

    offset: int  # the second part's first byte
    lines: int  # the lines before it, the header's included (the server numbers skipped rows by line)
    # A newline may be inside a quoted field: the server's counts check the cut, and a wrong
    # one is tried again in one part (_in_parts_or_whole).
    certain = False

    @property
    def records(self) -> int:
        """The records before the cut, if none of its lines is inside a quoted field (the
        usual file; the server's count of the first part checks it): the row number the
        second part follows."""
        return self.lines


@dataclass(frozen=True)
class RowSplit:
    """Where a Parquet file is cut in two (readers.ParquetReader.split_point): after this many
    rows. Its rows carry their numbers, so the cut is certain."""

    records: int
    certain = True  # a failure in two parts would be the same in one


def split_point(reader) -> _Split | None:
    """Where a file worth two parts is cut (CsvReader.split_point keeps it): after the first
    newline past its middle. None when there is none, or the file is not worth two parts.

    A newline inside a quoted field is not a record's end, but finding those takes a parse of
    the first half (0.13 s for the real data's): the cut is checked instead. The server
    cannot COPY a first part that ends inside quotes, and counts fewer rows than lines in one
    that has newlines inside quotes; either way the file is COPYed again, whole."""
    if not _worth_two_parts(reader):
        return None
    middle, done, lines = reader.source.size // 2, 0, 0
    with reader.source.open() as handle:
        while done < middle and (chunk := handle.read(min(1 << 22, middle - done))):
            lines, done = lines + chunk.count(b"\n"), done + len(chunk)
        while chunk := handle.read(1 << 16):
            if (end := chunk.find(b"\n")) >= 0:
                split = _Split(done + end + 1, lines + 1)
                return split if split.lines > HEADER_LINES and split.offset < reader.source.size else None
            done += len(chunk)
    return None


def load_csv(conn: psycopg.Connection, reader, batch_id: int, source_file: str,
             progress: Callable[..., None]) -> tuple[int, int, int] | None:
    """(read, loaded, rejected) for a CSV file loaded by typed COPY, or None when the caller
    must take the landing path (server too old, ignored columns, or a file this path cannot
    vouch for; then nothing of it is left in the batch)."""
    if None in reader.mapping:
        return None
    return _in_parts_or_whole(conn, reader, _load_csv, batch_id, source_file, progress)


def _in_parts_or_whole(conn: psycopg.Connection, reader, load: Callable[..., tuple[int, int, int]], batch_id: int,
                       source_file: str, progress: Callable[..., None]) -> tuple[int, int, int] | None:
    """`load(conn, reader, batch_id, source_file, progress, split, helper)` in two parts, the
    second over the connection `helper`, when the file is worth it (in_two_parts), else (or
    when that fails) whole, split and helper None: as _attempt."""
    split = reader.split_point() if in_two_parts(conn, reader) else None
    helper = _connect_like(conn) if split is not None else None
    if helper is not None:
        counts, helper_failed = None, False
        try:
            counts = _attempt(conn, load, reader, batch_id, source_file, progress, split, helper)
        except psycopg.Error:
            helper_failed = True  # the second connection could not do its part (no right to temporary objects, say)
        finally:
            if counts is None:
                # After the savepoint's rollback, which let go of the second part.
                _drop_second_part(helper, batch_id)
            helper.close()
        if counts is not None or (split.certain and not helper_failed):
            return counts
    # In one part (the cut may have been wrong, or the second connection failed).
    return _attempt(conn, load, reader, batch_id, source_file, progress, None, None)


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


def _load_csv(conn, reader, batch_id, source_file, progress, split: _Split | None,
              helper: psycopg.Connection | None) -> tuple[int, int, int]:
    from lgs.loading.readers import ENCODINGS

    # One typed load at a time uses the row counter; it waits here for another to commit.
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (ROW_COUNTER,))
    conn.execute(f"select setval('{ROW_COUNTER}', {HEADER_LINES})")
    encoding = ENCODINGS[reader.encoding]
    # Arrow reads the file beside the COPY; leaving this block waits for it, whatever happens
    # (a thread still inside Arrow as the interpreter shuts down can crash the process).
    with ThreadPoolExecutor(2) as pool:
        arrow = pool.submit(_rows_to_recheck, reader)
        if split is None:
            copied, skipped = _copy(conn, _whole_file_table(conn, reader, batch_id), reader.mapping,
                                    reader.chunks(progress), header=True, encoding=encoding)
        else:
            copied, skipped = _copy_csv_in_two_parts(conn, helper, pool, reader, batch_id, source_file, split,
                                                     encoding, progress)
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
        if split is None:
            counter = conn.execute(f"select currval('{ROW_COUNTER}')").fetchone()[0]
            if counter == HEADER_LINES + copied:
                renumber(conn, batch_id, skipped)
            elif counter != HEADER_LINES + read:
                raise _Unsure(f"the row counter ends at {counter} for {read} rows")
    recheck_rows = {HEADER_LINES + 1 + index for index in to_recheck}
    return read, *_type_the_rest(conn, reader, batch_id, source_file, copied, set(skipped), recheck_rows)


def _whole_file_table(conn, reader, batch_id: int) -> sql.Composed:
    """Where a file COPYed in one part goes: its batch's partition, or, for a file that was to
    be cut in two and could not be, that partition's first part."""
    return batch_part(batch_id, 1) if in_two_parts(conn, reader) else batch_partition(batch_id)


def _copy_in_two_parts(conn, helper, pool, batch_id: int, split: _Split | RowSplit, copy_first, copy_second):
    """`copy_first()` here, into the batch's first part, which takes the rows up to the cut, and
    at the same time `copy_second()` in `pool`, over `helper`, into the second part
    (_create_second_part), which it commits: both their results. _attach_second_part then
    attaches that part in the loading transaction, under the lock taken here, which keeps
    schema.sql from dropping it."""
    partition, first = batch_partition(batch_id), batch_part(batch_id, 1)
    conn.execute(PART_LOCK, (batch_id,))
    # The first part takes only its own rows now; it is empty, so the attach reads nothing.
    conn.execute(sql.SQL("alter table {} detach partition {}").format(partition, first))
    conn.execute(sql.SQL("alter table {} attach partition {} for values from (minvalue) to ({})").format(
        partition, first, sql.Literal(split.records + 1)))
    seconds = pool.submit(copy_second)
    try:
        firsts = copy_first()
    except BaseException:
        helper.cancel_safe()
        wait([seconds])
        raise
    return firsts, seconds.result()


def _create_second_part(helper, batch_id: int, source_file: str, split: _Split | RowSplit,
                        row_numbers: str | None = None) -> sql.Composed:
    """The batch's second part, created over `helper`, in the transaction that fills it, so its
    rows skip the write-ahead log like the first part's. Its check proves its bounds, so
    the attach reads nothing. `row_numbers`: a sequence that numbers its rows."""
    second = batch_part(batch_id, 2)
    helper.execute(sql.SQL("create table {} (like raw.retail_transactions including defaults,"
                           " check (batch_id = {} and source_row >= {}))").format(
        second, sql.Literal(batch_id), sql.Literal(split.records + 1)))
    helper.execute(sql.SQL("alter table {} alter column batch_id set default {},"
                           " alter column source_file set default {}").format(
        second, sql.Literal(batch_id), sql.Literal(source_file)))
    if row_numbers is not None:
        helper.execute(sql.SQL("alter table {} alter column source_row set default nextval({})").format(
            second, sql.Literal(row_numbers)))
    return second


def _attach_second_part(conn, batch_id: int, split: _Split | RowSplit) -> None:
    conn.execute(sql.SQL("alter table {} attach partition {} for values from ({}) to (maxvalue)").format(
        batch_partition(batch_id), batch_part(batch_id, 2), sql.Literal(split.records + 1)))


def _copy_csv_in_two_parts(conn, helper, pool, reader, batch_id: int, source_file: str, split: _Split,
                           encoding: str, progress) -> tuple[int, list[int]]:
    """The file's records up to `split` COPYed into the batch's first part, the others at the
    same time over `helper` into its second part, numbered on from the first
    (_copy_in_two_parts): (rows copied, lines skipped), as _copy."""
    (copied, skipped), (copied_after, skipped_after, counter_after) = _copy_in_two_parts(
        conn, helper, pool, batch_id, split,
        lambda: _copy(conn, batch_part(batch_id, 1), reader.mapping, reader.chunks(progress, end=split.offset),
                      header=True, encoding=encoding),
        lambda: _copy_second_part(helper, reader, batch_id, source_file, split, encoding, progress))
    counter = conn.execute(f"select currval('{ROW_COUNTER}')").fetchone()[0]
    read, read_after = copied + len(skipped), copied_after + len(skipped_after)
    if not counter == HEADER_LINES + read == split.records or counter_after != split.records + read_after:
        raise _Unsure(f"rows {HEADER_LINES + read} and {read_after} numbered to {counter} and {counter_after},"
                      f" the first part ending at record {split.records}")
    _attach_second_part(conn, batch_id, split)
    return copied + copied_after, skipped + skipped_after


def _copy_second_part(helper, reader, batch_id: int, source_file: str, split: _Split, encoding: str,
                      progress) -> tuple[int, list[int], int]:
    """The CSV records after `split`, COPYed over `helper` into the batch's second part, and
    committed: (rows copied, lines skipped as numbered in the whole file, the last row number)."""
    helper.execute("create temporary sequence lgs_part_rows")
    helper.execute("select setval('pg_temp.lgs_part_rows', %s)", (split.records,))
    second = _create_second_part(helper, batch_id, source_file, split, "pg_temp.lgs_part_rows")
    copied, skipped = _copy(helper, second, reader.mapping, reader.chunks(progress, start=split.offset),
                            header=False, encoding=encoding)
    counter = helper.execute("select last_value from pg_temp.lgs_part_rows").fetchone()[0]
    # The table outlives this session's sequence.
    helper.execute(sql.SQL("alter table {} alter column source_row drop default").format(second))
    # Committed now, while the first part may still be copying (the commit writes the table
    # out); dropped again if the load does not keep it (_in_parts_or_whole).
    helper.commit()
    return copied, [split.lines + line for line in skipped], counter


def _connect_like(conn: psycopg.Connection) -> psycopg.Connection | None:
    """A second connection to the same database as the same user (a password, if any, comes
    from PGPASSWORD or .pgpass, as for the first); None if the server refuses one (too many
    connections, say): the file is then COPYed in one part."""
    try:
        return psycopg.connect(conn.info.dsn)
    except psycopg.OperationalError:
        return None


def _drop_second_part(helper: psycopg.Connection, batch_id: int) -> None:
    """After a failure: the second part, if it was committed, dropped (when that fails too,
    schema.sql drops it at the next load or build)."""
    with suppress(psycopg.Error):
        helper.rollback()
        helper.execute("set lock_timeout = '10s'")  # never wait on the loading transaction for long
        helper.execute(sql.SQL("drop table if exists {}").format(batch_part(batch_id, 2)))
        helper.commit()


def load_parquet(conn: psycopg.Connection, reader, batch_id: int, source_file: str,
                 progress: Callable[..., None]) -> tuple[int, int, int] | None:
    """(read, loaded, rejected) for a Parquet file loaded by typed COPY, or None (as load_csv).

    Arrow already holds the values: rows it can tell will not type (a NUL, an empty number)
    or may break a rule (store.arrow_rows_to_recheck) are kept back for the careful path, and
    the others are COPYed with their row numbers; a file of more than one batch in two parts
    at once, each turned into text by a thread of its own (_copy_in_two_parts). A row the
    server still skips sends the file down the landing path."""
    return _in_parts_or_whole(conn, reader, _load_parquet, batch_id, source_file, progress)


def _load_parquet(conn, reader, batch_id, source_file, progress, split: RowSplit | None,
                  helper: psycopg.Connection | None) -> tuple[int, int, int]:
    import pyarrow.compute as pc

    held_back: list[int] = []
    columns = ["source_sheet", "source_row", *COLUMN_ORDER]

    def copy(connection, table, rows: tuple[int, int | None]) -> tuple[int, list[int]]:
        from lgs.loading.readers import csv_bytes

        def chunks():
            for text in reader.text_tables(progress, rows):
                recheck = arrow_rows_to_recheck(*(text[name] for name in _RECHECKED))
                typable = pc.and_(pc.and_(pc.is_null(text["reject_reason"]), pc.is_valid(text["quantity"])),
                                  pc.invert(recheck))
                if not pc.all(typable).as_py():
                    held_back.extend(text["source_row"].filter(pc.invert(typable)).to_pylist())
                    text = text.filter(typable)
                yield csv_bytes(text.select(columns))

        # In one part, psycopg's queued writer sends a chunk while the next is converted; in
        # two, each part's thread converts while the other's server process types.
        return _copy(connection, table, columns, chunks(), header=False, encoding="UTF8", queued=split is None)

    if split is None:
        copied, skipped = copy(conn, _whole_file_table(conn, reader, batch_id), (0, None))
    else:
        with ThreadPoolExecutor(1) as pool:
            (copied, skipped), (copied_after, skipped_after) = _copy_in_two_parts(
                conn, helper, pool, batch_id, split, lambda: copy(conn, batch_part(batch_id, 1), (0, split.records)),
                lambda: _copy_second_parquet_part(helper, batch_id, source_file, split,
                                                  lambda second: copy(helper, second, (split.records, None))))
        _attach_second_part(conn, batch_id, split)
        copied, skipped = copied + copied_after, skipped + skipped_after
    if skipped:
        raise _Unsure(f"the server skipped {len(skipped)} rows Arrow sent")
    typed = _type_the_rest(conn, reader, batch_id, source_file, copied, set(held_back), set())
    return copied + len(held_back), *typed


def _copy_second_parquet_part(helper, batch_id: int, source_file: str, split: RowSplit,
                              copy: Callable[[sql.Composed], tuple[int, list[int]]]) -> tuple[int, list[int]]:
    """The Parquet rows after `split`, COPYed by `copy` over `helper` into the batch's second
    part, and committed: as _copy."""
    copied = copy(_create_second_part(helper, batch_id, source_file, split))
    helper.commit()
    return copied


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


def _copy(conn, table: sql.Composable, columns: list[str], chunks, *, header: bool, encoding: str,
          queued: bool = False) -> tuple[int, list[int]]:
    """COPY CSV chunks into `table` (the batch's partition or a part of it): rows copied, and the
    lines skipped (`queued`: see store.copy_in)."""
    statement = sql.SQL(
        "copy {} ({}) from stdin (format csv, header {}, encoding {},"
        " force_not_null ({}), on_error ignore, log_verbosity verbose)"
    ).format(
        table,
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
    # The reader is closed on every way out: one left to the interpreter's shutdown, its
    # read-ahead thread still alive, can abort the process.
    with reader.source.open() as handle, pacsv.open_csv(
            handle,
            read_options=pacsv.ReadOptions(skip_rows=HEADER_LINES, autogenerate_column_names=True,
                                           encoding=reader.encoding, block_size=1 << 20),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            # NULL where COPY reads NULL: an unquoted empty field (and nothing else).
            # Dictionaries: the rules then check each distinct value once.
            convert_options=pacsv.ConvertOptions(include_columns=columns,
                                                 column_types=dict.fromkeys(columns, pa.dictionary(pa.int32(),
                                                                                                   pa.string())),
                                                 null_values=[""], strings_can_be_null=True,
                                                 quoted_strings_can_be_null=False),
    ) as batches:
        for batch in batches:
            recheck = arrow_rows_to_recheck(*(batch.column(name) for name in columns))
            if pc.any(recheck).as_py():
                offenders += [rows + i for i in pc.indices_nonzero(recheck).to_pylist()]
            rows += batch.num_rows
    return rows, offenders
