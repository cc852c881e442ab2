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
# Reasoning sections, in the spellings models and servers leak: `<think>...</think>`
# (DeepSeek-R1, Qwen3), `<thinking>`, `<reasoning>`, `[THINK]...[/THINK]` (Mistral's
# Magistral), `◁think▷...◁/think▷` (Kimi), `<|START_THINKING|>...<|END_THINKING|>`
# (Cohere), `<|begin_of_thought|>...<|end_of_thought|>` (OpenThoughts, Sky-T1).
_REASONING_NAMES = (
    r"think|thinking|thought|thoughts|reasoning|reflection|analysis|scratchpad|seed:think"
)
_SECTION_OPEN = re.compile(
    rf"<(?P<xml>{_REASONING_NAMES})\s*>"
    r"|\[(?P<bracket>THINK|THINKING)\]"
    r"|◁(?P<kimi>think)▷"
    r"|<\|(?:START_|begin_of_)(?P<token>THINKING|thought)\|>",
    re.IGNORECASE,
)
_SECTION_CLOSE = re.compile(
    rf"</(?P<xml>{_REASONING_NAMES})\s*>"
    r"|\[/(?P<bracket>THINK|THINKING)\]"
    r"|◁/(?P<kimi>think)▷"
    r"|<\|(?:END_|end_of_)(?P<token>THINKING|thought)\|>",
    re.IGNORECASE,
)
#: U+FEFF at the very start of a text: a byte order mark, not part of the answer.
BYTE_ORDER_MARK = "\ufeff"
# gpt-oss's chat format ("harmony"): each message is a header, then `<|message|>`, then
# the text up to `<|end|>`, `<|return|>` or `<|call|>`. Only the `final` channel is the
# answer; `analysis` (the thinking) and `commentary` (tool calls, preambles) are not.
_HARMONY_HEADER = re.compile(
    r"(?:<\|start\|>\s*[\w.:-]*\s*)?<\|channel\|>\s*(?P<channel>\w+)[^<]*"
    r"(?:<\|constrain\|>[^<]*)?<\|message\|>"
)
_HARMONY_END = re.compile(r"<\|(?:end|return|call)\|>|<\|start\|>|<\|channel\|>")
# The same format with its special tokens dropped by the server: "analysisWe need
# to ...assistantfinal{...}".
_BARE_HARMONY_START = re.compile(r"\A\s*analysis(?=[A-Z])")
_BARE_HARMONY_FINAL = "assistantfinal"
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
    """Drop a byte order mark and turn Windows (CRLF) line endings into plain newlines.

    Only a U+FEFF at the very start is a byte order mark. Further on it is a character of
    the text (a zero-width no-break space) and is kept, so a step holding one comes back
    whole.
    """
    return text.removeprefix(BYTE_ORDER_MARK).replace("\r\n", "\n")


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


def select_final_channel(text: str) -> tuple[str, str | None]:
    """Keep only the `final` channel of a reply written in gpt-oss's chat format.

    The `analysis` channel is the model thinking aloud and may hold draft JSON; the
    `commentary` channel holds tool calls and preambles. Neither is ever the answer.
    Returns (text, what was removed), or (text, None) when the text is not in that format.

    Raises:
        ValueError: the text holds only analysis or commentary and its last message
            never ended (the model was cut off while still thinking).
    """
    headers = list(_HARMONY_HEADER.finditer(text))
    if not headers:
        return _select_bare_final(text)
    finals: list[str] = []
    last_ended = True
    for header in headers:
        end = _HARMONY_END.search(text, header.end())
        content = text[header.end() : end.start() if end else len(text)]
        last_ended = end is not None and end.group() in ("<|end|>", "<|return|>", "<|call|>")
        if header.group("channel").lower() == "final":
            finals.append(content)
    if finals:
        return finals[-1], "kept only the final channel (removed analysis/commentary)"
    if not last_ended:
        raise ValueError("the text stops inside the analysis channel")
    return "", "removed the analysis/commentary channels (no final channel)"


def _select_bare_final(text: str) -> tuple[str, str | None]:
    if not _BARE_HARMONY_START.match(text):
        return text, None
    where = text.rfind(_BARE_HARMONY_FINAL)
    if where < 0:
        raise ValueError("the text stops inside the analysis channel")
    kept = text[where + len(_BARE_HARMONY_FINAL) :]
    return kept, "kept only the final channel (removed analysis/commentary)"


def strip_think_block(text: str) -> tuple[str, bool]:
    """Remove the reasoning sections (`<think>...</think>` and its cousins); keep what follows.

    Reasoning models think in the open before answering, and the thinking may hold
    draft JSON, so it must never be searched for the answer. Every spelling in
    `_SECTION_OPEN` counts (`<think>`, `<thinking>`, `<reasoning>`, `[THINK]`, ...).
    The answer is what follows the last reasoning section, so the kept text is always
    the end of `text`:

    * a closed section counts wherever it is, unless its opening tag is written inside
      a JSON string mid-line (a step that talks about think tags);
    * some servers drop the opening tag, so a lone closing tag also counts, on the
      same condition;
    * an opening tag at the start of a line that never closes means the model was cut
      off while thinking (ValueError); one mid-line that never closes is a mention.

    Returns (text, removed?).

    Raises:
        ValueError: the text stops inside a reasoning section.
    """
    answer_start = 0
    position = 0
    while (opening := _next_tag(_SECTION_OPEN, text, position)) is not None:
        closing = _closing_for(opening, text)
        if closing is None:
            if _at_line_start(text, opening.start()):
                raise ValueError("the text stops inside a reasoning section")
            position = opening.end()
            continue
        answer_start = position = closing.end()
    lone = _next_tag(_SECTION_CLOSE, text, answer_start, ends_line=True)
    if lone is not None:
        answer_start = lone.end()
    return text[answer_start:], answer_start > 0


def _next_tag(
    pattern: re.Pattern[str], text: str, start: int, ends_line: bool = False
) -> re.Match[str] | None:
    """The first tag from `start` that is not written inside a JSON string mid-line.

    A tag at the start of a line (or, with `ends_line`, one that ends its line) counts
    even when quotes around it look like a string: prose thinking is full of quotes.
    """
    inside: list[tuple[int, int]] | None = None
    for match in pattern.finditer(text, start):
        if _at_line_start(text, match.start()):
            return match
        if ends_line and re.match(r"[ \t]*(?:\n|$)", text[match.end() :]):
            return match
        if inside is None:
            inside = _string_ranges(text)
        if not any(begin < match.start() < end for begin, end in inside):
            return match
    return None


def _closing_for(opening: re.Match[str], text: str) -> re.Match[str] | None:
    """The closing tag that matches `opening` (same spelling, same name), after it."""
    kind = next(name for name, value in opening.groupdict().items() if value)
    name = opening.group(kind).lower()
    for closing in _SECTION_CLOSE.finditer(text, opening.end()):
        value = closing.group(kind)
        if value is not None and value.lower() == name:
            return closing
    return None


def _at_line_start(text: str, where: int) -> bool:
    line_start = text.rfind("\n", 0, where) + 1
    return not text[line_start:where].strip()


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
