"""`python -m helpers.evaluation ...`: see `helpers/evaluation/cli.py`."""

import sys

from helpers.evaluation.cli import main

sys.exit(main())
