"""Keep the request's key out of the text a streamed reply delivers, even split over events.

A streamed chat reply sends its text in pieces, one `chat.completion.chunk` event
each. A server or a model that echoes the key can spread it over several events
("sk-ab" in one, "cd..." in the next): no single event holds the key, yet a
learner who prints the deltas of a raw SDK stream prints all of it.

`StreamTextScrubber` follows each text field of each choice across events
(`delta.content`, `delta.reasoning_content`, `delta.reasoning`, `delta.refusal`
and each `delta.tool_calls[j].function.arguments`). It holds back only the end
of a field's text that could be the start of a secret, sends it on with the
field's next piece, and puts `[redacted]` where a whole secret formed. What is
held back is never lost: it goes out with the event that finishes its choice
(`finish_reason`), or in one extra event from `held_back_event()` before
`[DONE]` or the end of the stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

REDACTED = "[redacted]"
TEXT_FIELDS = ("content", "reasoning_content", "reasoning", "refusal")

# Where a piece of text sits in a choice's delta: ("content",) or ("tool_calls", j).
Slot = tuple[str, int] | tuple[str]


class StreamTextScrubber:
    """Cuts secrets out of the joined text of a chat stream, one event at a time.

    Args:
        secrets: the values to cut out (the request's key); empty strings are ignored.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = sorted({secret for secret in secrets if secret}, key=len, reverse=True)
        self._held: dict[tuple[int, Slot], str] = {}  # (choice index, slot) -> text not yet sent
        self._template: dict[str, Any] = {}  # the last chunk, but its choices and usage

    def event(self, chunk: dict[str, Any]) -> bool:
        """Rewrite the text of one parsed chunk in place; True if any of it changed."""
        choices = chunk.get("choices")
        if not isinstance(choices, list):
            return False
        self._template = {
            name: value for name, value in chunk.items() if name not in ("choices", "usage")
        }
        changed = False
        for position, choice in enumerate(choices):
            if isinstance(choice, dict):
                changed |= self._choice(_index(choice, position), choice)
        return changed

    def held_back_event(self) -> dict[str, Any] | None:
        """A chunk that delivers all the text still held back (then nothing is), or None."""
        if not self._held:
            return None
        by_choice: dict[int, dict[str, Any]] = {}
        for (index, slot), text in self._held.items():
            _put(by_choice.setdefault(index, {}), slot, text)
        self._held.clear()
        choices = [
            {"index": index, "delta": delta, "logprobs": None, "finish_reason": None}
            for index, delta in sorted(by_choice.items())
        ]
        return {**self._template, "choices": choices}

    def _choice(self, index: int, choice: dict[str, Any]) -> bool:
        delta = choice.get("delta")
        finished = bool(choice.get("finish_reason"))
        if not isinstance(delta, dict):
            if not (finished and self._holds(index)):
                return False
            delta = choice["delta"] = {}
        changed = False
        for slot, holder, name in _text_slots(delta):
            text = holder[name]
            sent = self._pass((index, slot), text, final=finished)
            if sent != text:
                holder[name] = sent
                changed = True
        if finished:  # the choice is done: deliver what it still holds in this event
            for key in [key for key in self._held if key[0] == index]:
                _put(delta, key[1], self._held.pop(key))
                changed = True
        return changed

    def _holds(self, index: int) -> bool:
        return any(key[0] == index for key in self._held)

    def _pass(self, key: tuple[int, Slot], text: str, final: bool) -> str:
        """The part of (held text + `text`) to send now, secrets replaced; keeps the rest."""
        joined = self._held.pop(key, "") + text
        for secret in self.secrets:
            joined = joined.replace(secret, REDACTED)
        keep = 0 if final else self._secret_start(joined)
        if keep:
            self._held[key] = joined[-keep:]
            return joined[:-keep]
        return joined

    def _secret_start(self, text: str) -> int:
        """The length of the longest end of `text` that is the start of a secret."""
        longest = 0
        for secret in self.secrets:
            for size in range(min(len(text), len(secret) - 1), longest, -1):
                if text.endswith(secret[:size]):
                    longest = size
                    break
        return longest


def _index(item: dict[str, Any], position: int) -> int:
    """The `index` an item of a stream names for itself (its place in the list if none)."""
    index = item.get("index")
    return index if isinstance(index, int) else position


def _text_slots(delta: dict[str, Any]) -> Iterator[tuple[Slot, dict[str, Any], str]]:
    """(slot, the dict that holds the text, its key) for each piece of text in a delta."""
    for name in TEXT_FIELDS:
        if isinstance(delta.get(name), str):
            yield (name,), delta, name
    calls = delta.get("tool_calls")
    for position, call in enumerate(calls if isinstance(calls, list) else []):
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict) and isinstance(function.get("arguments"), str):
            yield ("tool_calls", _index(call, position)), function, "arguments"


def _put(delta: dict[str, Any], slot: Slot, text: str) -> None:
    """Add `text` to a delta at `slot` (after any text the delta has there)."""
    if len(slot) == 1:
        current = delta.get(slot[0])
        delta[slot[0]] = (current if isinstance(current, str) else "") + text
        return
    calls = delta.get("tool_calls")
    if not isinstance(calls, list):
        calls = delta["tool_calls"] = []
    for position, call in enumerate(calls):
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict) and _index(call, position) == slot[1]:
            current = function.get("arguments")
            function["arguments"] = (current if isinstance(current, str) else "") + text
            return
    calls.append({"index": slot[1], "function": {"arguments": text}})
