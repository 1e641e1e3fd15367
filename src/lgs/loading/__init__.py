"""`lgs load`: raw retail files into `raw.retail_transactions`, every row accounted for.

Every path is checked first (type, header, archive integrity); if any is not a retail file
the whole command is refused and nothing is written. Then each file loads as one batch in
one transaction: a CSV or Parquet file on PostgreSQL 17+ COPYed straight into the raw
table, typed as it is read (typed_copy); otherwise landed with COPY as text and typed in
one statement (store). Either way bad rows are kept in `raw.rejected_lines` with their reason, and
read = loaded + rejected is checked before commit.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from lgs import checksums
from lgs.database import Connection
from lgs.errors import LgsError, RefusedFile
from lgs.loading.readers import ENCODINGS, READERS, Reader, Source
from lgs.loading.store import (
    BatchResult,
    Landing,
    close_batch,
    ensure_raw_schema,
    find_live_batch,
    open_batch,
    retire_batch,
    type_landed_rows,
)
from lgs.sample_data import is_generated

__all__ = ["BatchResult", "inspect_paths", "load_paths", "load_readers", "ENCODINGS"]

ACCEPTED = ", ".join([*READERS, ".zip"])
_MAGIC = {".parquet": b"PAR1", ".pq": b"PAR1", ".xlsx": b"PK\x03\x04"}


def _reader_for(source: Source, suffix: str, encoding: str) -> Reader:
    reader_class = READERS.get(suffix)
    if reader_class is None:
        raise RefusedFile(source.name, f"unknown file type {suffix or '(no extension)'!r}: expected one of {ACCEPTED}")
    head = source.head(8)
    expected = _MAGIC.get(suffix)
    if expected and not head.startswith(expected):
        raise RefusedFile(source.name, f"not a {suffix[1:]} file (its first bytes do not match)")
    if suffix in (".csv", ".sql") and (head.startswith(b"PK\x03\x04") or head.startswith(b"PAR1")):
        raise RefusedFile(source.name, f"binary content in a {suffix} file (a zip or parquet file renamed?)")
    reader = reader_class(source, encoding)
    reader.check()
    return reader


def _zip_readers(path: Path, encoding: str) -> list[Reader]:
    try:
        archive = zipfile.ZipFile(path)
        broken = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise RefusedFile(str(path), f"corrupt zip archive: {exc}") from None
    if broken is not None:
        raise RefusedFile(str(path), f"corrupt zip archive: member {broken!r} fails its CRC check")
    readers = []
    for info in archive.infolist():
        name = info.filename
        if info.is_dir() or name.startswith("__MACOSX/") or Path(name).name.startswith("."):
            continue
        suffix = Path(name).suffix.lower()
        label = f"{path.name}/{name}"
        if suffix == ".zip":
            raise RefusedFile(label, "zip archives inside zip archives are not accepted")
        readers.append(_reader_for(Source(label, path, member=name, size=info.file_size), suffix, encoding))
    if not readers:
        raise RefusedFile(str(path), f"zip archive holds no file to load ({ACCEPTED})")
    return readers


def inspect_paths(paths: Sequence[str | Path], encoding: str = "utf-8") -> list[Reader]:
    """Check every path before anything is written; refuse the lot on the first bad one."""
    if encoding not in ENCODINGS:
        raise LgsError(f"unknown encoding {encoding!r}: use one of {', '.join(ENCODINGS)}")
    readers: list[Reader] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise RefusedFile(str(given), "no such file")
        if not path.is_file():
            raise RefusedFile(str(given), "not a regular file")
        suffix = path.suffix.lower()
        if suffix == ".zip":
            readers.extend(_zip_readers(path, encoding))
        else:
            readers.append(_reader_for(Source(path.name, path, size=path.stat().st_size), suffix, encoding))
    return readers


def _checksum(source: Source) -> str:
    if source.member is None:
        return checksums.of_file(source.path, source.open)
    with source.open() as handle:
        return checksums.digest(handle)


def _show_progress() -> bool:
    """A progress bar on a terminal; none when output is piped or in CI, unless
    LGS_PROGRESS=always (LGS_PROGRESS=never switches it off on a terminal too)."""
    wanted = os.environ.get("LGS_PROGRESS", "auto")
    return wanted == "always" or (wanted == "auto" and sys.stderr.isatty())


@contextmanager
def _progress_bar(label: str, total: int | None, unit: str) -> Iterator[Callable[..., None]]:
    """Percentage done, rows and rows per second, and time left where the total is known."""
    if not _show_progress():
        yield lambda *_: None
        return
    from rich.console import Console
    from rich.progress import (BarColumn, DownloadColumn, Progress, ProgressColumn, TaskProgressColumn,
                               TextColumn, TimeRemainingColumn)
    from rich.text import Text

    class RowsColumn(ProgressColumn):
        def render(self, task) -> Text:
            rows = max(task.fields["rows"], 0)
            rate = rows / task.elapsed if task.elapsed else 0.0
            return Text(f"{rows:,} rows {rate:,.0f} rows/s")

    columns = [TextColumn("{task.description}"), BarColumn(), TaskProgressColumn()]
    if unit == "bytes":
        columns.append(DownloadColumn())
    columns += [RowsColumn(), TimeRemainingColumn()]
    forced = os.environ.get("LGS_PROGRESS") == "always"
    console = Console(stderr=True, force_terminal=True, width=120) if forced else None
    with Progress(*columns, transient=True, console=console) as progress:
        # Counted by newlines, bytes start one row behind: the header's.
        task = progress.add_task(label, total=total, rows=-1 if unit == "bytes" else 0)

        counting = threading.Lock()  # a file in two parts advances from two threads

        def advance(amount: int, rows: int | None = None) -> None:
            with counting:
                done = progress.tasks[0].fields["rows"] + (amount if rows is None else rows)
                progress.update(task, advance=amount, rows=done)

        yield advance


def fault_point(name: str) -> None:
    """Fault injection for the crash tests: with LGS_FAULT_POINT=name the loader announces
    the point on stderr and waits there, so a test can SIGKILL it at exactly that moment."""
    if os.environ.get("LGS_FAULT_POINT") == name:
        sys.stderr.write(f"lgs-fault-point: {name}\n")
        sys.stderr.flush()
        time.sleep(600)


def load_reader(conn, reader: Reader, replace: bool = False, checksum: str | None = None) -> BatchResult:
    """Load one checked source as one batch, in one transaction."""
    source = reader.source
    checksum = checksum or _checksum(source)
    with conn.transaction():
        # Two loads of the same bytes at once: the second waits here, then sees the first.
        conn.execute("select pg_advisory_xact_lock(hashtextextended(%s, 0))", (checksum,))
        live = find_live_batch(conn, checksum)
        if live is not None and not replace:
            return BatchResult(source.name, reader.file_type, live, 0, 0, 0, skipped=True)
        if live is not None:
            retire_batch(conn, live)
        batch_id = open_batch(conn, source.name, str(source.path.resolve()), reader.file_type, checksum,
                              is_generated(checksum), reader.copies_in_parts(conn))
        unit, total = reader.progress_total()
        with _progress_bar(source.name, total, unit) as tick:
            counts = reader.copy_typed(conn, batch_id, source.name, _midstream(tick))
            if counts is None:
                landing = reader.land(lambda extra: Landing(conn, extra), _midstream(tick))
        fault_point("typing")
        if counts is None:
            read, loaded, rejected = type_landed_rows(conn, landing, batch_id, source.name)
        else:
            read, loaded, rejected = counts
        note = reader.stats.note()
        close_batch(conn, batch_id, read, loaded, rejected, note)
        fault_point("commit")
    return BatchResult(source.name, reader.file_type, batch_id, read, loaded, rejected, replaced_batch=live, note=note)


def _midstream(tick: Callable[..., None]) -> Callable[..., None]:
    """The progress callback, with the `stream` fault point after the first chunk."""
    calls = 0

    def advance(n: int, rows: int | None = None) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            fault_point("stream")
        tick(n, rows)

    return advance


def refuse_mixing(batch_ids: Callable[[str], list[int]], readers: Sequence[Reader],
                  checksums: Sequence[str]) -> None:
    """Generated sample data and real data do not mix: refuse a load that would put both in
    the raw table, saying how to go on. `batch_ids(query)` runs a query for batch ids on the
    warehouse (any engine)."""
    incoming = {reader.source.name: is_generated(checksum) for reader, checksum in zip(readers, checksums)}
    if len(set(incoming.values())) > 1:
        samples = ", ".join(name for name, sample in incoming.items() if sample)
        raise LgsError(f"these files mix generated sample data ({samples}) with real data: load them apart,"
                       " or pass --allow-mixed")
    if not incoming:
        return
    sample = next(iter(incoming.values()))
    held = batch_ids("select batch_id from raw.load_batches where status = 'loaded'"
                     f" and is_sample <> {'true' if sample else 'false'} order by batch_id")
    if held:
        ids = " ".join(map(str, held))
        kind, other = ("generated sample", "real") if not sample else ("real", "generated sample")
        raise LgsError(f"the warehouse holds {kind} data (batch {ids}); loading {other} data would mix the two:"
                       f" remove it first with `lgs unload {ids}` or `lgs reset`, or pass --allow-mixed")


def load_paths(connection: Connection, paths: Sequence[str | Path], encoding: str = "utf-8",
               **options) -> list[BatchResult]:
    return load_readers(connection, inspect_paths(paths, encoding), **options)


def load_readers(connection: Connection, readers: Sequence[Reader], replace: bool = False,
                 report: Callable[[str], None] | None = None, allow_mixed: bool = False) -> list[BatchResult]:
    """Load files `inspect_paths` checked, each as one batch."""
    results = []
    # Each file's checksum is read on a core of its own while the server is reached, and the
    # first file's typed COPY finds where to cut it (Reader.prepare_copy).
    with ThreadPoolExecutor(1) as pool:
        summed = [pool.submit(_checksum, reader.source) for reader in readers]
        with connection.connect() as conn:
            ensure_raw_schema(conn)
            if readers:
                readers[0].prepare_copy(conn)
            checksums = [future.result() for future in summed]
            if not allow_mixed:
                refuse_mixing(lambda query: [row[0] for row in conn.execute(query).fetchall()], readers, checksums)
                # End the transaction its query began: else each file's would be a savepoint in
                # it, and a failure in one file would undo the files loaded before it.
                conn.commit()
            for reader, checksum in zip(readers, checksums):
                reader.prepare_copy(conn)
                result = load_reader(conn, reader, replace, checksum)
                if report:
                    report(result.summary())
                results.append(result)
    return results
