"""Shape the model's raw text into an API reply, piece by piece as it streams.

- `Utf8Pieces`: a character can span two tokens; only whole characters go out.
- `StopFilter`: end the reply at the first stop string, never showing any of it.
- `ThinkSplitter`: a `<think>...</think>` block at the start is the reasoning (sent
  as `reasoning_content`, the way llama.cpp and vLLM servers send it), the rest is
  the answer (`content`).
- `ToolCallCollector`: `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` blocks
  in the answer become `tool_calls`; anything that does not parse stays text.

Each keeps back only the few characters that might be the start of a tag or stop
string, so the reader sees text as soon as it is certain.
"""

from __future__ import annotations

import codecs
import json
import re
import uuid
from typing import Any

from helpers.modes.local.prompt import THINK_CLOSE, THINK_OPEN, TOOL_CLOSE, TOOL_OPEN


def _partial_suffix(text: str, marker: str) -> int:
    """Length of the longest end of `text` that is a (proper) start of `marker`."""
    for size in range(min(len(marker) - 1, len(text)), 0, -1):
        if text.endswith(marker[:size]):
            return size
    return 0


class Utf8Pieces:
    """Turn token bytes into text, holding back an incomplete UTF-8 character."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, piece: bytes) -> str:
        return str(self._decoder.decode(piece))

    def finish(self) -> str:
        return str(self._decoder.decode(b"", final=True))


class StopFilter:
    """Cut the text at the first stop string; hold back what may be a stop string's start."""

    def __init__(self, stops: list[str]) -> None:
        self.stops = stops
        self._held = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        """The text that is now certain; sets `stopped` when a stop string was met."""
        if not self.stops:
            return text
        held = self._held + text
        hits = [held.find(stop) for stop in self.stops if stop in held]
        if hits:
            self.stopped = True
            self._held = ""
            return held[: min(hits)]
        keep = max(_partial_suffix(held, stop) for stop in self.stops)
        self._held = held[len(held) - keep :] if keep else ""
        return held[: len(held) - keep]

    def finish(self) -> str:
        """What was held back, at the end of the reply (it was not a stop string)."""
        held, self._held = self._held, ""
        return "" if self.stopped else held


class ThinkSplitter:
    """Route text to "reasoning" (inside a leading <think> block) or "content"."""

    def __init__(self, opens_in_thinking: bool) -> None:
        # "start": not sure yet whether a <think> block begins the reply
        self.state = "reasoning" if opens_in_thinking else "start"
        self._held = ""
        self._reasoning_started = False
        self._content_started = False

    @property
    def decided_no_thinking(self) -> bool:
        """True when the reply began with something other than <think>."""
        return self.state == "content" and not self._reasoning_started

    def feed(self, text: str) -> list[tuple[str, str]]:
        """(channel, text) pieces that are now certain, channel "reasoning" or "content"."""
        out: list[tuple[str, str]] = []
        self._held += text
        while self._held:
            before = (self.state, len(self._held))
            if self.state == "start":
                self._from_start()
            elif self.state == "reasoning":
                self._from_reasoning(out)
            else:
                self._emit_content(out, self._held)
                self._held = ""
            if (self.state, len(self._held)) == before:
                break  # waiting for more text
        return out

    def _from_start(self) -> None:
        stripped = self._held.lstrip()
        if stripped.startswith(THINK_OPEN):
            self.state = "reasoning"
            self._held = stripped[len(THINK_OPEN) :]
        elif not stripped or THINK_OPEN.startswith(stripped):
            return  # still could be "<think>"
        else:
            self.state = "content"

    def _from_reasoning(self, out: list[tuple[str, str]]) -> None:
        held = self._held
        if not self._reasoning_started:
            held = held.lstrip("\n")
            if not held:
                self._held = ""
                return
        end = held.find(THINK_CLOSE)
        if end >= 0:
            self._emit_reasoning(out, held[:end].rstrip("\n"))
            self._held = held[end + len(THINK_CLOSE) :]
            self.state = "content"
            self._reasoning_started = True
            return
        # hold back a possible start of </think> and trailing newlines (dropped before it)
        keep = _partial_suffix(held, THINK_CLOSE)
        body = held[: len(held) - keep]
        certain = body.rstrip("\n")
        self._emit_reasoning(out, certain)
        self._held = held[len(certain) :]

    def _emit_reasoning(self, out: list[tuple[str, str]], text: str) -> None:
        if text:
            self._reasoning_started = True
            out.append(("reasoning", text))

    def _emit_content(self, out: list[tuple[str, str]], text: str) -> None:
        if not self._content_started and self._reasoning_started:
            text = text.lstrip("\n")  # the blank line after </think>
        if text:
            self._content_started = True
            out.append(("content", text))

    def finish(self) -> list[tuple[str, str]]:
        """Whatever is still held, at the end of the reply."""
        out: list[tuple[str, str]] = []
        held, self._held = self._held, ""
        if self.state == "reasoning":
            self._emit_reasoning(out, held.strip("\n") if not self._reasoning_started else held)
        elif held:
            self.state = "content"
            self._emit_content(out, held)
        return out


def _call_id() -> str:
    return "call_" + uuid.uuid4().hex[:24]


def _as_call(text: str) -> dict[str, Any] | None:
    """A tool call from the JSON between the tags, or None if it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not data["name"]:
        return None
    arguments = data.get("arguments", data.get("parameters", {}))
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments, ensure_ascii=False)
    return {
        "id": _call_id(),
        "type": "function",
        "function": {"name": data["name"], "arguments": arguments},
    }


_BLOCK = re.compile(re.escape(TOOL_OPEN) + r"(.*?)(?:" + re.escape(TOOL_CLOSE) + r"|\Z)", re.S)


def parse_tool_calls(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Split text into (the text that is left, the tool calls written in it).

    A block whose JSON does not parse (cut off, or not a call) stays in the text, so
    nothing the model wrote is lost; a last block with no closing tag counts if its
    JSON is complete.
    """
    calls: list[dict[str, Any]] = []
    kept: list[str] = []
    position = 0
    for match in _BLOCK.finditer(text):
        call = _as_call(match.group(1).strip())
        if call is None:
            continue
        kept.append(text[position : match.start()])
        calls.append(call)
        position = match.end()
    kept.append(text[position:])
    return "".join(kept), calls


class ToolCallCollector:
    """Let answer text through until a tool call may begin; keep the rest to parse at the end."""

    def __init__(self, active: bool) -> None:
        self.active = active
        self._held = ""
        self._collecting = False

    @property
    def collecting(self) -> bool:
        """True once a tool call has begun (everything from there is kept to parse)."""
        return self._collecting

    def feed(self, text: str) -> str:
        """The answer text that can be shown now."""
        if not self.active:
            return text
        if self._collecting:
            self._held += text
            return ""
        held = self._held + text
        start = held.find(TOOL_OPEN)
        if start >= 0:
            self._collecting = True
            self._held = held[start:]
            return held[:start]
        keep = _partial_suffix(held, TOOL_OPEN)
        self._held = held[len(held) - keep :] if keep else ""
        return held[: len(held) - keep]

    def finish(self) -> tuple[str, list[dict[str, Any]]]:
        """(text still to show, tool calls) at the end of the reply."""
        held, self._held = self._held, ""
        if not self._collecting:
            return held, []
        rest, calls = parse_tool_calls(held)
        return (rest.strip() if calls else rest), calls
