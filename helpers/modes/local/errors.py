"""The errors local mode raises, each with a message that says what to do next."""

from __future__ import annotations

import httpx2

from helpers.modes.settings import ConfigurationError


class LocalModelError(ConfigurationError):
    """The local model cannot be used: not installed, not downloaded, or not a usable file."""


class DownloadError(LocalModelError):
    """Downloading the local model failed; the message is one line with the reason."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message  # why, without what to try next


class LocalTimeoutError(httpx2.ReadTimeout):
    """The local model did not finish within `HOMEMADE_O1_TIMEOUT` seconds.

    A subclass of the HTTP read timeout, so the OpenAI SDK reports it as
    `openai.APITimeoutError`, exactly as it would for a slow server.
    """


class StreamTakenOverError(RuntimeError):
    """A stream was left half-read and a newer call of the same thread took the model."""


class RequestError(ValueError):
    """A request the local model refuses, answered with HTTP 400 like a real server would."""

    def __init__(
        self,
        message: str,
        param: str | None = None,
        code: str | None = None,
        status: int = 400,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code
        self.status = status
