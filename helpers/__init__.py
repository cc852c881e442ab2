"""helpers: the small package the Homemade o1 notebooks import.

Each notebook first builds an idea in the open; the tidy version lives here so
later notebooks can reuse it. Import what you need, for example::

    from helpers import get_client, describe_mode
"""

from helpers.reasoning import Reasoning, Usage

__all__ = ["Reasoning", "Usage"]
