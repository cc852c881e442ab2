"""Machinery: checking a setup. A learner can skip this folder.

- `checkup`: the health check of notebook 00 and `make check` (Python, packages,
  widgets, mode, one round trip);
- `probe`: `probe_server()` of notebook 02, which asks a server six small questions
  to see which options it honours, refuses or quietly ignores.
"""
