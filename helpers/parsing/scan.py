"""Find JSON objects inside free text, and tell a finished object from a cut-off one.

The scanner walks from a `{` to its matching `}`, skipping braces inside
double-quoted strings, so prose such as "the set {1, 2}" or a step that
mentions `{x}` does not confuse it. When the text ends before the braces
balance, it decides whether the object was merely missing its final `}`
(safe to close) or was cut off mid-value (never safe to "repair").

**The closing rule.** Missing `}` are added only when the last value is
provably finished, because the text gives no other sign of where it stopped:

* a string closed by its quote, or a list or object closed by its bracket: a
  finished value whatever comes next;
* `true`, `false` or `null` spelled out in full: no longer literal starts with them;
* a number only when whitespace (a space, a newline) follows it. A number has no
  closing mark, so `"result": 12` at the very end of the text may be the start of
  `1234`: it is reported as cut off, never read as 12. `"result": 12` then a newline
  is finished (a number never continues on the next line).

Anything else (a key without its value, a comma, a cut string or literal, an open
list) is cut off. Whether the reply was cut (`finish_reason`, a dropped stream) is
the caller's knowledge; this rule only refuses to guess when the text cannot tell.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# A finished last value: a closed string or bracket, a whole literal, a number then a space.
_COMPLETE_TAIL = re.compile(r"""(?:["'”}\]]|\b(?:true|false|null|True|False|None))\s*$""")
_NUMBER_TAIL = re.compile(r"\d\s*$")  # finished only when whitespace followed it in the text
_QUOTE_THEN_CLOSERS = re.compile(r'"\s*[}\]][\s}\]]*$')
_FENCE_TAIL = re.compile(r"\n[ \t]*(?:```|~~~)[^\n]*\s*$")
# A finished last value, then a sentence on its own line (the model forgot the `}`).
_VALUE_THEN_PROSE = re.compile(r'(?s)^(.*(?:["\d}\]]|true|false|null))[ \t]*\n\s*[A-Z][^"{}\[\]]*$')
_ANSWER_KEY = re.compile(
    r"""["'“]?\s*(?:steps?|result|final[\s_\\-]*answer|answer)[^"'”:\n{}]{0,12}["'”]?\s*:""",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class JsonSpan:
    """A stretch of text that starts with `{` and may hold a JSON object.

    Attributes:
        start: index of the opening `{` in the scanned text.
        end: index just after the span.
        text: the span itself, with any missing closing braces already added.
        complete: True when the braces balanced in the original text.
        truncated: True when the text stops mid-value, so the object cannot be finished.
        closed_braces: how many `}` were added to close an object whose last value was complete.
    """

    start: int
    end: int
    text: str
    complete: bool
    truncated: bool = False
    closed_braces: int = 0


def _at_fence(text: str, index: int) -> bool:
    """True when a ``` or ~~~ code fence starts at `index`, at the start of its line."""
    if not (text.startswith("```", index) or text.startswith("~~~", index)):
        return False
    line_start = text.rfind("\n", 0, index) + 1
    return text[line_start:index].strip() == ""


_PLAIN = re.compile(r'[^"{}\[\]`~]*')
_STRING_BODY = re.compile(r'(?:[^"\\]|\\.)*', re.DOTALL)


def _always(match: re.Match[str] | None) -> re.Match[str]:
    """The match of a pattern that also matches the empty string, so it never fails."""
    assert match is not None, "patterns that accept the empty string always match"
    return match


def scan_object(text: str, start: int) -> JsonSpan:
    """Read the object that opens at `text[start]` (which must be `{`) up to its matching `}`.

    Only double quotes start strings, and a backslash inside a string skips the next
    character. A code fence at the start of a line, outside any string, ends the scan.
    """
    return _scan(text, start, {})


def _scan(text: str, start: int, seen: dict[int, JsonSpan]) -> JsonSpan:
    """Scan from `start`; also record in `seen` the span of every nested `{` passed on the way.

    A nested `{` met outside a string would scan exactly the same way on its own, so
    `find_json_spans` can reuse these results instead of rescanning (which would be
    quadratic on text with hundreds of unclosed braces).
    """
    stack: list[tuple[str, int]] = []
    in_string = False
    last = ""  # last significant character outside strings ('"' after a string)
    before_string = ""  # what came before the most recent string (tells keys from values)
    index = start
    length = len(text)
    while index < length:
        plain = _always(_PLAIN.match(text, index))
        chunk = plain.group().rstrip()
        if chunk:
            last = chunk[-1]
        index = plain.end()
        if index >= length:
            break
        char = text[index]
        if char == '"':
            before_string = last
            index = _always(_STRING_BODY.match(text, index + 1)).end()
            if index >= length or text[index] != '"':
                in_string = True
                index = length
                break
            last = '"'
        elif char in "{[":
            stack.append((char, index))
            last = char
        elif char in "}]":
            if stack:
                opener, where = stack.pop()
                if opener == "{":
                    seen[where] = JsonSpan(where, index + 1, text[where : index + 1], True)
            last = char
            if not stack:
                return seen[start]
        elif _at_fence(text, index):
            break
        else:
            last = char
        index += 1
    tail = text[:index].rstrip()
    spaced = len(tail) < index  # whitespace after the last character: a number there is whole
    lists_above = 0  # open `[` at or above each depth, counted from the innermost
    for depth in range(len(stack) - 1, -1, -1):
        opener, where = stack[depth]
        lists_above += opener == "["
        if opener == "{":
            seen[where] = _judge_unfinished(
                tail[where:],
                where,
                len(stack) - depth,
                lists_above > 0,
                in_string,
                before_string,
                spaced,
            )
    return seen[start]


def _judge_unfinished(
    span: str,
    start: int,
    open_count: int,
    list_open: bool,
    in_string: bool,
    before_string: str,
    spaced: bool = False,
) -> JsonSpan:
    """Decide whether an object whose braces never balanced can honestly be closed.

    `open_count` is how many `{`/`[` are still open, `list_open` whether any is a `[`,
    `spaced` whether whitespace followed the span in the text. The module docstring
    gives the rule.
    """
    end = start + len(span)
    if in_string:
        # An odd number of unescaped inner quotes also leaves us "in a string"; when the
        # text still ends like a finished object ('..."}'), let the repair rungs try it.
        trimmed = _FENCE_TAIL.sub("", span).rstrip()
        if _QUOTE_THEN_CLOSERS.search(trimmed):
            return JsonSpan(start, start + len(trimmed), trimmed, complete=False)
        return JsonSpan(start, end, span, complete=False, truncated=True)
    last_line = span[span.rfind("\n") + 1 :].strip()
    prose = _VALUE_THEN_PROSE.match(span) if last_line[:1].isupper() else None
    tail = span[-8:]
    finished = bool(prose or _COMPLETE_TAIL.search(tail) or (spaced and _NUMBER_TAIL.search(tail)))
    if prose and not list_open:
        span = prose.group(1)  # the value ended at a newline, so even a number is whole
        end = start + len(span)
    last_is_key = span.endswith('"') and before_string in ",{"
    if list_open or last_is_key or not finished:
        return JsonSpan(start, end, span, complete=False, truncated=True)
    missing = open_count
    return JsonSpan(start, end, span + "}" * missing, complete=False, closed_braces=missing)


def find_json_spans(text: str) -> Iterator[JsonSpan]:
    """Yield a span for every `{` in the text, left to right, outermost first.

    Nested objects are yielded too (after their parent), so a caller that could not
    use an outer span can fall back on the objects inside it.
    """
    seen: dict[int, JsonSpan] = {}
    start = text.find("{")
    while start >= 0:
        yield seen[start] if start in seen else _scan(text, start, seen)
        start = text.find("{", start + 1)


def find_json_objects(text: str) -> Iterator[dict[str, Any]]:
    """Yield each JSON object that plain `json.loads` can read, found anywhere in prose.

    This is the simple rung: no repairs. Objects inside an object that was read are
    not yielded again.
    """
    resume = 0
    for span in find_json_spans(text):
        if span.start < resume or not span.complete:
            continue
        try:
            value = json.loads(span.text)
        except ValueError:
            continue
        if isinstance(value, dict):
            resume = span.end
            yield value


def looks_answer_like(text: str) -> bool:
    """True when the text has a key that names steps or a result (`"step2":`, `'result':`...)."""
    return bool(_ANSWER_KEY.search(text))
