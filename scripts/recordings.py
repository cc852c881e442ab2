"""Maintain the recordings that offline mode replays.

    python scripts/recordings.py list                 # what is there, by folder and origin
    python scripts/recordings.py check                # every file valid, marked, secret-free
    python scripts/recordings.py finalize DRAFTS_DIR  # turn filled-in drafts into recordings
    python scripts/recordings.py observations [--write]  # agents' tool results, run again

Drafts come from running a notebook offline with HOMEMADE_O1_DRAFTS=DRAFTS_DIR:
every request with no recording is saved there. Fill in "reply" (and, if
needed, "finish_reason", "ends": "dropped", "tool_calls", "choices", "model",
"reasoning_tokens", or "reasoning": the thinking a thinking model sends as
reasoning_content), then finalize. The result is marked hand-written. To
replace hand-written answers with real ones, use `make record` instead.

A recorded agent run sends the tools' results (observations) back to the model, so
the request bodies quote the tools: search results and files of the library in
helpers/data/library/, calculator results, tool errors. After a change to the
library or a tool, `observations` runs every recorded tool call again, the way the
agents do, and lists the observations that are no longer what the tools return;
`observations --write` puts the new text into the requests (nothing else changes but
the estimated prompt tokens and the file name, both derived from the request).
The model replies stay as they were: read the list, and check that each recorded
reply still makes sense with its new observations.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

from helpers.agents.common import RepeatGuard
from helpers.agents.native import NOT_RUN, run_tool_call
from helpers.agents.native import REPEAT_WARNING as NATIVE_REPEAT_WARNING
from helpers.agents.text import REPEAT_WARNING as TEXT_REPEAT_WARNING
from helpers.agents.text import ReactParseError, parse_react
from helpers.agents.trace import MAX_OBSERVATION_CHARS, cut_observation
from helpers.modes.recording_files import (
    Recording,
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
from helpers.tools.registry import Tool, call_tool, default_tools

OBSERVATION = "Observation: "

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


# ---- the tools' results in recorded agent runs -----------------------------------
def tools_of(body: dict) -> dict[str, Tool]:
    """The course tools a recorded agent request offered: the names in `tools=` (native
    tool calling) or in the system prompt's tool list (the text protocol)."""
    every = default_tools(include_python=True)
    named = {tool["function"]["name"] for tool in body.get("tools") or [] if "function" in tool}
    if not named:
        system: dict = next((m for m in body.get("messages", []) if m.get("role") == "system"), {})
        content = system.get("content")
        text = content if isinstance(content, str) else ""
        named = {name for name in every if f"\n- {name}(" in "\n" + text}
    return {name: tool for name, tool in every.items() if name in named}


def replayed_observations(body: dict) -> dict[int, str]:
    """{message index: content} for every tool observation in a recorded agent request,
    as the agents build it now: the text protocol's "Observation: ..." user messages and
    native tool calling's tool messages, with the same repeat guard, parse errors and cut.
    """
    messages = body.get("messages") or []
    tools = tools_of(body)
    text_guard, native_guard = RepeatGuard(), RepeatGuard()
    stopped = False
    contents: dict[int, str] = {}
    for index, message in enumerate(messages):
        if message.get("role") != "assistant":
            continue
        if message.get("tool_calls"):
            answers = {
                m.get("tool_call_id"): i
                for i, m in enumerate(messages[index + 1 :], start=index + 1)
                if m.get("role") == "tool"
            }
            for call in message["tool_calls"]:
                function = call.get("function") or {}
                name, arguments = function.get("name") or "", function.get("arguments") or ""
                seen = native_guard.check(name, arguments)
                if stopped or seen == "stop":
                    stopped, observation = True, NOT_RUN
                elif seen == "warn":
                    observation = NATIVE_REPEAT_WARNING.format(name=name)
                else:
                    result = run_tool_call(name, arguments, tools)
                    observation = cut_observation(result, MAX_OBSERVATION_CHARS)
                if call.get("id") in answers:
                    contents[answers[call["id"]]] = observation
            continue
        after = messages[index + 1] if index + 1 < len(messages) else {}
        said = after.get("content")
        if after.get("role") != "user" or not (
            isinstance(said, str) and said.startswith(OBSERVATION)
        ):
            continue
        try:
            step = parse_react(message.get("content"))
        except ReactParseError as problem:
            contents[index + 1] = OBSERVATION + problem.observation
            continue
        if step.is_final:
            continue
        action, action_input = step.action or "", step.action_input or ""
        seen = text_guard.check(action, action_input)
        if seen == "warn":
            observation = TEXT_REPEAT_WARNING.format(action=action)
        else:
            result = call_tool(action, action_input, tools)
            observation = cut_observation(result, MAX_OBSERVATION_CHARS)
        contents[index + 1] = OBSERVATION + observation
    return contents


def stale_observations(recording: Recording) -> list[tuple[int, str, str]]:
    """(message index, recorded content, content now) for each observation that changed."""
    body = recording.request["body"]
    if not isinstance(body, dict):
        return []
    messages = body.get("messages") or []
    return [
        (index, messages[index].get("content"), content)
        for index, content in sorted(replayed_observations(body).items())
        if messages[index].get("content") != content
    ]


def with_new_prompt_tokens(document: dict) -> None:
    """Re-estimate the prompt tokens of a hand-written recording whose request changed
    (metadata, response body or the stream's usage chunk); completion tokens stay."""
    if document["metadata"].get("origin") != "hand-written":
        return
    prompt = estimate_prompt_tokens(document["request"]["body"])
    response = document["response"]
    usages = [document["metadata"].get("usage"), (response.get("body") or {}).get("usage")]
    usages += [chunk.get("usage") for chunk in response.get("stream") or []]
    for usage in usages:
        if isinstance(usage, dict) and "prompt_tokens" in usage:
            usage["prompt_tokens"] = prompt
            usage["total_tokens"] = prompt + usage.get("completion_tokens", 0)


def refresh_observations(root: Path, write: bool) -> int:
    """List (and with `write`, rewrite) recorded observations the tools no longer return.
    Returns how many recordings are (or were) stale."""
    library = RecordingLibrary(root)
    stale = 0
    for recording in library.recordings:
        changes = stale_observations(recording)
        if not changes:
            continue
        stale += 1
        label = recording.label(library.root)
        for index, _old, new in changes:
            print(f"{label}: message {index} now reads {new[:70]!r}...")
        if not write:
            continue
        document = recording.data
        for index, _old, new in changes:
            document["request"]["body"]["messages"][index]["content"] = new
        with_new_prompt_tokens(document)
        written = write_recording(recording.path.parent, document)
        if written != recording.path:
            recording.path.unlink()
        print(f"   -> {written.relative_to(library.root).as_posix()}")
    verb = "rewritten" if write else "with observations the tools no longer return"
    print(f"{len(library)} recordings read, {stale} {verb}")
    return stale


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
    obs = commands.add_parser("observations")
    obs.add_argument("--write", action="store_true", help="put the new observations in")
    args = parser.parse_args(argv)
    if args.command == "list":
        list_recordings()
        return 0
    if args.command == "check":
        return check()
    if args.command == "observations":
        stale = refresh_observations(recordings_dir(), write=args.write)
        return 1 if stale and not args.write else 0
    print(f"{finalize(args.drafts, args.tag)} recordings written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
