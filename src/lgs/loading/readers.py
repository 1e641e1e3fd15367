"""Readers for each accepted file type. Each turns one source into landed rows.

A reader first `check()`s the file (type, header) without touching the database, so a
file that is not a retail file is refused before anything is written. `land()` then
streams its rows into the landing table: CSV and Parquet as CSV bytes that PostgreSQL's
COPY parses, the workbook and SQL dumps as rows built in Python.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO

import psycopg

from lgs.errors import RefusedFile
from lgs.loading.columns import COLUMN_ORDER, SHEET_COLUMN, map_header, normalise
from lgs.loading.landing_file import CopyFailed
from lgs.loading.sql_dump import SqlDumpError, iter_dump_rows
from lgs.loading.store import Landing
from lgs.loading import typed_copy

CHUNK = 1 << 20
# Parquet is read and turned into text this many rows at a time (twice as many: the same time,
# a third more page faults and 50 MB more memory for the real file).
PARQUET_BATCH_ROWS = 65_536
ENCODINGS = {"utf-8": "UTF8", "latin-1": "LATIN1", "cp1252": "WIN1252"}
# A single CSV field longer than this is garbage, not a description.
FIELD_LIMIT = 1 << 20
csv.field_size_limit(FIELD_LIMIT)

# Called with the amount done (bytes or rows, see Reader.progress_total) and, for bytes, the
# rows those bytes held.
Progress = Callable[..., None]


def _no_progress(*_: int) -> None:
    return None


@dataclass
class Source:
    """One loadable input: a file on disk, or a member of a zip archive."""

    name: str  # what lineage columns and messages call it
    path: Path  # the file on disk (the archive, for a member)
    member: str | None = None
    size: int = 0

    def open(self) -> IO[bytes]:
        if self.member is None:
            return open(self.path, "rb")
        return zipfile.ZipFile(self.path).open(self.member)

    def head(self, n: int = 8) -> bytes:
        with self.open() as handle:
            return handle.read(n)


@dataclass
class LandStats:
    blank_rows: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)

    def note(self) -> str | None:
        parts = []
        if self.blank_rows:
            parts.append(f"{self.blank_rows} blank row(s) skipped")
        if self.ignored_columns:
            parts.append("ignored column(s) " + ", ".join(self.ignored_columns))
        if self.ignored_sheets:
            parts.append("ignored sheet(s) without retail columns: " + ", ".join(self.ignored_sheets))
        return "; ".join(parts) or None


def _text(value: object) -> str | None:
    """A cell as text, the way it would read in a CSV export."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _bad_text(value: str) -> str | None:
    """Why a decoded field cannot be stored as PostgreSQL text, if it cannot."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "not valid text in the file's encoding (try --encoding latin-1 or cp1252)"
    return None


def _printable(values: list[str]) -> str:
    line = ",".join(values)
    line = line.replace("\x00", "\\x00")
    return line.encode("utf-8", "backslashreplace").decode("utf-8")[:10_000]


class Reader:
    file_type = "?"

    def __init__(self, source: Source, encoding: str = "utf-8") -> None:
        self.source = source
        self.encoding = encoding
        self.stats = LandStats()

    def check(self) -> None:
        raise NotImplementedError

    def land(self, landing_factory: Callable[[int], Landing], progress: Progress = _no_progress) -> Landing:
        raise NotImplementedError

    def copies_in_parts(self, conn: psycopg.Connection) -> bool:
        """Whether copy_typed loads this file in parts, so its batch's partition must hold parts
        (store.batch_partition_ddl)."""
        return False

    def prepare_copy(self, conn: psycopg.Connection) -> None:
        """Start on what copy_typed will need of the file, while the loader does other work."""

    def copy_typed(self, conn: psycopg.Connection, batch_id: int, source_file: str,
                   progress: Progress = _no_progress) -> tuple[int, int, int] | None:
        """Load straight into the raw table where the server types this file as it reads it
        (typed_copy): (read, loaded, rejected). None: land it instead (nothing was written)."""
        return None

    def progress_total(self) -> tuple[str, int | None]:
        """What `land` reports progress in ("bytes" or "rows") and the total, when known."""
        return "rows", None

    def _write_records(self, landing: Landing, records: Iterator[tuple]) -> None:
        with landing.record_writer() as copy:
            for record in records:
                copy.write_row(record)


class CsvReader(Reader):
    """UCI / Kaggle CSV. Fast path: the bytes go straight to COPY. If PostgreSQL rejects the
    file (wrong column count, bad encoding, a NUL byte), the batch falls back to a careful
    Python parse that rejects just the bad rows."""

    file_type = "csv"

    def progress_total(self) -> tuple[str, int | None]:
        return "bytes", self.source.size

    def check(self) -> None:
        with self.source.open() as raw:
            start = raw.read(4096)
            if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise RefusedFile(self.source.name, "UTF-16 text: save it as UTF-8 (or latin-1/cp1252 with --encoding)")
            if b"\x00" in start.split(b"\n")[0]:
                raise RefusedFile(self.source.name, "NUL bytes in the header line: not a text CSV"
                                  " (UTF-16 without a BOM? save it as UTF-8)")
        with self.source.open() as raw:
            text = io.TextIOWrapper(raw, encoding=self.encoding, errors="replace", newline="")
            try:
                header = next(csv.reader(text))
            except StopIteration:
                raise RefusedFile(self.source.name, "empty file: no header line") from None
            except csv.Error as exc:
                raise RefusedFile(self.source.name, f"unreadable header line: {exc}") from None
        if self.encoding == "utf-8" and header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        self.header = header
        self.mapping = map_header(header, self.source.name)
        self.stats.ignored_columns = [h for h, m in zip(header, self.mapping) if m is None]

    def chunks(self, progress: Progress, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The file's bytes for COPY, in chunks: from byte `start` to byte `end` (typed_copy
        cuts a file in two at a record's end)."""
        with self.source.open() as handle:
            if start:
                handle.seek(start)
            left = float("inf") if end is None else end - start
            tail = b""
            first = start == 0
            while left > 0 and (chunk := handle.read(min(CHUNK, left))):
                left -= len(chunk)
                if first and self.encoding == "utf-8" and chunk.startswith(codecs.BOM_UTF8):
                    chunk = chunk[len(codecs.BOM_UTF8):]
                first = False
                window = tail + chunk
                # `\.` alone on a line ends COPY data early: such a file takes the careful path.
                # (A search for one byte is a memchr, several times faster than for a sequence.)
                if b"\\" in window and (b"\n\\.\n" in window or b"\n\\.\r" in window):
                    raise _NeedsCarefulPath
                tail = window[-4:]
                progress(len(chunk), chunk.count(b"\n"))
                yield chunk

    def land(self, landing_factory, progress=_no_progress):
        extra = self.mapping.count(None)
        conn = None
        try:
            landing = landing_factory(extra)
            conn = landing.conn
            with conn.transaction():  # a savepoint: a failed COPY rolls back to here
                landing.copy_csv(self.mapping, self.chunks(progress), header=True, encoding=ENCODINGS[self.encoding])
            return landing
        except (_NeedsCarefulPath, psycopg.DataError, CopyFailed):
            pass
        landing = landing_factory(0)
        self._write_records(landing, self._careful_records())
        return landing

    def copies_in_parts(self, conn) -> bool:
        return typed_copy.in_two_parts(conn, self)

    def prepare_copy(self, conn) -> None:
        if typed_copy.in_two_parts(conn, self):
            self.split_point()

    def split_point(self):
        """Where the typed COPY cuts this file in two, if it does (typed_copy.split_point); once."""
        if not hasattr(self, "_split"):
            self._split = typed_copy.split_point(self)
        return self._split

    def copy_typed(self, conn, batch_id, source_file, progress=_no_progress):
        try:
            return typed_copy.load_csv(conn, self, batch_id, source_file, progress)
        except (_NeedsCarefulPath, CopyFailed):
            return None

    def records_at_lines(self, lines: set[int]) -> dict[int, int]:
        """The row (numbered as in the file: the header is row 1) each of these physical
        lines belongs to: a quoted field may span lines, and the server counts lines."""
        targets, found = sorted(lines), {}
        with self.source.open() as raw:
            text = io.TextIOWrapper(raw, encoding=self.encoding, errors="surrogateescape", newline="")
            reader = csv.reader(text)
            try:
                for row_number, _ in enumerate(reader, start=1):
                    while len(found) < len(targets) and targets[len(found)] <= reader.line_num:
                        found[targets[len(found)]] = row_number
                    if len(found) == len(targets):
                        break
            except csv.Error:
                pass  # the caller finds lines missing
        return found

    def land_rows(self, landing: Landing, rows: set[int]) -> None:
        """Land only these rows, as text (numbered as in the file: the header is row 1)."""
        self._write_records(landing, (record for record in self._careful_records() if record[1] in rows))

    def _careful_records(self) -> Iterator[tuple]:
        width = len(self.header)
        wanted = [self.mapping.index(name) for name in COLUMN_ORDER]
        with self.source.open() as raw:
            text = io.TextIOWrapper(raw, encoding=self.encoding, errors="surrogateescape", newline="")
            reader = csv.reader(text)
            row_number = 1
            try:
                next(reader)
            except (StopIteration, csv.Error):
                return
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    row_number += 1
                    yield (None, row_number, *([None] * 8), None, f"unparseable CSV row: {exc}")
                    continue
                row_number += 1
                if not values or all(v == "" for v in values) and len(values) <= 1:
                    self.stats.blank_rows += 1
                    row_number -= 1
                    continue
                reason = None
                if len(values) != width:
                    reason = f"expected {width} fields, found {len(values)}"
                else:
                    for value in values:
                        reason = _bad_text(value)
                        if reason:
                            break
                if reason:
                    yield (None, row_number, *([None] * 8), _printable(values), reason)
                    continue
                yield (None, row_number, *[values[i] if values[i] != "" else None for i in wanted], None, None)


class _NeedsCarefulPath(Exception):
    pass


class ParquetReader(Reader):
    """Parquet with either header; typed columns become text in Arrow, then COPY CSV."""

    file_type = "parquet"

    def progress_total(self) -> tuple[str, int | None]:
        return "rows", self.rows

    def _open(self, texts_as_dictionaries: bool = False):
        """The file, for its metadata; `texts_as_dictionaries` for its rows (text_tables): its
        text columns then read as the dictionaries Parquet stores them in, so the reader makes
        no string per row and text_tables turns each distinct value into text once (the real
        data read and turned into text in 0.1 s against 0.57; only Arrow's CSV writer still
        makes a string per row: bench/history.md)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(self.source.open())
            if not texts_as_dictionaries:
                return parquet
            texts = [field.name for field in parquet.schema_arrow
                     if pa.types.is_string(field.type) or pa.types.is_large_string(field.type)]
            if not texts:
                return parquet  # nothing to read as dictionaries: not opened again
            try:
                return pq.ParquetFile(self.source.open(), metadata=parquet.metadata, read_dictionary=texts)
            except KeyError:  # a name Arrow's lookup of columns does not find as written: read as before
                return parquet
        except (pa.ArrowException, OSError) as exc:
            raise RefusedFile(self.source.name, f"not a readable Parquet file: {_first_line(exc)}") from None

    def check(self) -> None:
        parquet = self._open()
        names = parquet.schema_arrow.names
        self.mapping = map_header(names, self.source.name)
        self.sheet_index = next((i for i, n in enumerate(names) if normalise(n) == SHEET_COLUMN), None)
        self.stats.ignored_columns = [
            n for i, (n, m) in enumerate(zip(names, self.mapping)) if m is None and i != self.sheet_index
        ]

    def copies_in_parts(self, conn) -> bool:
        return typed_copy.in_two_parts(conn, self)

    def split_point(self):
        """Where the typed COPY cuts this file in two, if it does (typed_copy.RowSplit): at the
        end of the batch (PARQUET_BATCH_ROWS) nearest its middle; None for one batch."""
        if self.rows <= PARQUET_BATCH_ROWS:
            return None
        batches = min(max(round(self.rows / 2 / PARQUET_BATCH_ROWS), 1), -(-self.rows // PARQUET_BATCH_ROWS) - 1)
        return typed_copy.RowSplit(batches * PARQUET_BATCH_ROWS)

    @property
    def rows(self) -> int:
        if not hasattr(self, "_rows"):
            self._rows = self._open().metadata.num_rows
        return self._rows

    def text_tables(self, progress: Progress = _no_progress, rows: tuple[int, int | None] = (0, None)) -> Iterator:
        """The file as Arrow tables of text, in order: source_sheet, source_row (the row's
        position in the file, from 1), the retail columns, and reject_reason (a NUL in any
        value: PostgreSQL text cannot hold one). `rows`: only the rows after the first and up
        to the second of these numbers (multiples of PARQUET_BATCH_ROWS; None: to the end)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        parquet = self._open(texts_as_dictionaries=True)
        names = parquet.schema_arrow.names
        source_index = {m: i for i, m in enumerate(self.mapping) if m is not None}
        wanted = [names[source_index[c]] for c in COLUMN_ORDER]
        if self.sheet_index is not None:
            wanted.append(names[self.sheet_index])
        # No Python value is turned into an Arrow one unless a NUL turns up: the first such
        # turn imports pandas (0.2 s). So row numbers are counted in Arrow, each batch on from
        # the last number of the one before.
        last_row = None
        try:
            for index, batch in enumerate(parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=wanted)):
                n = batch.num_rows
                row_numbers = pc.cumulative_sum(pc.cast(pc.is_null(pa.nulls(n, pa.int64())), pa.int64()))
                if last_row is not None:
                    row_numbers = pc.add(row_numbers, last_row)
                if n:
                    last_row = row_numbers[-1]
                done = index * PARQUET_BATCH_ROWS
                if done < rows[0] or (rows[1] is not None and done >= rows[1]):
                    continue  # another part's: only counted
                if self.sheet_index is not None:
                    sheet = pc.cast(batch.column(len(COLUMN_ORDER)), pa.string())
                else:
                    sheet = pa.nulls(n, pa.string())
                texts = [_dictionary_text(batch.column(i)) for i in range(len(COLUMN_ORDER))]
                reasons = pa.nulls(n, pa.string())
                if any(pc.any(pc.match_substring(text.dictionary, "\x00")).as_py() for text in texts):
                    texts = [pc.cast(text, pa.string()) for text in texts]
                    nul_mask = None
                    for text in texts:
                        has_nul = pc.match_substring(text, "\x00")
                        has_nul = pc.and_kleene(has_nul, pc.is_valid(has_nul))
                        nul_mask = has_nul if nul_mask is None else pc.or_(nul_mask, has_nul)
                    reasons = pc.if_else(nul_mask, pa.scalar("contains a NUL character"), reasons)
                    texts = [pc.if_else(nul_mask, pa.scalar(None, pa.string()), t) for t in texts]
                progress(n)
                yield pa.table([sheet, row_numbers, *texts, reasons], names=list(PARQUET_LANDED))
        except (pa.ArrowException, OSError) as exc:  # a damaged page: Arrow raises OSError for some
            raise RefusedFile(self.source.name, f"unreadable Parquet data: {_first_line(exc)}") from None

    def land(self, landing_factory, progress=_no_progress):
        landing = landing_factory(0)
        landing.copy_csv(list(PARQUET_LANDED), map(csv_bytes, self.text_tables(progress)),
                         header=False, encoding="UTF8", with_position=True)
        return landing

    def land_rows(self, landing: Landing, rows: set[int]) -> None:
        """Land only these rows (by position in the file, from 1), as text."""
        import pyarrow as pa
        import pyarrow.compute as pc

        wanted = pa.array(sorted(rows), pa.int64())
        tables = (table.filter(pc.is_in(table["source_row"], value_set=wanted)) for table in self.text_tables())
        landing.copy_csv(list(PARQUET_LANDED), map(csv_bytes, tables), header=False, encoding="UTF8",
                         with_position=True)

    def copy_typed(self, conn, batch_id, source_file, progress=_no_progress):
        return typed_copy.load_parquet(conn, self, batch_id, source_file, progress)


PARQUET_LANDED = ("source_sheet", "source_row", *COLUMN_ORDER, "reject_reason")


def csv_bytes(table) -> bytes:
    """An Arrow table as CSV for COPY: no header, NULL as an empty unquoted field."""
    import pyarrow.csv as pacsv

    sink = io.BytesIO()
    pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(include_header=False))
    return sink.getvalue()


class XlsxReader(Reader):
    """The UCI workbook (both sheets), or any workbook whose sheets carry the retail header."""

    file_type = "xlsx"

    def _workbook(self):
        from python_calamine import CalamineWorkbook

        if self.source.member is None and not zipfile.is_zipfile(self.source.path):
            raise RefusedFile(self.source.name, "not an xlsx workbook (not a zip container)")
        try:
            with self.source.open() as handle:
                data = handle.read()
            if not _zip_has(data, "xl/workbook.xml"):
                raise RefusedFile(self.source.name, "not an xlsx workbook (no xl/workbook.xml inside)")
            return CalamineWorkbook.from_filelike(io.BytesIO(data))
        except RefusedFile:
            raise
        except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
            raise RefusedFile(self.source.name, f"unreadable workbook: {_first_line(exc)}") from None

    def check(self) -> None:
        workbook = self._workbook()
        self.sheets: list[tuple[str, list[str | None]]] = []
        refusal = None
        for name in workbook.sheet_names:
            try:
                rows = workbook.get_sheet_by_name(name).iter_rows()
                header = [_text(v) or "" for v in next(rows, [])]
            except Exception as exc:  # noqa: BLE001
                raise RefusedFile(self.source.name, f"sheet {name!r} unreadable: {_first_line(exc)}") from None
            try:
                self.sheets.append((name, map_header(header, self.source.name)))
            except RefusedFile as exc:
                refusal = refusal or exc
                self.stats.ignored_sheets.append(name)
        if not self.sheets:
            raise refusal or RefusedFile(self.source.name, "workbook has no sheets")

    def land(self, landing_factory, progress=_no_progress):
        landing = landing_factory(0)
        workbook = self._workbook()
        self._write_records(landing, self._records(workbook, progress))
        return landing

    def _records(self, workbook, progress: Progress) -> Iterator[tuple]:
        for sheet, mapping in self.sheets:
            wanted = [mapping.index(name) for name in COLUMN_ORDER]
            rows = workbook.get_sheet_by_name(sheet).iter_rows()
            next(rows, None)
            for row_number, row in enumerate(rows, start=2):
                values = [_text(v) for v in row]
                if all(v is None for v in values):
                    self.stats.blank_rows += 1
                    continue
                values += [None] * (len(mapping) - len(values))
                progress(1)
                yield (sheet, row_number, *[values[i] for i in wanted], None, None)


class SqlDumpReader(Reader):
    """The original exercise's `retail.sql`: COPY or INSERT form, parsed, never executed."""

    file_type = "sql"

    def _text(self) -> IO[str]:
        return io.TextIOWrapper(self.source.open(), encoding=self.encoding, errors="surrogateescape", newline="")

    def check(self) -> None:
        with self._text() as text:
            try:
                for _ in iter_dump_rows(text, limit=1):
                    break
            except SqlDumpError as exc:
                raise RefusedFile(self.source.name, str(exc)) from None

    def land(self, landing_factory, progress=_no_progress):
        landing = landing_factory(0)
        self._write_records(landing, self._records(progress))
        return landing

    def _records(self, progress: Progress) -> Iterator[tuple]:
        with self._text() as text:
            try:
                for row_number, item in enumerate(iter_dump_rows(text), start=1):
                    progress(1)
                    if isinstance(item, str):  # a row the parser could not read: its reason
                        yield (None, row_number, *([None] * 8), None, item)
                        continue
                    values, raw = item
                    reason = next((r for r in (_bad_text(v) for v in values if v is not None) if r), None)
                    if reason:
                        yield (None, row_number, *([None] * 8), _printable([raw]), reason)
                    else:
                        yield (None, row_number, *values, None, None)
            except SqlDumpError as exc:
                raise RefusedFile(self.source.name, str(exc)) from None


def _dictionary_text(column):
    """A column of any type as a dictionary of text: each distinct value is turned into text,
    and checked, once (a batch of 65,536 rows holds a few thousand distinct prices, dates or
    customers). A NULL stays NULL."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    values = column.dictionary
    if pa.types.is_timestamp(values.type):
        values = _whole_seconds(values)
    return pa.DictionaryArray.from_arrays(column.indices, pc.cast(values, pa.string()))


def _whole_seconds(column):
    """Timestamps to second precision when that loses nothing (fast and tidy text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return pc.cast(column, pa.timestamp("s"))
    except pa.ArrowInvalid:
        return column


def _zip_has(data: bytes, member: str) -> bool:
    try:
        return member in zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        return False


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


READERS: dict[str, type[Reader]] = {
    ".csv": CsvReader,
    ".parquet": ParquetReader,
    ".pq": ParquetReader,
    ".xlsx": XlsxReader,
    ".sql": SqlDumpReader,
}
