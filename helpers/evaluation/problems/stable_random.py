"""Random choices that come out the same on every machine and every Python version.

Python promises only one thing about `random` across versions: a `random.Random`
seeded with the same integer gives the same sequence from `.random()`. Methods
such as `randint`, `choice` and `shuffle` are built on other internals that have
changed before. So `StableRandom` builds every choice from `.random()` alone, and
turns a text key (for example ``"letters|0|7"``) into the integer seed with
SHA-256 instead of `hash()`, which differs between runs.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def seed_from_key(key: str) -> int:
    """A 64-bit integer seed computed from a text key, identical everywhere."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


class StableRandom:
    """A small set of random choices that only uses `random.Random.random()`."""

    def __init__(self, key: str) -> None:
        self._rng = random.Random(seed_from_key(key))

    def fraction(self) -> float:
        """A float in [0, 1)."""
        return self._rng.random()

    def integer(self, low: int, high: int) -> int:
        """An integer from `low` to `high`, both included."""
        if high < low:
            raise ValueError(f"empty range {low}..{high}")
        return low + min(int(self.fraction() * (high - low + 1)), high - low)

    def chance(self, probability: float) -> bool:
        """True with the given probability."""
        return self.fraction() < probability

    def pick(self, options: Sequence[T]) -> T:
        """One item of a non-empty sequence."""
        if not options:
            raise ValueError("cannot pick from an empty sequence")
        return options[self.integer(0, len(options) - 1)]

    def shuffled(self, items: Sequence[T]) -> list[T]:
        """A new list with the items in random order (Fisher-Yates)."""
        result = list(items)
        for i in range(len(result) - 1, 0, -1):
            j = self.integer(0, i)
            result[i], result[j] = result[j], result[i]
        return result

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        """`k` items from different positions of `items`, in random order."""
        if not 0 <= k <= len(items):
            raise ValueError(f"cannot take {k} items from {len(items)}")
        return self.shuffled(items)[:k]
