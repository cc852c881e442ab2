"""What a learner reads when offline mode has no recording for a request.

A notebook is for trying things, so a miss is the most common error offline. Its
message answers, in a few lines:

1. what you asked: your question (the last user message), not the system prompt
   that every request of a notebook shares;
2. what was recorded: for the same question, each setting that differs with your
   value and the recorded ones (`n: 3 (recorded: 5)`); for a new question, the
   recorded questions nearest to yours in words;
3. the ways on: put back the notebook's value (named), use the model on your
   computer (local mode), or go live with a key or a server.

`explain_miss` builds the error; `RecordingLibrary.find` raises it.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from helpers.modes.recording_files import (
    Recording,
    RecordingNotFoundError,
    last_user_message,
    normalize_body,
    prompt_text,
)

if TYPE_CHECKING:
    from helpers.modes.recording_files import RecordingLibrary

WAYS_ON = (
    "use the model on your computer: helpers.use_local_model() (or `make local` in a terminal)",
    "go live: helpers.ask_for_key() for OpenAI, or helpers.use_local_server(url, model)",
)
AFTER_SWITCHING = (
    "After switching, make the client again (client = helpers.get_client()); "
    "no kernel restart needed."
)
NOT_SET = "not set"
MAX_FIELDS = 4  # settings listed one per line; more are summed up in one line
MAX_QUESTIONS = 3


def explain_miss(
    library: RecordingLibrary, method: str, endpoint: str, body: Any
) -> RecordingNotFoundError:
    """The error for a request that has no recording, with a message that says what to do."""
    heading = (
        f"Offline mode has no recorded answer for this request ({method.upper()} /{endpoint})."
    )
    asked = last_user_message(body)
    details: list[str] = [f"  You asked: {_quote(asked)}"] if asked else []
    if not library.root.is_dir():
        return _no_recordings(heading, "does not exist")
    if not library.recordings:
        return _no_recordings(heading, "holds no recordings")
    here = [r for r in library.recordings if r.request["endpoint"] == endpoint]
    if not here:
        details.append(f"  Nothing is recorded for /{endpoint}.")
        return _error(heading, details, put_back=None)
    same_question = [r for r in here if asked and _same_words(_question(r), asked)]
    if same_question:
        details_more, put_back = _settings_differ(body, same_question)
    else:
        details_more, put_back = _question_differs(body, asked, here, library.root)
    return _error(heading, details + details_more, put_back)


# ---- the two kinds of miss ------------------------------------------------------------
def _settings_differ(body: Any, same_question: list[Recording]) -> tuple[list[str], str]:
    """This question is recorded, but with other settings or another conversation around it."""
    sent = normalize_body(body) if isinstance(body, dict) else {}
    same_messages = [r for r in same_question if _body(r).get("messages") == sent.get("messages")]
    pool = same_messages or same_question
    closest = min(pool, key=lambda r: _distance(sent, _body(r), r))
    recorded = _body(closest)
    lines = []
    put_back = []
    if not same_messages:
        role = _first_differing_role(sent.get("messages") or [], recorded.get("messages") or [])
        lines.append(f"  Your question is recorded, but {role} differs from the recorded one.")
        put_back.append("the notebook's " + role.removeprefix("the "))
    else:
        lines.append("  This question is recorded, with other settings:")
    fields = _differing_fields(sent, recorded)
    for field in fields[:MAX_FIELDS]:
        values = _unique(_show(_body(r).get(field)) for r in pool)
        lines.append(f"    {field}: {_show(sent.get(field))} (recorded: {', '.join(values)})")
    if len(fields) > MAX_FIELDS:
        lines.append(f"    and {len(fields) - MAX_FIELDS} more: {', '.join(fields[MAX_FIELDS:])}")
    if len(fields) == 1 and not put_back:  # one knob changed: offer every recorded value
        put_back.append(_restore_any(fields[0], [_body(r).get(fields[0]) for r in pool]))
    else:
        put_back += [_restore(field, recorded.get(field)) for field in fields]
    return lines, ", ".join(put_back) or "the notebook's request"


def _distance(sent: dict[str, Any], recorded: dict[str, Any], recording: Recording) -> tuple:
    """Fewest differing settings first; then a recording that sets them (you changed a
    value, rather than added a setting); then by file name, so the choice is stable."""
    fields = _differing_fields(sent, recorded)
    unset = sum(recorded.get(field) is None for field in fields)
    return (len(fields), unset, recording.path.name)


def _question_differs(
    body: Any, asked: str, here: list[Recording], root: Any
) -> tuple[list[str], str]:
    """A question nobody recorded: show the recorded questions nearest to it in words."""
    if not asked:
        nearest = _nearest_by(prompt_text(body), here, prompt_text_of)
        lines = ["  Nothing recorded matches it."]
        if nearest:
            lines.append(f"  Nearest recorded request: {_quote(prompt_text_of(nearest[0]))}")
        return lines, "the notebook's request"
    nearest = _nearest_by(asked, here, _question, same_context=body)
    if not nearest:
        return ["  Nothing recorded looks like it."], "the notebook's question"
    lines = ["  Nobody recorded that question. The nearest recorded ones:"]
    for recording in nearest:
        lines.append(f"    {_quote(_question(recording))}  ({_where(recording, root)})")
    sent = normalize_body(body) if isinstance(body, dict) else {}
    fields = [f for f in _differing_fields(sent, _body(nearest[0])) if f != "messages"]
    if fields:
        shown = "; ".join(
            f"{field}: {_show(sent.get(field))} (recorded: {_show(_body(nearest[0]).get(field))})"
            for field in fields[:2]
        )
        lines.append(f"  Your settings differ from the nearest one too: {shown}")
    return lines, f"the notebook's question (the nearest recorded: {_quote(_question(nearest[0]))})"


def _no_recordings(heading: str, problem: str) -> RecordingNotFoundError:
    custom = os.environ.get("HOMEMADE_O1_RECORDINGS", "").strip()
    where = f"HOMEMADE_O1_RECORDINGS={custom}" if custom else "the recordings folder"
    if custom:
        fix = "fix the path, or unset HOMEMADE_O1_RECORDINGS to use the course's recordings"
    else:
        fix = "reinstall the course (helpers/data/recordings is part of it)"
    details = [
        f"  {where}: that folder {problem}, and offline mode only replays what was recorded; {fix}."
    ]
    error = _error(heading, details, put_back=None, ways=WAYS_ON)
    error.folder_problem = problem
    return error


def _error(
    heading: str,
    details: list[str],
    put_back: str | None,
    ways: Sequence[str] = WAYS_ON,
) -> RecordingNotFoundError:
    lines = [heading, *details, "  Ways on:"]
    if put_back:
        lines.append(f"  - put back {put_back}")
    lines += [f"  - {way}" for way in ways]
    lines.append(f"  {AFTER_SWITCHING}")
    return RecordingNotFoundError("\n".join(lines), put_back=put_back)


# ---- comparing requests ---------------------------------------------------------------
def _body(recording: Recording) -> dict[str, Any]:
    body = normalize_body(recording.request["body"])
    return body if isinstance(body, dict) else {}


def _question(recording: Recording) -> str:
    return last_user_message(recording.request["body"])


def prompt_text_of(recording: Recording) -> str:
    """All the messages of a recorded request as one string."""
    return prompt_text(recording.request["body"])


def _words(text: str) -> str:
    return " ".join(text.lower().split())


def _same_words(a: str, b: str) -> bool:
    return _words(a) == _words(b)


def _nearest_by(
    wanted: str, recordings: list[Recording], text_of: Any, same_context: Any = None
) -> list[Recording]:
    """Recordings whose text (a question) is nearest to `wanted`, one per distinct text.

    The score compares words, not the whole prompt, so a system prompt that every
    request of a notebook shares does not make every question look alike. Among equal
    scores, a recording with the same system prompt and settings comes first.
    """
    target = _words(wanted)
    context = _context(same_context)
    scored = []
    for recording in recordings:
        text = _words(text_of(recording))
        if not text:
            continue
        matcher = difflib.SequenceMatcher(None, target, text, autojunk=False)
        if matcher.real_quick_ratio() < 0.2:
            continue
        same = _context(recording.request["body"]) == context if context is not None else False
        scored.append((-round(matcher.ratio(), 2), not same, recording.path.name, text, recording))
    scored.sort(key=lambda item: item[:3])
    chosen: list[Recording] = []
    seen: set[str] = set()
    for *_, text, recording in scored:
        if text not in seen:
            seen.add(text)
            chosen.append(recording)
        if len(chosen) == MAX_QUESTIONS:
            break
    return chosen


def _context(body: Any) -> Any:
    """Everything in a request but its last user message (system prompt, settings)."""
    if not isinstance(body, dict):
        return None
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    if users:
        messages = messages[: users[-1]] + messages[users[-1] + 1 :]
    return json.dumps({**normalize_body(body), "messages": messages}, sort_keys=True)


def _differing_fields(sent: dict[str, Any], recorded: dict[str, Any]) -> list[str]:
    return [
        field
        for field in sorted(set(sent) | set(recorded))
        if field != "messages" and sent.get(field) != recorded.get(field)
    ]


def _first_differing_role(sent: list[Any], recorded: list[Any]) -> str:
    if len(sent) != len(recorded):
        return f"the conversation ({len(sent)} messages; recorded: {len(recorded)})"
    for x, y in zip(sent, recorded):
        if x != y:
            role = x.get("role", "?") if isinstance(x, dict) else "?"
            return f"the {role} message"
    return "the conversation"


def _restore(field: str, recorded: Any) -> str:
    if recorded is None:
        return f"no {field} (leave it out)"
    return f"{field}={_show(recorded, python=True)}"


def _restore_any(field: str, recorded: list[Any]) -> str:
    values = _unique(_show(value, python=True) for value in recorded if value is not None)
    choice = f"{field}={' or '.join(values)}" if values else ""
    if any(value is None for value in recorded):
        choice = f"{choice} (or leave {field} out)" if choice else f"no {field} (leave it out)"
    return choice


def _show(value: Any, python: bool = False, width: int = 40) -> str:
    """A value as the learner wrote it (`0.7`, `true`, `"json_object"`), clipped."""
    if value is None:
        return NOT_SET
    if python and isinstance(value, bool):
        return str(value)
    text = json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _unique(values: Any) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return sorted(seen, key=_numeric_first)


def _numeric_first(text: str) -> tuple[int, float, str]:
    try:
        return (0, float(text), text)
    except ValueError:
        return (1, 0.0, text)


def _quote(text: str, width: int = 70) -> str:
    """A message on one line, clipped in the middle: a prompt that puts its instructions
    first and the question last (notebook 02's first prompt) still shows the question."""
    text = " ".join(str(text).split())
    if len(text) > width:
        head, tail = text[: width // 3], text[width // 3 - width + 2 :]
        if text[len(head)] != " ":  # cut at a space, not inside a word
            head = head.rpartition(" ")[0] or head
        if text[-len(tail) - 1] != " ":
            tail = tail.partition(" ")[2] or tail
        text = f"{head.rstrip()} … {tail.lstrip()}"
    return json.dumps(text, ensure_ascii=False)


def _where(recording: Recording, root: Any) -> str:
    """Which notebook's recordings hold it (its first sub-folder), else its file name."""
    label = recording.label(root)
    return label.split("/", 1)[0] if "/" in label else label
