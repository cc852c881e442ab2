"""Hand-written recordings for tests: one call writes one exchange that offline mode replays.

Use it with the `recordings_folder` fixture of `tests/conftest.py`, which points offline
mode at an empty folder::

    def test_something(recordings_folder):
        add_recording(recordings_folder, {"model": "m", "messages": [...]}, text="3")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.modes.recording_files import build_recording, write_recording
from helpers.modes.wire import chat_completion, chat_completion_chunks


def add_recording(
    folder: Path,
    body: dict[str, Any],
    *,
    text: str | None = "",
    stream: bool = False,
    finish_reason: str = "stop",
    refusal: str | None = None,
    ends: str = "done",
    repeat: int = 0,
    origin: str = "hand-written",
) -> Path:
    """Record `text` as the answer to `body` (streamed if `stream`) under `folder/tests/`.

    `ends="dropped"` keeps only the first half of a stream's chunks, like a connection
    that broke; `finish_reason="length"` makes a reply cut off at max_tokens.
    `text=None` (a whole reply with no content, e.g. a refusal) cannot be streamed.
    """
    if stream:
        if text is None:
            raise ValueError("add_recording: a streamed answer needs text, not None")
        chunks = chat_completion_chunks(body, text, finish_reason=finish_reason)
        if ends == "dropped":
            chunks = chunks[: len(chunks) // 2]
        response: dict[str, Any] = {"status": 200, "stream": chunks, "ends": ends}
    else:
        reply = chat_completion(body, text, finish_reason=finish_reason, refusal=refusal)
        response = {"status": 200, "body": reply}
    document = build_recording(
        method="POST",
        endpoint="chat/completions",
        body=body,
        response=response,
        origin=origin,
        repeat=repeat,
        note="hand-written test",
    )
    return write_recording(folder / "tests", document)
