"""The SHA-256 of each file `lgs load` is given: what identifies a batch's content
(raw.load_batches.checksum_sha256), so the same bytes are not loaded twice.

`lgs load` starts reading them before it imports the loader, on a thread of its own (hashlib
lets go of the interpreter lock), so the 0.1 s the real data's 112 MB take is spent while
Python imports, not before the COPY. Light on purpose: this module imports nothing of lgs.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import IO

# Reads started early, by file and the size and time of change it had then; the threads
# reading them, and the signal that asks those to stop (stop()).
_started: dict[tuple[str, int, int], Future] = {}
_threads: list[threading.Thread] = []
_stopping = threading.Event()


def _identity(path: Path) -> tuple[str, int, int]:
    status = path.stat()
    return str(path.resolve()), status.st_size, status.st_mtime_ns


def digest(handle: IO[bytes], stopping: threading.Event | None = None) -> str:
    # Big reads into one buffer: the thread lets go of the interpreter lock for each read and
    # each update, and beside busy threads waits up to 5 ms to take it back every time.
    checksum, buffer = hashlib.sha256(), bytearray(1 << 23)
    view = memoryview(buffer)
    while read := handle.readinto(buffer):
        if stopping is not None and stopping.is_set():
            raise InterruptedError("no longer needed")
        checksum.update(view[:read])
    return checksum.hexdigest()


def start(paths: Iterable[str | Path]) -> None:
    """Begin reading the checksum of each of these that is a plain file (a zip archive's
    members have their own), one after the other in a daemon thread."""
    _stopping.clear()  # a load before this one, in the same process, stopped its own
    files = []
    for given in paths:
        path = Path(given)
        try:
            if path.is_file() and path.suffix.lower() != ".zip":
                files.append((_identity(path), path, Future()))
        except OSError:
            continue  # the loader says what is wrong with it
    if not files:
        return

    def run() -> None:
        for _, path, future in files:
            try:
                with open(path, "rb") as handle:
                    future.set_result(digest(handle, _stopping))
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for it
                future.set_exception(exc)

    for identity, _, future in files:
        _started[identity] = future
    thread = threading.Thread(target=run, name="lgs-checksums", daemon=True)
    _threads.append(thread)
    thread.start()


def stop() -> None:
    """Stop the reads `start` began, and wait for them: a thread still reading while the
    interpreter shuts down can crash the process. `lgs load` calls it whatever happens."""
    _stopping.set()
    while _threads:
        _threads.pop().join()


def of_file(path: Path, open_file) -> str:
    """The checksum of the file at `path`, read by `open_file()`: the one `start` read if
    the file has not changed since, else read now."""
    with_early = None
    try:
        with_early = _started.get(_identity(path))
    except OSError:
        pass
    if with_early is not None:
        try:
            return with_early.result()
        except OSError:
            pass  # read again below, where the error is the caller's to report
    with open_file() as handle:
        return digest(handle)
