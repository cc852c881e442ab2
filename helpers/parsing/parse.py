"""`parse_reasoning`: the whole ladder, from a raw reply to a `Reasoning` or a clear error.

The package docstring (`helpers/parsing/__init__.py`) lists the rungs and the
module that holds each one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from helpers.parsing.errors import EMPTY_OBJECT, EMPTY_STEP_LIST, ReasoningParseError
from helpers.parsing.repair import (
    load_json,
)
from helpers.parsing.scan import (
    JsonSpan,
    find_json_spans,
    looks_answer_like,
)
from helpers.parsing.shape import (
    AnswerParts,
    ReasoningAnswer,
    find_answer,
)
from helpers.parsing.text import (
    BYTE_ORDER_MARK,
    FENCE_LINE,
    cut_at_special_token,
    first_line,
    looks_like_refusal,
    normalize_text,
    select_final_channel,
    strip_code_fence,
    strip_think_block,
)
from helpers.reasoning import Reasoning

_MEMBER_FIRST = re.compile(r'\s*"[^"\n]{1,40}"\s*:')
_BARE_QUOTE = re.compile(r'(?<!\\)"')
_QUOTED_OBJECT = re.compile(r'"\{\\".*\}"', re.DOTALL)
_EMPTY_OBJECTS = re.compile(r"\s*(?:\{\s*\}\s*)+")  # `{}`: what JSON mode often gives


@dataclass
class _Found:
    """One complete answer found in the text, with where it sat and what it took."""

    span: JsonSpan
    parts: AnswerParts
    repairs: list[str]


def parse_reasoning(text: str) -> Reasoning:
    """Read a model's answer into steps, titles and a result.

    Args:
        text: the model's reply exactly as received.

    Returns:
        A `Reasoning` whose `raw` is `text`, whose `repairs` name every fix that was
        needed, and whose `warnings` hold one sentence for the learner when there were
        any.

    Raises:
        ReasoningParseError: empty text, no JSON, no steps, no result, a refusal, or
            an answer that was cut off. `error.reason` says which.
    """
    if text is None or not str(text).strip():
        raise ReasoningParseError("empty", text=text or "")
    repairs: list[str] = []
    cleaned = normalize_text(text)
    if text.startswith(BYTE_ORDER_MARK):
        repairs.append("removed byte order mark")
    try:
        cleaned, channels = select_final_channel(cleaned)
        cleaned, token = cut_at_special_token(cleaned)
        cleaned, had_think = strip_think_block(cleaned)
    except ValueError:
        raise ReasoningParseError(
            "truncated", "the text stops while the model is still thinking", text
        ) from None
    if channels:
        repairs.append(channels)
    if token:
        repairs.append(f"cut the text at the chat token {token}")
    if had_think:
        repairs.append("removed <think> block")
    if not cleaned.strip():
        if had_think or channels:
            raise ReasoningParseError("no_json", "only thinking, no answer after it", text)
        raise ReasoningParseError("empty", text=text)
    parts, found_repairs = _read_answer(cleaned, text)
    answer = ReasoningAnswer(steps=parts.steps, result=parts.result or "", titles=parts.titles)
    repairs += found_repairs
    warnings = []
    if repairs:
        warnings.append(
            "The model's answer was not clean JSON, so it was repaired before reading it ("
            + "; ".join(repairs)
            + ")."
        )
    return Reasoning(
        steps=answer.steps,
        result=answer.result,
        titles=answer.titles,
        raw=text,
        repairs=repairs,
        warnings=warnings,
    )


def _decode_inner(text: str) -> object:
    return load_json(text).value


def _read_answer(cleaned: str, raw: str) -> tuple[AnswerParts, list[str]]:
    """Find the answer in cleaned text; return it and the repairs it needed, or raise."""
    string, embedded = _answer_string(cleaned)
    if string is None or (embedded and _inside_an_object(cleaned)):
        return _read_objects(cleaned, raw)
    try:
        encoded = _read_string(string, raw)
    except ReasoningParseError as error:
        # The string held no usable answer: its "{" may be a step's or the result's own
        # text. Read the text as it is; if that finds nothing, the string's error stands.
        try:
            return _read_objects(cleaned, raw)
        except ReasoningParseError:
            raise error from None
    return encoded if encoded is not None else _read_objects(cleaned, raw)


def _inside_an_object(cleaned: str) -> bool:
    """True when the first quoted `"{\\"..."` is a value inside a valid JSON object: a
    step or a result whose own text looks like JSON, not an answer written as a string."""
    quoted = _QUOTED_OBJECT.search(cleaned)
    if quoted is None:
        return False
    for span in find_json_spans(cleaned):
        if span.start >= quoted.start():
            return False
        if span.complete and span.end >= quoted.end():
            try:
                json.loads(span.text)
            except ValueError:
                continue
            return True
    return False


def _read_objects(cleaned: str, raw: str) -> tuple[AnswerParts, list[str]]:
    """Find the answer among the JSON objects in cleaned text (not a JSON string)."""
    found: list[_Found] = []
    cut_off: list[JsonSpan] = []
    partial: list[AnswerParts] = []
    resume = 0
    for span in find_json_spans(cleaned):
        if span.start < resume:
            continue
        if span.truncated:
            cut_off.append(span)
            continue
        if ":" not in span.text and "：" not in span.text:
            continue
        try:
            loaded = load_json(span.text)
        except ValueError:
            continue
        parts = find_answer(loaded.value, decode=_decode_inner)
        if parts is not None and parts.complete:
            if span.closed_braces and parts.may_continue:
                cut_off.append(span)  # more steps may have been coming
                continue
            found.append(_Found(span, parts, loaded.repairs + parts.repairs))
            resume = span.end
            continue
        if span.closed_braces:
            cut_off.append(span)  # an unfinished object without a result: it was still coming
            continue
        if parts is not None:
            partial.append(parts)
        if span.complete and not loaded.used_library:
            resume = span.end
    if not found and not cut_off and _MEMBER_FIRST.match(cleaned):
        # An assistant message pre-filled with "{" comes back without it.
        parts, repairs = _read_answer("{" + cleaned.lstrip(), raw)
        return parts, ["added missing opening brace", *repairs]
    if found:
        last = found[-1]
        later = (span for span in cut_off if span.start > last.span.start)
        if any(looks_answer_like(span.text) for span in later):
            raise ReasoningParseError(
                "truncated", "a later answer after a complete one was cut off", raw
            )
        repairs = _surroundings(cleaned, last.span) + last.repairs
        if last.span.closed_braces:
            repairs.append("closed missing brace")
        if len(found) > 1:
            repairs.append(f"used the last of {len(found)} complete answers")
        return last.parts, repairs
    if cut_off:
        raise ReasoningParseError("truncated", text=raw)
    raise _explain_failure(cleaned, partial, raw)


def _answer_string(cleaned: str) -> tuple[str | None, bool]:
    """The JSON string that may hold the answer, and whether other text surrounds it.

    A reply can be one JSON string whose content is the answer, or the same printed
    without its outer quotes (`{\\"step1\\": ...}`), or such a string after some words
    ('Here it is: "{\\"step1\\": ...}"': embedded). (None, False) when there is none.
    """
    inner = strip_code_fence(cleaned).strip()
    embedded = False
    if inner.startswith("{") and '\\"' in inner and not _BARE_QUOTE.search(inner):
        inner = f'"{inner}"'
    elif not inner.startswith('"') and (quoted := _QUOTED_OBJECT.search(inner)):
        inner, embedded = quoted.group(0), True
    if not (inner.startswith('"') and inner.endswith('"') and len(inner) > 2):
        return None, False
    return inner, embedded


def _read_string(string: str, raw: str) -> tuple[AnswerParts, list[str]] | None:
    """The answer written inside the JSON string `string`, or None if it holds no object."""
    try:
        decoded = load_json(string).value
    except ValueError:
        return None
    if not isinstance(decoded, str) or "{" not in decoded:
        return None
    parts, repairs = _read_answer(decoded, raw)
    return parts, ["decoded JSON written inside a string", *repairs]


def _surroundings(cleaned: str, span: JsonSpan) -> list[str]:
    """Name what was thrown away around the chosen object: fences, prose."""
    around = cleaned[: span.start] + "\n" + cleaned[span.end :]
    repairs = []
    if FENCE_LINE.search(around):
        repairs.append("removed code fence")
    if FENCE_LINE.sub("", around).strip():
        repairs.append("ignored text around the JSON")
    return repairs


def _all_text(partial: list[AnswerParts], cleaned: str) -> str:
    """The results written in objects that had no steps, else the cleaned text."""
    results = [parts.result for parts in partial if parts.result]
    return " ".join(results) if results else cleaned


def _explain_failure(cleaned: str, partial: list[AnswerParts], raw: str) -> ReasoningParseError:
    """Pick the most useful error when no complete answer was found."""
    for parts in partial:
        if parts.refusal:
            return ReasoningParseError("refusal", first_line(parts.refusal), raw)
    if any(any(step.strip() for step in parts.steps) for parts in partial):
        return ReasoningParseError("no_result", text=raw)
    if partial and looks_like_refusal(_all_text(partial, cleaned)):
        return ReasoningParseError("refusal", first_line(_all_text(partial, cleaned)), raw)
    if any(parts.empty_step_list for parts in partial):
        return ReasoningParseError("no_steps", text=raw, message=EMPTY_STEP_LIST)
    if partial:
        return ReasoningParseError("no_steps", text=raw)
    if _EMPTY_OBJECTS.fullmatch(strip_code_fence(cleaned)):
        return ReasoningParseError("no_json", text=raw, message=EMPTY_OBJECT)
    if looks_like_refusal(cleaned):
        return ReasoningParseError("refusal", first_line(cleaned), raw)
    return ReasoningParseError("no_json", text=raw)
