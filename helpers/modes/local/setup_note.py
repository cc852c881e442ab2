"""A one-line note left when the local model could not be set up (e.g. at Binder's build).

The build must succeed even when the model hub cannot be reached, so the download
step writes here why local mode is not available instead of failing. `describe_mode()`
then adds the reason to the offline line, and a later successful download removes it.
"""

from __future__ import annotations

import os
from pathlib import Path


def note_path() -> Path:
    """Where the note lives: `$XDG_CACHE_HOME/homemade-o1/` (default `~/.cache/homemade-o1/`)."""
    cache = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(cache) / "homemade-o1" / "local-model-unavailable.txt"


def write_note(reason: str) -> None:
    """Record why local mode is not available (one line)."""
    path = note_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(" ".join(reason.split()) + "\n", encoding="utf-8")


def read_note() -> str | None:
    """The recorded reason, or None when there is none."""
    try:
        text = note_path().read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text or None


def clear_note() -> None:
    """Forget the reason (the model is now here)."""
    try:
        note_path().unlink()
    except FileNotFoundError:
        pass


if __name__ == "__main__":  # `python -m helpers.modes.local.setup_note "reason"` (Binder's build)
    import sys

    write_note(" ".join(sys.argv[1:]) or "the local model could not be set up.")
