"""A key typed once that every notebook of the session can use: the key file.

Each notebook runs in its own kernel, so a key kept in one kernel's memory is lost to
the next notebook. `ask_for_key()` therefore saves the key in a small file that only
your user account can read, outside the project folder:

    ~/.config/homemade-o1/session-key.json      (Linux, macOS; $XDG_CONFIG_HOME is honoured)
    %APPDATA%\\homemade-o1\\session-key.json     (Windows)

`HOMEMADE_O1_KEY_FILE` names another file (the tests use it). The file holds the key
and when it expires: 24 hours after it was typed, which is one workshop day. An
expired file is deleted the next time it is read, and `forget_key()` deletes it at
once. The key is never put in a notebook, an output, the repository or a log, and it
is not put in this process's environment either, so programs the notebook starts
(such as `run_python`) do not inherit it.

On Linux and macOS the file is created readable and writable by its owner only
(mode 600, in a folder of mode 700), and a file that others can read, or that
another user owns, is refused rather than used. Windows keeps files in your profile
private to your account by default; the mode check does not apply there.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

KEY_FILE_VARIABLE = "HOMEMADE_O1_KEY_FILE"
KEY_LIFETIME = 24 * 3600.0  # seconds a saved key is used: one workshop day
FILE_NAME = "session-key.json"


@dataclass(frozen=True)
class SavedKey:
    """A key read from the key file, and when it stops being used."""

    api_key: str
    expires_at: float

    def hours_left(self, now: float | None = None) -> float:
        """Hours until the key file expires (never below 0)."""
        return max(self.expires_at - (time.time() if now is None else now), 0.0) / 3600


class KeyFileError(RuntimeError):
    """The key file exists but cannot be used safely; the message says how to fix it."""


def key_file_path() -> Path:
    """Where the key is saved: `HOMEMADE_O1_KEY_FILE`, else the user's config folder."""
    custom = os.environ.get(KEY_FILE_VARIABLE, "").strip()
    if custom:
        return Path(custom).expanduser()
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "homemade-o1" / FILE_NAME
    config = os.environ.get("XDG_CONFIG_HOME", "").strip() or str(Path.home() / ".config")
    return Path(config).expanduser() / "homemade-o1" / FILE_NAME


def save_key(api_key: str, lifetime: float = KEY_LIFETIME) -> Path:
    """Save `api_key` for `lifetime` seconds; return the file's path.

    The file is written next to its final name with owner-only permissions and then
    moved into place, so no reader ever sees a half-written or readable-by-all file.
    """
    path = key_file_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    document = {"api_key": api_key, "expires_at": time.time() + lifetime}
    descriptor, temporary = tempfile.mkstemp(prefix=".key-", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            if sys.platform != "win32":
                os.fchmod(handle.fileno(), 0o600)
            json.dump(document, handle)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return path


def _check_private(path: Path) -> None:
    """Refuse a key file that another user owns or that others may read."""
    if sys.platform == "win32":
        return
    status = path.stat()
    if status.st_uid != os.getuid():
        raise KeyFileError(
            f"The key file {path} belongs to another user, so it is not used. "
            "Run helpers.forget_key() and type your key again."
        )
    if stat.S_IMODE(status.st_mode) & 0o077:
        raise KeyFileError(
            f"The key file {path} can be read by other users, so it is not used. "
            f"Make it private (chmod 600 {path}) or run helpers.forget_key()."
        )


def load_key(now: float | None = None) -> SavedKey | None:
    """The saved key, or None when there is none or it has expired (then it is deleted).

    Raises:
        KeyFileError: the file exists but is not private, or is not a key file.
    """
    path = key_file_path()
    if not path.is_file():
        return None
    _check_private(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        saved = SavedKey(str(document["api_key"]), float(document["expires_at"]))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise KeyFileError(
            f"The key file {path} is not one helpers wrote, so it is not used. "
            "Run helpers.forget_key() and type your key again."
        ) from None
    if saved.expires_at <= (time.time() if now is None else now) or not saved.api_key:
        delete_key()
        return None
    return saved


def saved_key() -> str | None:
    """The saved key's text, or None. Never raises: an unusable file counts as no key."""
    try:
        saved = load_key()
    except (KeyFileError, OSError):
        return None
    return saved.api_key if saved else None


def delete_key() -> bool:
    """Delete the key file; True when there was one."""
    try:
        key_file_path().unlink()
    except FileNotFoundError:
        return False
    return True
