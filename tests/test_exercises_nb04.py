"""Notebook 04's checkers catch the mistakes they are meant to catch, and explain them."""

from __future__ import annotations

import html

import ipywidgets as widgets

from helpers.exercises import check_04_1, check_04_2, check_04_3
from helpers.exercises.nb04 import read_html, synced_strings


def revealer(steps, *, escape=True, previous=True, hide_with_css=False, floor=0):
    """A make_revealer answer with switchable mistakes."""
    progress = widgets.IntProgress(value=0, min=-5, max=len(steps))
    shown = widgets.HTML()
    next_button = widgets.Button(description="Next step")
    buttons = [next_button]
    render = html.escape if escape else str

    def redraw(change):
        count = len(steps) if hide_with_css else max(change["new"], 0)
        style = ' style="display: none"' if hide_with_css else ""
        shown.value = "".join(f"<p{style}>{render(step)}</p>" for step in steps[:count])

    next_button.on_click(lambda _: setattr(progress, "value", min(progress.value + 1, 3)))
    if previous:
        back = widgets.Button(description="Previous")
        back.on_click(lambda _: setattr(progress, "value", max(progress.value - 1, floor)))
        buttons.append(back)
    progress.observe(redraw, names="value")
    if hide_with_css:
        redraw({"new": 0})
    return widgets.VBox([*buttons, progress, shown])


def test_04_1_accepts_a_correct_revealer_and_names_each_mistake() -> None:
    assert check_04_1(revealer)
    assert "Previous" in check_04_1(lambda s: revealer(s, previous=False)).problem
    assert "html.escape" in check_04_1(lambda s: revealer(s, escape=False)).problem
    assert "hidden or not" in check_04_1(lambda s: revealer(s, hide_with_css=True)).problem
    # Previous must stop at zero: one going below it leaves Next a click behind
    assert not check_04_1(lambda s: revealer(s, floor=-5))
    assert "should return a widget" in check_04_1(lambda s: "<p>not a widget</p>").problem


def test_04_2_reads_html_the_way_a_browser_does() -> None:
    assert read_html("a<br>b")[0] == "a\nb"
    assert read_html("<p>a\n  b</p>")[0].strip() == "a b"
    assert read_html('<div style="white-space: pre-wrap">a\nb</div>')[0].strip() == "a\nb"
    assert read_html("&lt;img&gt; &amp;")[0] == "<img> &"
    assert [tag for tag, _ in read_html('x<img src=x onerror="y">')[1]] == ["img"]


def test_04_2_accepts_each_safe_way_and_refuses_unsafe_ones() -> None:
    assert check_04_2(lambda text: html.escape(text).replace("\n", "<br>"))
    assert check_04_2(lambda text: f"<pre>{html.escape(text)}</pre>")

    def paragraphs(text):
        return "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n"))

    assert check_04_2(paragraphs)
    assert "line breaks" in check_04_2(html.escape).problem
    assert "<img>" in check_04_2(lambda text: text.replace("\n", "<br>")).problem
    # forgetting '&' turns "&lt;" into "<" on screen: the text changed
    half = check_04_2(lambda text: text.replace("<", "&lt;").replace("\n", "<br>"))
    assert "the text changed" in half.problem


def guess_card(step, *, send_early=False, escape_guess=True):
    box = widgets.Textarea()
    reveal = widgets.Button(description="Reveal")
    shown = widgets.HTML(html.escape(step) if send_early else "")
    if send_early:
        shown.layout.display = "none"
    guess_text = html.escape if escape_guess else str

    def on_reveal(_):
        shown.layout.display = ""
        shown.value = f"<p>{guess_text(box.value)}</p><p>{html.escape(step)}</p>"

    reveal.on_click(on_reveal)
    return widgets.VBox([box, reveal, shown])


def test_04_3_refuses_a_step_sent_early_or_a_raw_guess() -> None:
    assert check_04_3(guess_card)
    assert "before Reveal" in check_04_3(lambda s: guess_card(s, send_early=True)).problem
    assert "escape it" in check_04_3(lambda s: guess_card(s, escape_guess=False)).problem
    assert "Textarea" in check_04_3(lambda s: widgets.VBox([widgets.HTML(s)])).problem


def test_synced_strings_sees_values_inside_nested_widgets_and_layouts() -> None:
    inner = widgets.HTML("deep secret")
    outer = widgets.VBox([widgets.HBox([inner])])
    assert "deep secret" in synced_strings(outer)
    inner.layout.display = "none"
    assert "none" in synced_strings(outer)
