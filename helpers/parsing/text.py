"""Clean the text around an answer before looking for JSON in it.

Models wrap their JSON in many things: a byte order mark, Windows line endings,
a ```json fence, a `<think>...</think>` block, chat template tokens such as
`<|im_end|>`, or a polite sentence. Each function here removes one of them.
"""

from __future__ import annotations

import re

from helpers.parsing.repair import split_strings

#: Tokens that end a chat turn. Anything a model writes after one is not its answer.
END_TOKENS: tuple[str, ...] = (
    "<|im_end|>",
    "<|eot_id|>",
    "<|eom_id|>",
    "<|end|>",
    "</s>",
    "<|endoftext|>",
    "<|end_of_text|>",
    "<end_of_turn>",
    "<|return|>",
    "<\uff5cend\u2581of\u2581sentence\uff5c>",  # DeepSeek's full-width spelling
    "<|im_start|>",  # a new turn starting means ours has ended
    "<|start_header_id|>",
    "<|user|>",
)

_LEADING_TURN_MARKER = re.compile(
    r"\A\s*(?:<\|im_start\|>\s*assistant\b"
    r"|<\|start_header_id\|>\s*assistant\s*<\|end_header_id\|>"
    r"|<\|assistant\|>"
    r"|<\uff5cAssistant\uff5c>"
    r"|<s>|<\|begin_of_text\|>)\s*",
    re.IGNORECASE,
)
_THINK_OPEN = re.compile(r"\A\s*<(think|thinking|thought|reasoning)>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</(?:think|thinking|thought)>", re.IGNORECASE)
_FENCE_OPEN = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*[\w+.-]*[ \t]*$", re.MULTILINE)
#: A line that only opens or closes a code fence (with or without a language tag).
FENCE_LINE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[^\n`]*$", re.MULTILINE)
_REFUSAL = re.compile(
    r"\b(?:I['’]?m sorry|I am sorry|I apologi[sz]e"
    r"|I (?:can(?:not|['’]t)|won['’]t|will not) (?:help|assist|provide|do|comply|answer|fulfil"
    r"|support|share|create|write)"
    r"|I['’]m (?:unable|not able) to|I am (?:unable|not able) to|I must decline"
    r"|As an AI\b)"
    r"|\A\W*(?:Sorry|Unfortunately)\b",
    re.IGNORECASE,
)


def normalize_text(text: str) -> str:
    """Drop a byte order mark and turn Windows (CRLF) line endings into plain newlines."""
    return text.replace("\ufeff", "").replace("\r\n", "\n")


def cut_at_special_token(text: str) -> tuple[str, str | None]:
    """Keep only what comes before the first chat special token (`<|im_end|>`, `</s>`, ...).

    A leading "assistant" turn marker is removed first, so the answer after it is kept.
    A token written inside a JSON string (a step explaining chat templates) does not count.
    Returns the kept text and the token that ended it (None when there was none).
    """
    text = _LEADING_TURN_MARKER.sub("", text, count=1)
    found = sorted((where, token) for token in END_TOKENS for where in _occurrences(text, token))
    if not found:
        return text, None
    inside = _string_ranges(text)
    for where, token in found:
        if not any(start < where < end for start, end in inside):
            return text[:where], token
    return text, None


def _occurrences(text: str, token: str) -> list[int]:
    places = []
    where = text.find(token)
    while where >= 0:
        places.append(where)
        where = text.find(token, where + 1)
    return places


def _string_ranges(text: str) -> list[tuple[int, int]]:
    """(start, end) of every double-quoted string, so a token written inside one is not cut."""
    ranges = []
    position = 0
    for piece, quoted in split_strings(text):
        if quoted:
            ranges.append((position, position + len(piece)))
        position += len(piece)
    return ranges


def strip_think_block(text: str) -> tuple[str, bool]:
    """Remove a reasoning model's `<think>...</think>` block and return what follows it.

    DeepSeek-R1 and Qwen3 think in the open before answering; the thinking may hold
    draft JSON, so it must never be searched for the answer. Some servers drop the
    opening tag, so a lone closing tag also counts, unless it is written inside a
    JSON string mid-line (a step that talks about think tags). Returns (text, removed?).

    Raises:
        ValueError: the text opens a think block that never closes (the model was cut
            off while still thinking).
    """
    opened = _THINK_OPEN.match(text)
    if opened:
        close = re.compile(rf"</{opened.group(1)}>", re.IGNORECASE).search(text, opened.end())
        if close is None:
            raise ValueError("the text stops inside a <think> block")
        return text[close.end() :], True
    inside = _string_ranges(text)
    for close in _THINK_CLOSE.finditer(text):
        quoted = any(start < close.start() < end for start, end in inside)
        if not quoted or re.match(r"[ \t]*(?:\n|$)", text[close.end() :]):
            return text[close.end() :], True
    return text, False


def strip_code_fence(text: str) -> str:
    """Return the inside of the first Markdown code fence, or the text itself if none.

    Any language tag (```json, ```JSON, ```javascript) or none is accepted, and `~~~`
    fences too. A fence that is never closed runs to the end of the text.
    """
    opening = _FENCE_OPEN.search(text)
    if opening is None:
        return text
    marker = opening.group(1)
    closing = re.compile(rf"^[ \t]*{re.escape(marker[0]) * 3}+[ \t]*$", re.MULTILINE)
    end = closing.search(text, opening.end())
    inner = text[opening.end() : end.start() if end else len(text)]
    return inner.strip("\n")


def looks_like_refusal(text: str) -> bool:
    """True when the start of the text reads like a refusal ("I'm sorry, I can't help...")."""
    return bool(_REFUSAL.search(text[:400]))


def first_line(text: str, limit: int = 80) -> str:
    """The text squeezed onto one line and shortened to `limit` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
