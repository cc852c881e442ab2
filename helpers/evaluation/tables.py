"""Small tables of text, shown as plain text or as escaped HTML in a notebook."""

from __future__ import annotations

import html
from collections.abc import Sequence

TABLE_STYLE = "border-collapse: collapse; font-variant-numeric: tabular-nums;"
RIGHT_ALIGNED = "padding: 2px 10px; text-align: right;"
LEFT_ALIGNED = "padding: 2px 10px; text-align: left; vertical-align: top;"


def text_table(rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to line up; the first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)


def html_table(rows: Sequence[Sequence[str]], cell_style: str = RIGHT_ALIGNED) -> str:
    """An HTML table, every cell escaped; the first row is the header."""
    head, *body = rows
    header = "".join(f'<th style="{cell_style}">{html.escape(c)}</th>' for c in head)
    lines = "".join(
        "<tr>" + "".join(f'<td style="{cell_style}">{html.escape(c)}</td>' for c in row) + "</tr>"
        for row in body
    )
    return f'<table style="{TABLE_STYLE}"><tr>{header}</tr>{lines}</table>'
