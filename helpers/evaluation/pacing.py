"""Spacing requests out: at most N requests per minute, for rate-limited servers.

Concurrency caps how many requests are in flight at once; a pacer caps how
many *start* per minute. Providers limit both requests and tokens per minute,
and a shared classroom server is happier with a steady trickle than a burst.
"""

from __future__ import annotations

import asyncio
import time


class RequestPacer:
    """Lets one request start every `60 / per_minute` seconds, in arrival order."""

    def __init__(self, per_minute: float) -> None:
        if not per_minute or per_minute <= 0:
            raise ValueError(f"requests per minute must be more than 0, not {per_minute!r}")
        self.interval = 60.0 / per_minute
        self._next_start = 0.0
        self._lock: asyncio.Lock | None = None

    async def wait(self) -> None:
        """Return when the next request may start."""
        if self._lock is None:
            self._lock = asyncio.Lock()  # made inside the running loop
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)
