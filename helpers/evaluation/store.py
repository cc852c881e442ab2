"""Evaluation results in a JSON Lines file: one line per finished (problem, strategy, sample).

Each result is written the moment it arrives (write, flush, fsync), so a run
that is stopped, crashes or is killed loses at most the answers still in flight.
The next run with the same file reads what is there and asks only for the rest:
nothing lost, nothing duplicated, nothing paid for twice.

Rules:

* A result's key is `(problem_id, strategy, sample)`; a key is never written twice
  (a lock guards the check and the write).
* A line cut off by a kill in the middle of a write (the last line, with no
  newline) is dropped when the file is opened; any other unreadable line is an
  error that names the line, since silently dropping it would lose a result.
* While a run writes to a file, a lock file next to it keeps a second run out
  (POSIX only; released automatically if the process dies).
* No key is ever written: the text a server sent back (`result`, `error`,
  `served_by`) is scrubbed of the key in use and of anything shaped like a key.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from helpers.modes.redaction import redact

Key = tuple[str, str, int]
# Fields holding text that came from the server, so possibly a key it echoed back.
SERVER_TEXT_FIELDS = ("result", "error", "served_by")


class ResultsFileError(ValueError):
    """The results file cannot be used as it is; the message says why and what to do."""


def result_key(row: dict[str, Any]) -> Key:
    """The `(problem_id, strategy, sample)` key of one result row."""
    return (str(row["problem_id"]), str(row["strategy"]), int(row.get("sample", 0)))


class ResultStore:
    """Results kept in memory and, when `path` is given, appended to a JSONL file.

    Use it as a context manager: entering loads the file (repairing a torn last
    line) and takes the lock; leaving closes the file.
    """

    def __init__(
        self, path: str | Path | None = None, *, fsync: bool = True, secrets: Iterable[str] = ()
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.fsync = fsync
        self.secrets = tuple(secrets)
        self.rows: list[dict[str, Any]] = []
        self.keys: set[Key] = set()
        self.torn_line_dropped = False
        self.duplicates_dropped = 0
        self._lock = threading.Lock()
        self._handle: IO[str] | None = None
        self._lock_handle: IO[str] | None = None

    # ---- opening ----------------------------------------------------------------------
    def __enter__(self) -> ResultStore:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def open(self) -> None:
        """Take the lock, load what the file holds, and get ready to append."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        try:
            text = read_text(self.path)
            self.rows, self.keys = [], set()
            for row in self._parse(text):
                self._remember(row)
            if self.torn_line_dropped or self.duplicates_dropped or not text.endswith("\n"):
                if text:
                    self._rewrite()
            self._handle = self.path.open("a", encoding="utf-8")
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the file and release the lock (safe to call twice)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._lock_handle is not None:
            self._lock_handle.close()  # closing releases the lock
            self._lock_handle = None

    def _take_lock(self) -> None:
        assert self.path is not None
        lock_path = self.path.with_name(f".{self.path.name}.lock")
        handle = lock_path.open("a", encoding="utf-8")
        if sys.platform != "win32":
            import fcntl

            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                raise ResultsFileError(
                    f"Another run is writing to {self.path.name} right now: wait for it to "
                    "finish, or give this run another results_path."
                ) from None
        self._lock_handle = handle

    def _parse(self, text: str) -> Iterator[dict[str, Any]]:
        name = self.path.name if self.path else "results"
        for row, torn in parse_lines(text, name):
            if torn:
                self.torn_line_dropped = True
            else:
                yield row

    def _remember(self, row: dict[str, Any]) -> bool:
        key = result_key(row)
        if key in self.keys:
            self.duplicates_dropped += 1  # only if the file was edited or joined by hand
            return False
        self.keys.add(key)
        self.rows.append(row)
        return True

    # ---- writing ----------------------------------------------------------------------
    def append(self, row: dict[str, Any]) -> bool:
        """Keep one result and write it to the file at once. False if its key is known."""
        row = without_secrets(row, self.secrets)
        line = json.dumps(row, ensure_ascii=False) + "\n"
        with self._lock:
            if result_key(row) in self.keys:
                return False
            if self._handle is not None:
                self._handle.write(line)
                self._handle.flush()
                if self.fsync:
                    os.fsync(self._handle.fileno())
            self._remember(row)
            return True

    def forget(self, keys: Iterable[Key]) -> int:
        """Remove results (say, failed calls to retry) from memory and from the file."""
        drop = set(keys)
        with self._lock:
            kept = [row for row in self.rows if result_key(row) not in drop]
            removed = len(self.rows) - len(kept)
            if removed:
                self.rows = kept
                self.keys = {result_key(row) for row in kept}
                if self.path is not None:
                    self._rewrite()
            return removed

    def _rewrite(self) -> None:
        """Replace the file with the rows in memory, atomically (temp file + rename)."""
        assert self.path is not None
        reopen = self._handle is not None
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        fd, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                for row in self.rows:
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        if reopen:
            self._handle = self.path.open("a", encoding="utf-8")


def without_secrets(row: dict[str, Any], secrets: Iterable[str] = ()) -> dict[str, Any]:
    """A copy of `row` whose server-sent text holds no key (the given ones, the
    environment's `OPENAI_API_KEY`, and anything shaped like a key)."""
    known = [*secrets, os.environ.get("OPENAI_API_KEY", "")]
    clean = dict(row)
    for name in SERVER_TEXT_FIELDS:
        if isinstance(clean.get(name), str):
            clean[name] = redact(clean[name], tuple(known))
    return clean


def read_text(path: Path) -> str:
    """The text of a results file ("" if there is none); a file that is not UTF-8 text
    raises `ResultsFileError` naming it."""
    if not path.exists():
        return ""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ResultsFileError(
            f"{path.name} is not a results file: it is not UTF-8 text (byte {error.start}, "
            f"line {line}). Use another results_path, or move that file away."
        ) from None
    if "\x00" in text:
        raise ResultsFileError(
            f"{path.name} is not a results file: it holds binary data (a NUL byte on line "
            f"{text[: text.index(chr(0))].count(chr(10)) + 1}). Use another results_path, "
            "or move that file away."
        )
    return text


def parse_lines(text: str, name: str = "results") -> Iterator[tuple[dict[str, Any], bool]]:
    """Read JSONL text as `(row, torn)` pairs.

    `torn` is True for a last line that a kill cut off mid-write (no newline, not
    valid JSON); such a line was never a result. Any other bad line raises
    `ResultsFileError` naming it.
    """
    lines = text.split("\n")
    last = lines.pop()  # "" when the file ends with a newline, as it should
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield _read_line(line, number, name), False
    if last.strip():
        try:
            row = _read_line(last, len(lines) + 1, name)
        except ResultsFileError:
            if not _could_be_torn(last):  # not the start of a result: some other file
                raise
            yield {}, True
        else:
            yield row, False  # complete, just missing its newline


ROW_START = '{"problem_id": '  # how every stored result begins (make_row's first field)


def _could_be_torn(line: str) -> bool:
    """Whether a last line may be a result cut off mid-write (so dropping it loses nothing)."""
    line = line.strip()
    return line.startswith(ROW_START) or ROW_START.startswith(line)


def _read_line(line: str, number: int, name: str) -> dict[str, Any]:
    try:
        row = json.loads(line)
        if not isinstance(row, dict):
            raise TypeError("not a JSON object")
        result_key(row)
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise ResultsFileError(
            f"{name}, line {number}, is not a result ({error}); fix or delete that line, "
            "or use another results_path."
        ) from None
    return row


def read_results(path: str | Path) -> list[dict[str, Any]]:
    """The results in a JSONL file, for your own analysis (a torn last line is skipped)."""
    path = Path(path)
    return [row for row, torn in parse_lines(read_text(path), path.name) if not torn]
