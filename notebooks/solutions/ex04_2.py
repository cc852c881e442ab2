import html


def render_step(text):
    # Escape first, so the model's markup shows as text;
    # pre-wrap keeps its line breaks.
    return f'<div style="white-space: pre-wrap">{html.escape(text)}</div>'
