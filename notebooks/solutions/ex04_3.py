import html

import ipywidgets as widgets


def make_guess_card(step):
    guess_box = widgets.Textarea(placeholder="What comes next?")
    reveal_button = widgets.Button(description="Reveal")
    # empty: the step stays in Python until Reveal is clicked
    shown = widgets.HTML()

    def on_reveal(button):
        shown.value = (
            f"<p><i>Your guess:</i> {html.escape(guess_box.value)}</p>"
            f"<p><i>The model:</i> {html.escape(step)}</p>"
        )

    reveal_button.on_click(on_reveal)
    return widgets.VBox([guess_box, reveal_button, shown])
