"""Notebook 04: showing the steps.

- `step_viewer`: `StepViewer`, the widget that reveals steps one at a time (read first),
  or live as they arrive;
- `live_steps`: `LiveSteps`, which reads steps out of a stream while it arrives;
- `step_html`: the escaped HTML a viewer and a `Reasoning` show (hidden and bidi
  characters made visible, agent steps as Thought / Action / Observation cards).
"""
