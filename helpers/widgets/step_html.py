"""Safe HTML for model text: every string is escaped before it is placed in markup.

Used by the static view (`Reasoning.to_html`) and by the `StepViewer` widget.
JupyterLab inserts widget HTML values and HTML outputs as they are, so a model
that writes ``<img src=x onerror=...>`` would run code if its text were not
escaped. Here all untrusted text goes through `escape_text`; only the tags
written in this module are real markup.

Escaping is not enough for text that *looks* different from what it is. Invisible
characters (zero-width spaces, soft hyphens, Unicode "tag" letters) and bidi
controls (a right-to-left override makes ``\\u202e0001`` display as "1000") are
shown as a visible marker such as ``[U+202E]`` instead, so what the reader sees is
what the model wrote. `reveal_hidden` does the same for plain text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from helpers.reasoning import Reasoning

_FENCE = re.compile(r"```[^\n`]*\n?(.*?)(?:```|\Z)", re.DOTALL)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:div|p|pre|summary|details|li)>", re.IGNORECASE)

TEXT_STYLE = (
    "white-space: pre-wrap; overflow-wrap: anywhere; margin: 2px 0; line-height: 1.45;"
    " unicode-bidi: isolate;"
)
CODE_STYLE = (
    "white-space: pre-wrap; margin: 4px 0; padding: 4px 6px; line-height: 1.35;"
    " background: var(--jp-layout-color2, #f3f3f3); border-radius: 3px;"
    " font-family: var(--jp-code-font-family, monospace); font-size: 90%;"
    " unicode-bidi: isolate;"
)
MUTED_STYLE = "color: var(--jp-ui-font-color2, #666); font-size: 90%;"
WARNING_STYLE = (
    "margin: 4px 0; padding: 4px 8px; border-left: 4px solid #d9822b;"
    " background: rgba(217, 130, 43, 0.12);"
)
HIDDEN_MARK_STYLE = (
    "font-family: var(--jp-code-font-family, monospace); font-size: 80%; color: #b00020;"
    " border: 1px dotted #b00020; border-radius: 2px; padding: 0 1px;"
)

# ---- hidden characters -----------------------------------------------------------------
# Anything outside printable ASCII might be hidden; only those characters are looked at.
_SUSPECT = re.compile(r"[^\x20-\x7e\t\n]")
# Letters and marks that draw nothing (Hangul fillers, the combining grapheme joiner,
# Khmer inherent vowels): default-ignorable in Unicode, yet not format characters.
_INVISIBLE_LETTERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")
_JOINERS = frozenset("\u200c\u200d")  # needed inside emoji sequences and some scripts
_BLACK_FLAG = "\U0001f3f4"  # starts the flag sequences written with tag characters
_TAG_FIRST, _TAG_LAST, _TAG_CANCEL = 0xE0020, 0xE007E, 0xE007F


def _is_hidden(text: str, index: int) -> bool:
    """True when text[index] would be invisible or would reorder the text around it."""
    char = text[index]
    if char in _JOINERS:
        return not (_shows(text, index - 1) and _shows(text, index + 1))
    if char == "\r":
        return not text.startswith("\n", index + 1)  # a Windows line end is harmless
    if char in _INVISIBLE_LETTERS:
        return True
    code = ord(char)
    if _TAG_FIRST <= code <= _TAG_CANCEL and _in_flag_sequence(text, index):
        return False
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Zl", "Zp"):
        return True
    # unassigned code points that fonts must draw as nothing
    return category == "Cn" and (code == 0x2065 or 0xFFF0 <= code <= 0xFFF8 or code >> 12 == 0xE0)


def _shows(text: str, index: int) -> bool:
    """True when a visible non-ASCII character is at `index` (a joiner may sit next to it)."""
    if index < 0 or index >= len(text):
        return False
    char = text[index]
    return ord(char) > 0x7E and not char.isspace() and unicodedata.category(char)[0] not in "CZ"


def _in_flag_sequence(text: str, index: int) -> bool:
    """True for tag characters inside a flag such as 🏴 + tags 'gbsct' + cancel tag."""
    start = index
    while start > 0 and _TAG_FIRST <= ord(text[start - 1]) <= _TAG_LAST:
        start -= 1
    end = index
    while end < len(text) and _TAG_FIRST <= ord(text[end]) <= _TAG_LAST:
        end += 1
    return (
        start > 0
        and text[start - 1] == _BLACK_FLAG
        and end < len(text)
        and ord(text[end]) == _TAG_CANCEL
        and end > start
    )


def _marker_name(char: str) -> str:
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")
    return f"{code} {name}" if name else code


def hidden_characters(text: str) -> list[tuple[int, str]]:
    """(position, character) of every character in `text` that `escape_text` marks."""
    return [
        (match.start(), match.group())
        for match in _SUSPECT.finditer(text)
        if _is_hidden(text, match.start())
    ]


def reveal_hidden(text: str) -> str:
    """Plain text with each invisible or bidi-control character written as '[U+XXXX]'.

    Ordinary text (any script, emoji, tabs and newlines) comes back unchanged.
    """
    found = hidden_characters(text)
    if not found:
        return text
    parts, position = [], 0
    for index, char in found:
        parts.append(text[position:index])
        parts.append(f"[U+{ord(char):04X}]")
        position = index + 1
    parts.append(text[position:])
    return "".join(parts)


def escape_text(text: str) -> str:
    """Untrusted text as HTML text: escaped, with hidden characters shown as markers.

    A marker reads '[U+202E]' and names the character in its tooltip, so the reader
    sees that something invisible is there and the text keeps its real order.
    """
    found = hidden_characters(text)
    if not found:
        return html.escape(text)
    parts, position = [], 0
    for index, char in found:
        parts.append(html.escape(text[position:index]))
        title = html.escape(f"{_marker_name(char)}: a hidden character in the text")
        parts.append(
            f'<span class="homemade-o1-hidden-char" title="{title}"'
            f' style="{HIDDEN_MARK_STYLE}">[U+{ord(char):04X}]</span>'
        )
        position = index + 1
    parts.append(html.escape(text[position:]))
    return "".join(parts)


# ---- blocks of text ----------------------------------------------------------------------
def text_block(text: str) -> str:
    """Untrusted text as safe HTML: escaped, newlines kept, ``` fences as <pre>."""
    text = text.replace("\r\n", "\n")  # a Windows line end is a line end
    parts: list[str] = []
    position = 0
    for fence in _FENCE.finditer(text):
        parts.append(_prose(text[position : fence.start()]))
        code = escape_text(fence.group(1).rstrip("\n"))
        parts.append(f'<pre style="{CODE_STYLE}">{code}</pre>')
        position = fence.end()
    parts.append(_prose(text[position:]))
    return "".join(part for part in parts if part)


def _prose(text: str) -> str:
    text = text.strip("\n")
    if not text.strip() and not hidden_characters(text):
        return ""
    escaped = _INLINE_CODE.sub(r"<code>\1</code>", escape_text(text))
    return f'<div style="{TEXT_STYLE}">{escaped}</div>'


def step_label(number: int, title: str | None) -> str:
    """'<b>Step 2</b> · Count the letters', with the title escaped."""
    label = f"<b>Step {number}</b>"
    return label + (f" · {escape_text(title)}" if title else "")


# ---- agent steps: Thought / Action / Observation cards -------------------------------------
REACT_LABELS = ("Thought", "Reply", "Action", "Action Input", "Observation")
"""The line labels of an agent step's text (see `helpers.agents.trace.AgentStep.to_text`)."""
_REACT_STAGE = {"Thought": 0, "Reply": 0, "Action": 1, "Action Input": 2, "Observation": 3}
_LABEL_COLOURS = {
    "Thought": "#6a1b9a",
    "Reply": "#8a6d00",
    "Action": "var(--jp-brand-color1, #1976d2)",
    "Observation": "#2e7d32",
}
OBSERVATION_PREVIEW_CHARS = 300
"""An observation longer than this (or than `OBSERVATION_PREVIEW_LINES` lines) is folded."""
OBSERVATION_PREVIEW_LINES = 6
_CARD_ROW_STYLE = "margin: 3px 0;"
_LABEL_STYLE = "font-size: 85%; font-weight: bold; color: {colour};"
_OBSERVATION_STYLE = (
    "margin: 2px 0; padding: 4px 8px; border-radius: 3px; white-space: pre-wrap;"
    " overflow-wrap: anywhere; unicode-bidi: isolate; line-height: 1.35;"
    " background: rgba(46, 125, 50, 0.07); border-left: 3px solid rgba(46, 125, 50, 0.45);"
    " font-family: var(--jp-code-font-family, monospace); font-size: 88%;"
)


def react_parts(text: str) -> list[tuple[str, str]] | None:
    """Split an agent step's text into (label, content) pairs, or None if it is not one.

    A step is read as Thought (or Reply), Action, Action Input, Observation, each at
    most once and in that order; a line that does not start a later part belongs to
    the part before it (thoughts, code and tool results can span many lines).
    """
    lines = text.split("\n")
    first = _line_label(lines[0], -1)
    if first is None:
        return None
    parts = [[first, lines[0][len(first) + 1 :].lstrip(" ")]]
    for line in lines[1:]:
        label = _line_label(line, _REACT_STAGE[parts[-1][0]])
        if label is None:
            parts[-1][1] += "\n" + line
        else:
            parts.append([label, line[len(label) + 1 :].lstrip(" ")])
    return [(label, content) for label, content in parts]


def _line_label(line: str, after_stage: int) -> str | None:
    for label in ("Action Input", *(item for item in REACT_LABELS if item != "Action Input")):
        if _REACT_STAGE[label] > after_stage and line.startswith(label + ":"):
            return label
    return None


def step_block(text: str) -> str:
    """A step as safe HTML: an agent step as labelled cards, any other step as text."""
    parts = react_parts(text)
    if parts is None:
        return text_block(text)
    rows = []
    for label, content in parts:
        colour = _LABEL_COLOURS.get(label, _LABEL_COLOURS["Action"])
        # the protocol's own words ("Observation: ..."), so copied text reads the same
        tag = f'<span style="{_LABEL_STYLE.format(colour=colour)}">{label}:</span> '
        if label == "Observation":
            rows.append(f'<div style="{_CARD_ROW_STYLE}">{tag}{observation_block(content)}</div>')
        elif label in ("Action", "Action Input"):
            rows.append(f'<div style="{_CARD_ROW_STYLE}">{tag}{_code_or_inline(content)}</div>')
        else:
            rows.append(f'<div style="{_CARD_ROW_STYLE}">{tag}{text_block(content)}</div>')
    return f'<div class="homemade-o1-agent-step">{"".join(rows)}</div>'


def _code_or_inline(content: str) -> str:
    if "\n" in content.strip("\n") or len(content) > 80:
        return f'<pre style="{CODE_STYLE}">{escape_text(content.strip(chr(10)))}</pre>'
    return f"<code>{escape_text(content)}</code>"


def observation_block(text: str) -> str:
    """A tool's result in a shaded box; a long one shows its start and folds the rest
    under 'show more' (plain HTML <details>: no round trip to the kernel)."""
    preview = _preview(text)
    shown = f'<div style="{_OBSERVATION_STYLE}">{escape_text(preview)}</div>'
    rest = text[len(preview) :]
    if not rest:
        return shown
    more = f"show more ({len(rest):,} more characters)"
    return (
        f'{shown}<details><summary style="{MUTED_STYLE} cursor: pointer;">{more}</summary>'
        f'<div style="{_OBSERVATION_STYLE}">{escape_text(rest)}</div></details>'
    )


def _preview(text: str) -> str:
    """The start of a long text: at most the preview lines and characters (whole text if
    that is short enough that folding would hide almost nothing)."""
    lines = text.split("\n")
    if (
        len(text) <= OBSERVATION_PREVIEW_CHARS * 4 // 3
        and len(lines) <= OBSERVATION_PREVIEW_LINES + 2
    ):
        return text
    preview = "\n".join(lines[:OBSERVATION_PREVIEW_LINES])[:OBSERVATION_PREVIEW_CHARS]
    cut = preview.rfind(" ", OBSERVATION_PREVIEW_CHARS // 2)
    if len(preview) == OBSERVATION_PREVIEW_CHARS and cut != -1:
        preview = preview[: cut + 1]  # end at a word boundary
    return preview


# ---- summaries, warnings, the static view ------------------------------------------------
def call_summary(reasoning: Reasoning) -> str:
    """Plain text such as 'gpt-4o-mini · 412 prompt + 188 completion = 600 tokens · 3.2 s'."""
    parts = []
    if reasoning.model:
        parts.append(reasoning.model)
    if reasoning.usage is not None:
        parts.append(reasoning.usage.describe())
    if reasoning.elapsed is not None:
        parts.append(f"{reasoning.elapsed:.1f} s")
    return " · ".join(parts)


def warning_lines(reasoning: Reasoning) -> list[str]:
    """Plain-text warnings for the learner: cut off, repaired, plus the Reasoning's own."""
    lines = []
    if reasoning.finish_reason == "length":
        lines.append("Cut off: the model hit its token limit before it finished.")
    if not reasoning.complete:
        lines.append("No final answer was given.")
    already_said = any("repaired" in warning.lower() for warning in reasoning.warnings)
    if reasoning.repairs and not already_said:
        lines.append(
            "Repaired: the reply was not clean JSON. Fixes: " + "; ".join(reasoning.repairs)
        )
    for warning in reasoning.warnings:
        if warning not in lines:
            lines.append(warning)
    return lines


def warnings_html(lines: list[str]) -> str:
    """Warning lines as escaped HTML blocks (empty string when there are none)."""
    return "".join(
        f'<div style="{WARNING_STYLE}">&#9888; {escape_text(line)}</div>' for line in lines
    )


def reasoning_to_html(reasoning: Reasoning) -> str:
    """The static view: question, one collapsible <details> per step, then the answer.

    The answer sits in its own closed <details>, so a reader can think first. This
    view needs no JavaScript, so it reads the same on GitHub, nbviewer, or in a
    saved notebook whose widgets no longer render.
    """
    parts = ['<div class="homemade-o1-reasoning">']
    if reasoning.question:
        parts.append(f"<p><b>Question:</b> {escape_text(reasoning.question)}</p>")
    for number, (title, step) in enumerate(zip(reasoning.titles, reasoning.steps), start=1):
        parts.append(
            f"<details><summary>{step_label(number, title)}</summary>{step_block(step)}</details>"
        )
    if reasoning.complete:
        parts.append(
            "<details><summary><b>Answer</b> (think first, then click to open)</summary>"
            f"{text_block(reasoning.result)}</details>"
        )
    parts.append(warnings_html(warning_lines(reasoning)))
    summary = call_summary(reasoning)
    if summary:
        parts.append(f'<div style="{MUTED_STYLE}">{escape_text(summary)}</div>')
    parts.append("</div>")
    return "\n".join(part for part in parts if part)


def html_to_text(markup: str) -> str:
    """Markup written by this module back to readable text (tags dropped, entities decoded)."""
    text = _BLOCK_END.sub("\n", markup)
    text = html.unescape(_TAG.sub("", text))
    lines = [line.rstrip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line.strip())
