"""Notebook 05: beyond one call per answer.

- `loop`: `step_loop`, one call per reasoning step (and why its cost grows quadratically);
- `voting`: `self_consistency`, several answers and a majority vote;
- `self_check`: `self_check`, a second call that reviews the first;
- `token_plot`: the plot of input tokens per call.
"""
