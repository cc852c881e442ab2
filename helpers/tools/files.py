"""`read_file`: a text-file reader that cannot leave one folder.

`make_file_reader(root)` builds a `read_file(path)` tool confined to `root`.
The module-level `read_file` is confined to the course library
(`helpers/data/library/`). Decisions, so nobody has to guess:

- Paths are relative to the folder, with `/` (or `\\`) between parts.
  Absolute paths, `~`, drive letters and any `..` part are refused outright.
- Hidden names (starting with `.`, such as `.env` or `.git`) are refused.
- Symbolic links are followed only if the place they lead to is still inside the
  folder; this is checked on the fully resolved path, so a link to a file *or*
  to a directory outside the folder is refused.
- Only regular files are read: devices, pipes and sockets are refused, and the
  file is opened non-blocking so a pipe swapped in at the last moment cannot
  hang the agent. A directory is listed instead of read (`"."` lists the folder).
- At most `max_bytes` bytes are returned; a longer file is cut there with a
  clear "[truncated ...]" note giving the full size.
- Files that contain NUL bytes or are not UTF-8 are treated as binary and refused.
- Error messages repeat the path the model gave, never a path on this machine.

This protects against mistakes and curious models, not against someone who can
change the folder while the agent reads it (there is a small window between the
check and the open).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

from helpers.tools.search import LIBRARY_DIR

MAX_LISTED = 200
_BINARY_PROBE = 8192
_DRIVE = re.compile(r"^[A-Za-z]:")


class FileToolError(ValueError):
    """A refused read; the message is meant for the model."""


def make_file_reader(root: Path | str, max_bytes: int = 20_000) -> Callable[[str], str]:
    """Return a `read_file(path) -> str` tool that only reads inside `root`.

    `root` must be an existing directory. The returned function never raises:
    problems come back as a string starting with "Error:".
    """
    root_dir = Path(root).resolve(strict=True)
    if not root_dir.is_dir():
        raise NotADirectoryError("make_file_reader needs a folder as root")
    if max_bytes < 1:
        raise ValueError("max_bytes must be positive")

    def read_file(path: str) -> str:
        try:
            return _read(root_dir, path, max_bytes)
        except FileToolError as error:
            return f"Error: {error}"

    read_file.__doc__ = (
        f"Read a text file from the '{root_dir.name}' folder and return its text. The path is "
        f'relative to that folder, and "." lists the files. Files longer than {max_bytes:,} '
        f'bytes are cut off with a note. Example: read_file("notes.md").\n\n'
        "Args:\n"
        '    path: A file name relative to the folder, for example "notes.md"; "." lists the '
        "folder.\n"
    )
    return read_file


def _read(root: Path, path: str, max_bytes: int) -> str:
    if not isinstance(path, str):
        raise FileToolError('the path must be text, for example "notes.md".')
    shown = path.strip().replace("\\", "/")
    parts = _relative_parts(shown)
    target = _resolve_inside(root, parts, shown)
    try:
        info = os.stat(target)
    except OSError:
        raise FileToolError(f"cannot read {shown!r}.") from None
    if stat.S_ISDIR(info.st_mode):
        return _list_folder(target, "/".join(parts))
    if not stat.S_ISREG(info.st_mode):
        raise FileToolError(f"{shown!r} is not a regular file.")
    data, size = _read_bytes(target, max_bytes, shown)
    text = _decode_text(data, truncated=size > len(data), shown=shown)
    if size > len(data):
        text += f"\n[truncated: showing the first {len(data):,} of {size:,} bytes of {shown!r}]"
    return text


def _relative_parts(shown: str) -> list[str]:
    """Split a relative path into its parts, refusing anything that could climb out."""
    if "\x00" in shown:
        raise FileToolError("the path contains a NUL character.")
    if shown.startswith(("/", "~")) or _DRIVE.match(shown):
        raise FileToolError(
            'absolute paths are not allowed; give a path inside the folder, like "notes.md".'
        )
    parts = [part for part in shown.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise FileToolError("'..' is not allowed; only files inside the folder can be read.")
    if any(part.startswith(".") for part in parts):
        raise FileToolError("hidden files and folders (names starting with '.') are not shown.")
    return parts


def _resolve_inside(root: Path, parts: list[str], shown: str) -> Path:
    """Follow symlinks and make sure the final place is still inside `root`."""
    candidate = root.joinpath(*parts)
    try:
        target = candidate.resolve(strict=True)
    except FileNotFoundError:
        raise FileToolError(
            f'there is no file {shown!r} in the folder. read_file(".") lists the files.'
        ) from None
    except (OSError, RuntimeError):  # e.g. a symlink loop
        raise FileToolError(f"cannot read {shown!r}.") from None
    if target != root and not target.is_relative_to(root):
        raise FileToolError(f"{shown!r} points outside the folder; it cannot be read.")
    return target


def _read_bytes(target: Path, max_bytes: int, shown: str) -> tuple[bytes, int]:
    """Read at most `max_bytes` bytes; also return the file's full size."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(target, flags)
    except OSError:
        raise FileToolError(f"cannot open {shown!r}.") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FileToolError(f"{shown!r} is not a regular file.")
        data = handle.read(max_bytes)
    return data, max(info.st_size, len(data))


def _decode_text(data: bytes, truncated: bool, shown: str) -> str:
    binary = FileToolError(f"{shown!r} looks like a binary file; only text files can be read.")
    if b"\x00" in data[:_BINARY_PROBE]:
        raise binary
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        # the cut may have split the last multi-byte character in two
        if truncated and error.start >= len(data) - 3:
            return data[: error.start].decode("utf-8")
        raise binary from None


def _list_folder(folder: Path, relative: str) -> str:
    name = f"'{relative}/'" if relative else "the folder"
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        raise FileToolError(f"cannot list {name}.") from None
    lines = []
    for entry in entries:
        if entry.name.startswith(".") or not _stays_inside(entry, folder):
            continue
        try:
            is_dir = entry.is_dir()
            size = entry.stat().st_size if entry.is_file() else None
        except OSError:
            continue
        if is_dir:
            lines.append(f"{entry.name}/")
        elif size is not None:
            lines.append(f"{entry.name} ({size:,} bytes)")
    if not lines:
        return f"{name[0].upper()}{name[1:]} is empty."
    shown_lines = lines[:MAX_LISTED]
    more = len(lines) - len(shown_lines)
    footer = f"\n[... and {more} more]" if more else ""
    return f"Files in {name}:\n" + "\n".join(shown_lines) + footer


def _stays_inside(entry: os.DirEntry[str], folder: Path) -> bool:
    """False for a symlink whose target is missing or outside the folder being listed."""
    if not entry.is_symlink():
        return True
    try:
        return Path(entry.path).resolve(strict=True).is_relative_to(folder)
    except (OSError, RuntimeError):
        return False


read_file = make_file_reader(LIBRARY_DIR)
