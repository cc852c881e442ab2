"""Safe HTML for model text: every string is escaped before it is placed in markup.

Used by the static view (`Reasoning.to_html`) and by the `StepViewer` widget.
JupyterLab inserts widget HTML values and HTML outputs as they are, so a model
that writes ``<img src=x onerror=...>`` would run code if its text were not
escaped. Here all untrusted text goes through `html.escape`; only the tags
written in this module are real markup.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from helpers.reasoning import Reasoning

_FENCE = re.compile(r"```[^\n`]*\n?(.*?)(?:```|\Z)", re.DOTALL)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:div|p|pre|summary|details|li)>", re.IGNORECASE)

TEXT_STYLE = "white-space: pre-wrap; overflow-wrap: anywhere; margin: 2px 0; line-height: 1.45;"
CODE_STYLE = (
    "white-space: pre-wrap; margin: 4px 0; padding: 4px 6px; line-height: 1.35;"
    " background: var(--jp-layout-color2, #f3f3f3); border-radius: 3px;"
    " font-family: var(--jp-code-font-family, monospace); font-size: 90%;"
)
MUTED_STYLE = "color: var(--jp-ui-font-color2, #666); font-size: 90%;"
WARNING_STYLE = (
    "margin: 4px 0; padding: 4px 8px; border-left: 4px solid #d9822b;"
    " background: rgba(217, 130, 43, 0.12);"
)


def text_block(text: str) -> str:
    """Untrusted text as safe HTML: escaped, newlines kept, ``` fences as <pre>."""
    parts: list[str] = []
    position = 0
    for fence in _FENCE.finditer(text):
        parts.append(_prose(text[position : fence.start()]))
        code = html.escape(fence.group(1).rstrip("\n"))
        parts.append(f'<pre style="{CODE_STYLE}">{code}</pre>')
        position = fence.end()
    parts.append(_prose(text[position:]))
    return "".join(part for part in parts if part)


def _prose(text: str) -> str:
    text = text.strip("\n")
    if not text.strip():
        return ""
    escaped = _INLINE_CODE.sub(r"<code>\1</code>", html.escape(text))
    return f'<div style="{TEXT_STYLE}">{escaped}</div>'


def step_label(number: int, title: str | None) -> str:
    """'<b>Step 2</b> · Count the letters', with the title escaped."""
    label = f"<b>Step {number}</b>"
    return label + (f" · {html.escape(title)}" if title else "")


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
        f'<div style="{WARNING_STYLE}">&#9888; {html.escape(line)}</div>' for line in lines
    )


def reasoning_to_html(reasoning: Reasoning) -> str:
    """The static view: question, one collapsible <details> per step, then the answer.

    The answer sits in its own closed <details>, so a reader can think first. This
    view needs no JavaScript, so it reads the same on GitHub, nbviewer, or in a
    saved notebook whose widgets no longer render.
    """
    parts = ['<div class="homemade-o1-reasoning">']
    if reasoning.question:
        parts.append(f"<p><b>Question:</b> {html.escape(reasoning.question)}</p>")
    for number, (title, step) in enumerate(zip(reasoning.titles, reasoning.steps), start=1):
        parts.append(
            f"<details><summary>{step_label(number, title)}</summary>{text_block(step)}</details>"
        )
    if reasoning.complete:
        parts.append(
            "<details><summary><b>Answer</b> (think first, then click to open)</summary>"
            f"{text_block(reasoning.result)}</details>"
        )
    parts.append(warnings_html(warning_lines(reasoning)))
    summary = call_summary(reasoning)
    if summary:
        parts.append(f'<div style="{MUTED_STYLE}">{html.escape(summary)}</div>')
    parts.append("</div>")
    return "\n".join(part for part in parts if part)


def html_to_text(markup: str) -> str:
    """Markup written by this module back to readable text (tags dropped, entities decoded)."""
    text = _BLOCK_END.sub("\n", markup)
    text = html.unescape(_TAG.sub("", text))
    lines = [line.rstrip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line.strip())
