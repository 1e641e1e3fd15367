"""Landing for the engines other than PostgreSQL: rows on their way in, as a Parquet file of
text columns that DuckDB and Spark read in bulk.

It takes what the readers give PostgreSQL's COPY landing (CSV bytes, or rows built in
Python), so every reader works unchanged on every engine. CSV bytes are parsed by Arrow's
C++ reader; a file Arrow cannot parse (a ragged row, bad text in its encoding, a NUL byte)
raises `CopyFailed`, and the CSV reader takes its careful row-by-row path, as it does when
PostgreSQL's COPY refuses a file.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from lgs.loading.columns import COLUMN_ORDER

LANDED_COLUMNS = ("source_sheet", "source_row", *COLUMN_ORDER, "raw_content", "reject_reason")
_PYTHON_ENCODINGS = {"UTF8": "utf8", "LATIN1": "latin1", "WIN1252": "cp1252"}
_RECORDS_PER_GROUP = 100_000


class CopyFailed(Exception):
    """The bulk parse refused the file: the caller takes its careful path."""


class _NoTransaction:
    """The readers open a savepoint around the bulk copy; a file has nothing to roll back."""

    def transaction(self):
        return nullcontext()


class FileLanding:
    def __init__(self, path: Path, extra_columns: int = 0) -> None:
        self.path = path
        self.extra = extra_columns
        self.conn = _NoTransaction()
        path.unlink(missing_ok=True)

    def _schema(self):
        import pyarrow as pa

        return pa.schema([(name, pa.int64() if name == "source_row" else pa.string()) for name in LANDED_COLUMNS])

    def copy_csv(self, file_columns: list[str | None], chunks: Iterable[bytes], *, header: bool, encoding: str,
                 with_position: bool = False) -> None:
        """Parse CSV bytes (columns named by `file_columns`, None for one to ignore) and write
        them as the landing file; without `with_position`, rows are numbered from 2 (the
        header is line 1) in file order."""
        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        data = io.BytesIO()
        for chunk in chunks:
            if b"\x00" in chunk:
                raise CopyFailed("NUL byte")
            data.write(chunk)
        names = [name or f"ignored_{i}" for i, name in enumerate(file_columns)]
        wanted = [name for name in file_columns if name is not None]
        try:
            table = pacsv.read_csv(
                io.BytesIO(data.getbuffer()),
                read_options=pacsv.ReadOptions(column_names=names, skip_rows=1 if header else 0,
                                               encoding=_PYTHON_ENCODINGS.get(encoding, "utf8"),
                                               block_size=1 << 24),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types={name: pa.string() for name in names if name != "source_row"}
                    | ({"source_row": pa.int64()} if "source_row" in names else {}),
                    include_columns=wanted, strings_can_be_null=True, quoted_strings_can_be_null=False,
                    # Only an unquoted empty field is NULL, as in PostgreSQL's COPY (Arrow would
                    # also read NaN, NULL, N/A, ... as NULL).
                    null_values=[""],
                ),
            )
        except (pa.ArrowInvalid, UnicodeDecodeError, LookupError) as exc:
            raise CopyFailed(str(exc)) from None
        rows = table.num_rows
        columns = {}
        for name in LANDED_COLUMNS:
            if name in table.column_names:
                columns[name] = table.column(name)
            elif name == "source_row":
                columns[name] = pa.array(range(2, rows + 2), pa.int64())
            else:
                columns[name] = pa.nulls(rows, pa.string())
        pq.write_table(pa.table(columns, schema=self._schema()), self.path)

    @contextmanager
    def record_writer(self) -> Iterator["_RecordWriter"]:
        """Rows built in Python, in LANDED_COLUMNS order (write_row, as psycopg's Copy)."""
        import pyarrow.parquet as pq

        with pq.ParquetWriter(self.path, self._schema()) as parquet:
            writer = _RecordWriter(parquet, self._schema())
            yield writer
            writer.flush(final=True)


class _RecordWriter:
    def __init__(self, parquet, schema) -> None:
        self.parquet = parquet
        self.schema = schema
        self.rows: list[tuple] = []
        self.written = 0

    def write_row(self, record: tuple) -> None:
        self.rows.append(record)
        if len(self.rows) >= _RECORDS_PER_GROUP:
            self.flush()

    def flush(self, final: bool = False) -> None:
        import pyarrow as pa

        if self.rows or (final and not self.written):
            columns = list(zip(*self.rows)) if self.rows else [[] for _ in LANDED_COLUMNS]
            self.parquet.write_table(pa.table([pa.array(c, t.type) for c, t in zip(columns, self.schema)],
                                              schema=self.schema))
            self.written += len(self.rows)
            self.rows = []
