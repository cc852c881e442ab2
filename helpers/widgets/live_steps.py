"""Read reasoning steps out of a JSON answer while it is still arriving.

A streamed answer comes in small text pieces ("deltas"). `LiveSteps` collects them
and reports each step the moment its JSON value is complete, that is when the
closing quote of a step string (or the closing brace of a step object) arrives.
It needs no widgets, so it can be used and tested on its own::

    live = LiveSteps()
    for delta in ['{"step1": "Spell it', ' out.", "result": "3"}']:
        for step in live.feed(delta):
            print("new step:", step)
    live.result  # "3", set only once the whole JSON object has closed

How it works: a small scanner walks the new characters once, keeping a stack of
the objects and arrays it is inside and whether it is inside a string. When a
value ends at "step level" (a `stepN` key of the top object, or an element of its
`steps` array), that slice of text is decoded with `json.loads`. Text before the
JSON (a ```json fence, a short preamble, a `<think>...</think>` block) is skipped,
and text after the closing brace is ignored.

Shapes understood: ``{"steps": ["...", ...], "result": ...}``,
``{"step1": "...", "step2": "...", "result": ...}``, and steps written as objects
with a title, e.g. ``{"title": "...", "content": "..."}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import jiter

from helpers.reasoning import Reasoning

STEP_KEY = re.compile(r"^\s*step[\s_-]*(\d+)\s*$", re.IGNORECASE)
STEP_LIST_KEYS = ("steps",)
RESULT_KEYS = ("result", "final_answer", "answer")
CONTENT_KEYS = ("content", "text", "explanation", "reasoning", "thought", "step")

_THINK_OPEN = re.compile(r"<think>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</think>", re.IGNORECASE)
_QUOTE_OR_BACKSLASH = re.compile(r'["\\]')


@dataclass
class _Container:
    """One object or array the scanner is inside."""

    kind: str  # "object" or "array"
    key: str | None = None  # object: the key whose value is being read
    expecting_key: bool = True  # object: the next string is a key
    value_start: int | None = None  # where the value being read at this level began
    index: int = -1  # array: index of the element being read


_JSON_OPENER = re.compile(r"\{(?=\s*(.?))", re.DOTALL)


def find_json_start(text: str) -> int | None:
    """Where the answer's JSON object starts in `text`, or None if not (yet) known.

    Skips a `<think>...</think>` block that comes first (None while it is still
    open) and any `{` that is not followed by a quote or `}`, so a fence opener or
    a short sentence before the JSON does not confuse it.
    """
    search_from = 0
    think = _THINK_OPEN.search(text)
    first_brace = text.find("{")
    if think and (first_brace == -1 or think.start() < first_brace):
        closing = _THINK_CLOSE.search(text, think.end())
        if closing is None:
            return None
        search_from = closing.end()
    for opener in _JSON_OPENER.finditer(text, search_from):
        after = opener.group(1)
        if not after:
            return None  # only spaces so far: wait for the next character to decide
        if after in '"}':
            return opener.start()
    return None


def decode_json_value(raw: str) -> Any:
    """Decode one complete JSON value; a string that will not decode is returned as is."""
    try:
        return json.loads(raw, strict=False)
    except ValueError:
        return raw[1:-1] if raw.startswith('"') and raw.endswith('"') else raw


def step_text_and_title(value: Any) -> tuple[str, str | None]:
    """Turn one decoded step (a string, or an object with title/content) into text + title."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict):
        title = value.get("title")
        title_text = None if title is None else str(title)
        for key in CONTENT_KEYS:
            if isinstance(value.get(key), str):
                return value[key], title_text
        rest = {key: item for key, item in value.items() if key != "title"}
        return json.dumps(rest, ensure_ascii=False), title_text
    return json.dumps(value, ensure_ascii=False), None


def result_text(value: Any) -> str:
    """The final answer as text (numbers and other JSON values are written out)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class LiveSteps:
    """Collects a streamed answer and pulls out each step as soon as it is complete.

    Attributes:
        text: everything fed so far, exactly as it arrived.
        steps: the complete steps, in the order they arrived.
        titles: one entry per step: its title, or None.
        result: the final answer, set only once the whole JSON object has closed.
        json_closed: True once the answer's JSON object has closed.

    Each piece is read once: the cost of `feed` grows with the piece, not with what
    came before (only the value being read is kept in a working window), so a long
    answer streams in linear time.
    """

    def __init__(self) -> None:
        self.steps: list[str] = []
        self.titles: list[str | None] = []
        self.result: str | None = None
        self.json_closed = False
        self._pieces: list[str] = []
        self._joined: str | None = ""
        self._window = ""  # the text from _window_start on; positions below are absolute
        self._window_start = 0
        self._result_raw: str | None = None
        self._json_start: int | None = None
        self._start_pending = False  # text ends in "{" plus spaces: the next piece decides
        self._scan_pos = 0
        self._stack: list[_Container] = []
        self._in_string = False
        self._escaped = False
        self._string_start = 0
        self._string_is_key = False

    @property
    def text(self) -> str:
        """Everything fed so far, exactly as it arrived."""
        if self._joined is None:
            self._joined = "".join(self._pieces)
            self._pieces = [self._joined]
        return self._joined

    @property
    def result_complete(self) -> bool:
        """True when the JSON object has closed and it contained a result."""
        return self.result is not None

    @property
    def json_started(self) -> bool:
        """True once the start of the answer's JSON object has been found."""
        return self._json_start is not None

    @property
    def writing_step(self) -> bool:
        """True while the text of a step is arriving (its value has begun, not ended)."""
        return self._current_step_start() is not None

    def feed(self, delta: str) -> list[str]:
        """Add the next piece of text; return the steps that became complete with it."""
        if not delta:
            return []
        self._pieces.append(delta)
        self._joined = None
        known = len(self.steps)
        if self.json_closed:
            return []
        self._window += delta
        if self._json_start is None:
            if not (self._start_pending or "{" in delta or ">" in delta):
                return []  # neither a brace nor the end of a <think> tag: nothing to decide
            start = find_json_start(self._window)
            self._start_pending = self._window.rstrip().endswith("{")
            if start is None:
                return []
            self._json_start = self._scan_pos = self._window_start + start
        self._scan()
        self._trim()
        return self.steps[known:]

    def unfinished_step(self) -> str | None:
        """The text of the step being written right now, as far as it has arrived."""
        found = self.unfinished()
        return found[0] if found else None

    def unfinished(self) -> tuple[str, str | None] | None:
        """Text and title of the step being written, decoded leniently; None if none."""
        start = self._current_step_start()
        if start is None:
            return None
        try:
            value = jiter.from_json(self._slice(start).encode(), partial_mode="trailing-strings")
        except ValueError:
            return None
        text, title = step_text_and_title(value)
        return (text, title) if text.strip() else None

    def to_reasoning(
        self,
        *,
        question: str | None = None,
        finish_reason: str | None = None,
        error: str | None = None,
    ) -> Reasoning:
        """What arrived, as a `Reasoning`; never with a result that did not fully arrive.

        Args:
            question: the question asked, if known.
            finish_reason: the API's finish reason ("stop", "length", ...), if known.
            error: a short description when the stream broke off (dropped connection ...).
        """
        steps, titles = list(self.steps), list(self.titles)
        warnings: list[str] = []  # "cut off" and "no answer" follow from the fields
        if error:
            warnings.append(f"The stream stopped early: {error}")
        if not self.result_complete:
            unfinished = self.unfinished()
            if unfinished:
                steps.append(unfinished[0])
                titles.append(unfinished[1])
                warnings.append(
                    f"Step {len(steps)} was cut off part-way; it is shown as far as it arrived."
                )
            if not self.json_started:
                warnings.append("No JSON answer was found in the reply.")
        return Reasoning(
            steps=steps,
            result=self.result or "",
            titles=titles,
            raw=self.text,
            question=question,
            finish_reason=finish_reason,
            complete=self.result_complete,
            warnings=warnings,
        )

    # ---- the working window ------------------------------------------------------------
    def _slice(self, start: int, end: int | None = None) -> str:
        """Text between two absolute positions (both inside the window)."""
        offset = self._window_start
        return self._window[start - offset : None if end is None else end - offset]

    def _trim(self) -> None:
        """Forget window text that no value being read can need again."""
        keep = self._scan_pos
        if self._in_string and self._string_is_key:
            keep = min(keep, self._string_start)
        for level, container in enumerate(self._stack):
            if container.value_start is not None and self._keeps_raw(level):
                keep = min(keep, container.value_start)
        drop = keep - self._window_start
        if drop > 4096 and drop * 2 > len(self._window):  # cut in big bites: linear overall
            self._window = self._window[drop:]
            self._window_start = keep

    def _keeps_raw(self, level: int) -> bool:
        """True when the value being read at `level` is decoded once it ends."""
        if level == 0:
            key = self._stack[0].key or ""
            return bool(STEP_KEY.match(key)) or key.lower() in RESULT_KEYS
        return level == 1 and self._is_step_list(self._stack[1])

    def _current_step_start(self) -> int | None:
        if self.json_closed or not self._stack:
            return None
        top = self._stack[0]
        if top.value_start is not None and STEP_KEY.match(top.key or ""):
            return top.value_start
        if len(self._stack) > 1 and self._is_step_list(self._stack[1]):
            return self._stack[1].value_start
        return None

    # ---- the scanner -----------------------------------------------------------------
    def _scan(self) -> None:
        text, offset = self._window, self._window_start
        position = self._scan_pos - offset
        while position < len(text):
            if self._in_string:
                position = self._scan_string(text, position)
                continue
            char = text[position]
            if char == '"':
                self._open_string(position + offset)
            elif char in "{[":
                if self._stack:
                    self._begin_value(position + offset)
                self._stack.append(_Container("object" if char == "{" else "array"))
            elif char in "}]":
                if self._close_container(position + offset):
                    self._scan_pos = position + offset + 1
                    return
            elif char == ":":
                if self._stack:
                    self._stack[-1].expecting_key = False
            elif char == ",":
                self._next_item(position + offset)
            elif not char.isspace() and self._stack:
                self._begin_value(position + offset)  # a number, true, false or null
            position += 1
        self._scan_pos = position + offset

    def _scan_string(self, text: str, position: int) -> int:
        """Move through string content (window positions); return where reading stopped."""
        if self._escaped:
            self._escaped = False
            return position + 1
        match = _QUOTE_OR_BACKSLASH.search(text, position)
        if match is None:
            return len(text)
        if match.group() == "\\":
            self._escaped = True
            return match.end()
        self._in_string = False
        end = match.end() + self._window_start
        top = self._stack[-1]
        if self._string_is_key:
            key = decode_json_value(self._slice(self._string_start, end))
            top.key = key if isinstance(key, str) else str(key)
        else:
            self._end_value(top, end)
        return match.end()

    def _open_string(self, position: int) -> None:
        self._in_string = True
        self._string_start = position
        top = self._stack[-1] if self._stack else None
        self._string_is_key = top is not None and top.kind == "object" and top.expecting_key
        if top is not None and not self._string_is_key:
            self._begin_value(position)

    def _begin_value(self, position: int) -> None:
        top = self._stack[-1]
        if top.value_start is None:
            top.value_start = position
            if top.kind == "array":
                top.index += 1

    def _next_item(self, position: int) -> None:
        if not self._stack:
            return
        top = self._stack[-1]
        if top.value_start is not None:  # a number, true, false or null just ended
            self._end_value(top, position)
        if top.kind == "object":
            top.expecting_key = True
            top.key = None

    def _close_container(self, position: int) -> bool:
        """Handle `}` or `]`; return True when the whole JSON object has closed."""
        if not self._stack:
            return False
        closing = self._stack[-1]
        if closing.value_start is not None:  # a number, true, false or null just ended
            self._end_value(closing, position)
        self._stack.pop()
        if not self._stack:
            self.json_closed = True
            if self._result_raw is not None:
                self.result = result_text(decode_json_value(self._result_raw))
            return True
        self._end_value(self._stack[-1], position + 1)
        return False

    def _end_value(self, container: _Container, end: int) -> None:
        start = container.value_start
        container.value_start = None
        if start is None:
            return
        if self._is_top(container):
            key = container.key or ""
            if STEP_KEY.match(key):
                self._add_step(decode_json_value(self._slice(start, end).strip()))
            elif key.lower() in RESULT_KEYS:
                self._result_raw = self._slice(start, end).strip()
        elif self._is_step_list(container):
            self._add_step(decode_json_value(self._slice(start, end).strip()))

    def _is_top(self, container: _Container) -> bool:
        return bool(self._stack) and container is self._stack[0]

    def _is_step_list(self, container: _Container) -> bool:
        return (
            len(self._stack) > 1
            and container is self._stack[1]
            and container.kind == "array"
            and (self._stack[0].key or "").lower() in STEP_LIST_KEYS
        )

    def _add_step(self, value: Any) -> None:
        text, title = step_text_and_title(value)
        self.steps.append(text)
        self.titles.append(title)
