"""Notebook 04: showing the steps.

- `step_viewer`: `StepViewer`, the widget that reveals steps one at a time (read first);
- `live_steps`: `LiveSteps`, which reads steps out of a stream while it arrives;
- `step_html`: the escaped HTML a viewer and a `Reasoning` show.
"""
