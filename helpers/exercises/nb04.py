"""Checkers for the exercises of 04_step_widget.

The checkers try a learner's widget the way a browser would, but from Python: they
find buttons by their labels, `click()` them, set text boxes, and read every widget
value. HTML is read with Python's own `html.parser`, following the rules a browser
uses for what ends up on screen (tags are obeyed, entities decoded, line breaks kept
only by `<br>`, `<pre>` or a `white-space: pre...` style).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import ipywidgets as widgets

from helpers.exercises.core import checker

_VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
_BLOCK_TAGS = {"div", "p", "pre", "li", "ul", "ol", "h1", "h2", "h3", "h4", "blockquote", "tr"}
_PRE_STYLE = re.compile(r"white-space\s*:\s*pre", re.IGNORECASE)
_DANGEROUS_TAGS = {"script", "img", "iframe", "svg", "object", "embed", "style", "link"}


class _ScreenText(HTMLParser):
    """What a browser would show for a piece of HTML, as text; plus the tags it obeyed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self._open: list[tuple[str, bool]] = []  # (tag, keeps line breaks)

    def _keeps_breaks(self) -> bool:
        return any(keeps for _, keeps in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        if tag == "br":
            self.parts.append("\n")
            return
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag not in _VOID_TAGS:
            style = " ".join(value or "" for name, value in attrs if name == "style")
            self._open.append((tag, tag == "pre" or bool(_PRE_STYLE.search(style))))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data if self._keeps_breaks() else re.sub(r"\s+", " ", data))


def read_html(markup: str) -> tuple[str, list[tuple[str, list[tuple[str, str | None]]]]]:
    """(the text a browser shows for `markup`, the tags it would obey with their attributes)."""
    reader = _ScreenText()
    reader.feed(markup)
    reader.close()
    return "".join(reader.parts), reader.tags


def screen_lines(text: str) -> list[str]:
    """Text as the lines a reader sees: spaces squeezed, blank lines dropped."""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return [line for line in lines if line]


def all_widgets(root: Any) -> Iterator[widgets.Widget]:
    """`root` and every widget inside it (children, and widgets held in any trait)."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        item = pending.pop()
        if isinstance(item, widgets.Widget):
            if id(item) in seen:
                continue
            seen.add(id(item))
            yield item
            pending.extend(getattr(item, name, None) for name in item.keys)
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())


def synced_strings(root: Any) -> list[str]:
    """Every string the browser receives for `root`: all string values of all its widgets."""
    found: list[str] = []
    for widget in all_widgets(root):
        for name in widget.keys:
            _strings_in(getattr(widget, name, None), found)
    return found


def _strings_in(value: Any, found: list[str]) -> None:
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _strings_in(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _strings_in(item, found)


def shown_text(root: Any) -> str:
    """The text of every HTML and Label widget in `root`, as a browser would show it."""
    texts = []
    for widget in all_widgets(root):
        if isinstance(widget, (widgets.HTML, widgets.HTMLMath)):
            texts.append(read_html(widget.value)[0])
        elif isinstance(widget, widgets.Label):
            texts.append(widget.value)
    return " ".join(" ".join(text.split()) for text in texts)


def find_button(root: Any, *words: str) -> widgets.Button | None:
    """The first button whose label contains one of `words` (case does not matter)."""
    for widget in all_widgets(root):
        if isinstance(widget, widgets.Button):
            label = widget.description.lower()
            if any(word in label for word in words):
                return widget
    return None


def _not_a_widget(value: Any, name: str) -> str | None:
    if isinstance(value, widgets.Widget):
        return None
    return f"{name} should return a widget (for example a widgets.VBox), not {value!r:.60}."


# ---- 04.1 ------------------------------------------------------------------------------
REVEALER_STEPS = [
    "First, spell the word out.",
    "Second, mark each letter r.",
    "Third, count the <r> marks & stop.",
]


@checker("04.1")
def check_04_1(make_revealer: Any) -> str | None:
    """make_revealer(steps) returning a widget with 'Next step' and 'Previous' buttons and an HTML
    widget that shows exactly the revealed steps, escaped, never going past the ends

    Hint: Keep the number of shown steps in an IntProgress (its value is the state). Next adds 1
    up to progress.max, Previous takes 1 away down to 0, and one observe function redraws the
    HTML from that value, with html.escape on every step.
    """
    revealer = make_revealer(list(REVEALER_STEPS))
    problem = _not_a_widget(revealer, "make_revealer")
    if problem:
        return problem
    next_button = find_button(revealer, "next")
    previous_button = find_button(revealer, "prev")
    if next_button is None or previous_button is None:
        return "I need two buttons labelled 'Next step' and 'Previous' inside your widget."

    def shown() -> list[bool]:
        text = shown_text(revealer)
        return [step in text for step in REVEALER_STEPS]

    clicks = [
        (None, 0),
        (next_button, 1),
        (next_button, 2),
        (previous_button, 1),
        (previous_button, 0),
        (previous_button, 0),
        (next_button, 1),
        (next_button, 2),
        (next_button, 3),
        (next_button, 3),
    ]
    story = "at the start"
    for button, expected in clicks:
        if button is not None:
            button.click()
            story = f"after clicking '{button.description}'"
        visible = shown()
        if visible != [number < expected for number in range(len(REVEALER_STEPS))]:
            if expected == 3 and visible[:2] == [True, True] and not visible[2]:
                return (
                    "Step 3 contains '<r>' and '&': it did not show exactly as written. "
                    "Escape each step with html.escape."
                )
            return (
                f"{story.capitalize()} I expected the first {expected} step(s) in your HTML, "
                f"but found {sum(visible)} (hidden or not, what is in a value is in the browser)."
            )
    return None


# ---- 04.2 ------------------------------------------------------------------------------
ESCAPE_CASES = [
    "Spell it out: s, t, r, a, w, b, e, r, r, y.",
    '<img src=x onerror="alert(1)"> is a tag that runs code.',
    "If a<b and c>d, then the middle must not vanish.",
    "Tom & Jerry said \"hi\" and 'bye'.",
    "HTML writes &lt; for <, and &amp; for &.",
    "<script>alert(2)</script>",
    "Line one of the step.\nLine two, after a line break.\n\n    Line three, indented.",
    "```python\nprint('a < b')\n```",
]


@checker("04.2")
def check_04_2(render_step: Any) -> str | None:
    r"""render_step(text) returning HTML that shows the text exactly as written (markup as text,
    nothing obeyed) and keeps its line breaks

    Hint: html.escape(text) makes the markup harmless. For the line breaks, either replace each
    '\n' in the escaped text with '<br>', or wrap it in <div style="white-space: pre-wrap">.
    """
    for text in ESCAPE_CASES:
        markup = render_step(text)
        if not isinstance(markup, str):
            return f"render_step should return a string of HTML, not {type(markup).__name__}."
        screen, tags = read_html(markup)
        for tag, attrs in tags:
            if tag in _DANGEROUS_TAGS:
                return f"For {text!r} the browser would create a <{tag}> element. Escape the text."
            for name, value in attrs:
                if name.startswith("on") or "javascript:" in (value or "").lower():
                    return f"For {text!r} the browser would obey a {name}= attribute."
        expected = screen_lines(text)
        got = screen_lines(screen)
        if " ".join(got) != " ".join(expected):
            return f"For {text!r} a browser would show {' '.join(got)!r}: the text changed."
        if got != expected:
            return (
                f"For {text!r} the line breaks are lost: a browser would show {got!r}. "
                "HTML folds '\\n' into a space."
            )
    return None


# ---- 04.3 ------------------------------------------------------------------------------
CARD_STEP = "Line them up as 9.90 and 9.11: 90 > 11 hundredths, so 9.9 is bigger."
CARD_GUESS = "I think <i>9.11</i> wins & is bigger."


@checker("04.3")
def check_04_3(make_guess_card: Any) -> str | None:
    """make_guess_card(step) returning a widget with a Textarea, a 'Reveal' button and an HTML
    widget; the step is in no widget value before Reveal, and after it the HTML shows the guess
    and the step, both escaped

    Hint: Leave the HTML empty at first: keep the step in a Python variable, not in a widget. In
    the Reveal button's on_click function, build the HTML from html.escape(guess_box.value) and
    html.escape(step).
    """
    card = make_guess_card(CARD_STEP)
    problem = _not_a_widget(card, "make_guess_card")
    if problem:
        return problem
    boxes = [w for w in all_widgets(card) if isinstance(w, (widgets.Textarea, widgets.Text))]
    reveal = find_button(card, "reveal")
    if not boxes or reveal is None:
        return "I need a Textarea for the guess and a button labelled 'Reveal' in your widget."
    if any("9.90 and 9.11" in value for value in synced_strings(card)):
        return (
            "The step is already in a widget value before Reveal is clicked, so the browser "
            "has it (hiding it does not count). Only put it in the HTML when Reveal is clicked."
        )
    boxes[0].value = CARD_GUESS
    reveal.click()
    text = shown_text(card)
    if CARD_STEP not in text:
        return "After Reveal, the step should be shown in an HTML widget, exactly as written."
    if CARD_GUESS not in text:
        if "9.11 wins" in text:
            return "The guess contains '<i>' and '&': escape it with html.escape before showing it."
        return "After Reveal, the learner's guess should be shown too."
    if text.index(CARD_GUESS) > text.index(CARD_STEP):
        return "Show the guess first, then the step."
    return None
