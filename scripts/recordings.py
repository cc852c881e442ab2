"""Maintain the recordings that offline mode replays.

    python scripts/recordings.py list                 # what is there, by folder and origin
    python scripts/recordings.py check                # every file valid, marked, secret-free
    python scripts/recordings.py finalize DRAFTS_DIR  # turn filled-in drafts into recordings

Drafts come from running a notebook offline with HOMEMADE_O1_DRAFTS=DRAFTS_DIR:
every request with no recording is saved there. Fill in "reply" (and, if
needed, "finish_reason", "ends": "dropped", "tool_calls", "choices", "model",
"reasoning_tokens", or "reasoning": the thinking a thinking model sends as
reasoning_content), then finalize. The result is marked hand-written. To
replace hand-written answers with real ones, use `make record` instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

from helpers.modes.recording_files import (
    RecordingLibrary,
    build_recording,
    validate_recording,
    write_recording,
)
from helpers.modes.settings import recordings_dir
from helpers.modes.wire import (
    DEFAULT_WIRE_MODEL,
    chat_completion,
    chat_completion_chunks,
    estimate_prompt_tokens,
    tool_call,
    usage_block,
)

HANDWRITTEN_NOTE = (
    "hand-written for the offline course: no model produced this text; "
    "token counts are estimates (about 4 characters per token)"
)


def response_from_draft(body: dict, draft: dict) -> dict:
    """The wire-format response a draft describes."""
    model = draft.get("model", DEFAULT_WIRE_MODEL)
    reply = draft.get("reply") or ""
    if draft.get("stream"):
        chunks = chat_completion_chunks(
            body, reply, finish_reason=draft.get("finish_reason", "stop"), model=model
        )
        ends = draft.get("ends", "done")
        if ends == "dropped":  # the connection broke: no finish chunk, no usage
            chunks = [
                c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"] is None
            ]
        return {"status": 200, "stream": chunks, "ends": ends}
    calls = [
        tool_call(call.get("id", f"call_hw{number:02d}"), call["name"], call["arguments"])
        for number, call in enumerate(draft.get("tool_calls") or [], start=1)
    ]
    contents = draft.get("choices") or (reply if reply or not calls else None)
    result = chat_completion(
        body,
        contents,
        finish_reason=draft.get("finish_reason", "stop"),
        tool_calls=calls or None,
        refusal=draft.get("refusal"),
        model=model,
        reasoning_tokens=int(draft.get("reasoning_tokens", 0)),
        reasoning=draft.get("reasoning"),
    )
    if "usage" in draft:  # a maintainer's own estimate overrides the automatic one
        usage = draft["usage"]
        result["usage"] = usage_block(
            usage.get("prompt_tokens", estimate_prompt_tokens(body)),
            usage["completion_tokens"],
            usage.get("reasoning_tokens", 0),
        )
    return {"status": 200, "body": result}


def finalize(drafts: Path, tag: str | None) -> int:
    written = 0
    for path in sorted(drafts.glob("*.draft.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        draft, request = document["draft"], document["request"]
        if not (
            draft.get("reply")
            or draft.get("tool_calls")
            or draft.get("choices")
            or draft.get("refusal")
        ):
            print(f"skipped (no reply yet): {path.name}")
            continue
        folder = recordings_dir() / (draft.get("tag") or tag or "hand-written")
        recording = build_recording(
            method=request["method"],
            endpoint=request["endpoint"],
            body=request["body"],
            response=response_from_draft(request["body"], draft),
            origin="hand-written",
            repeat=int(draft.get("repeat", 0)),
            note=draft.get("note") or HANDWRITTEN_NOTE,
            date=dt.date.today().isoformat(),
        )
        if draft.get("note") and "hand-written" not in draft["note"]:
            recording["metadata"]["note"] = HANDWRITTEN_NOTE + "; " + draft["note"]
        print(f"wrote {write_recording(folder, recording).relative_to(recordings_dir())}")
        path.unlink()
        written += 1
    return written


def check() -> int:
    library = RecordingLibrary(recordings_dir())
    failures = 0
    for recording in library.recordings:
        for problem in validate_recording(recording):
            failures += 1
            print(f"{recording.label(library.root)}: {problem}")
    print(f"{len(library)} recordings checked, {failures} problems")
    return 1 if failures else 0


def list_recordings() -> None:
    library = RecordingLibrary(recordings_dir())
    counts = Counter(
        (r.path.parent.relative_to(library.root).as_posix(), r.origin) for r in library.recordings
    )
    for (folder, origin), count in sorted(counts.items()):
        print(f"{folder:32} {origin:13} {count:4}")
    print(f"{'total':32} {'':13} {len(library):4}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list")
    commands.add_parser("check")
    fin = commands.add_parser("finalize")
    fin.add_argument("drafts", type=Path)
    fin.add_argument("--tag", help="sub-folder for drafts that do not name one")
    args = parser.parse_args(argv)
    if args.command == "list":
        list_recordings()
        return 0
    if args.command == "check":
        return check()
    print(f"{finalize(args.drafts, args.tag)} recordings written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
