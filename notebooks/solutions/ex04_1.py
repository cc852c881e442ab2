import html

import ipywidgets as widgets


def make_revealer(steps):
    progress = widgets.IntProgress(value=0, min=0, max=len(steps))
    shown = widgets.HTML()
    next_button = widgets.Button(description="Next step")
    previous_button = widgets.Button(description="Previous")

    def on_next(button):
        progress.value = min(progress.value + 1, progress.max)

    def on_previous(button):
        progress.value = max(progress.value - 1, 0)

    def redraw(change):
        shown.value = "".join(
            f"<p><b>Step {n}.</b> {html.escape(steps[n - 1])}</p>"
            for n in range(1, change["new"] + 1)
        )

    next_button.on_click(on_next)
    previous_button.on_click(on_previous)
    progress.observe(redraw, names="value")
    buttons = widgets.HBox([previous_button, next_button])
    return widgets.VBox([buttons, progress, shown])
