"""The one exception the parser raises: `ReasoningParseError`."""

from __future__ import annotations

from helpers.modes.error_display import ShortTraceback

#: Machine-readable reasons, each with the one-line message a learner sees.
REASONS: dict[str, str] = {
    "empty": "The model's answer is empty.",
    "no_json": "No JSON object was found in the model's answer.",
    "no_steps": "The JSON has no reasoning steps (expected a 'steps' list or keys like 'step1').",
    "no_result": "The JSON has reasoning steps but no final result (expected a 'result' key).",
    "truncated": (
        "The answer stops before its JSON is complete: it was cut off (by a token limit or a "
        "dropped connection), so ask again, with more room if a limit ended it."
    ),
    "refusal": "The model refused to answer.",
    "unreadable": "Found JSON-like text but could not read it, even after repairs.",
}
#: Messages for cases that share a reason code but deserve their own words.
EMPTY_OBJECT = (
    "The model returned an empty JSON object ({}): no steps and no result. JSON mode makes "
    "some models do this; ask again, or try another response_format."
)
EMPTY_STEP_LIST = "The model gave no steps: its 'steps' list is empty."
#: The start of the message when the caller says why (the detail follows a colon).
WITH_DETAIL: dict[str, str] = {"truncated": "The answer was cut off before its JSON was complete."}


class ReasoningParseError(ShortTraceback, ValueError):
    """Raised when a model's text cannot honestly be read as steps plus a result.

    In a notebook it shows as its one-line message, not a traceback (`%tb` shows it).

    Attributes:
        reason: a short code: "empty", "no_json", "no_steps", "no_result",
            "truncated", "refusal" or "unreadable".
        text: the text that was being parsed.
    """

    def __init__(
        self, reason: str, detail: str = "", text: str = "", *, message: str | None = None
    ) -> None:
        if message is None:
            message = REASONS.get(reason, "The model's answer could not be read.")
            if detail:
                message = f"{WITH_DETAIL.get(reason, message)[:-1]}: {detail}"
        # The message is always a single line, whatever the model wrote.
        super().__init__(" ".join(message.split()))
        self.reason = reason
        self.text = text

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self.reason, str(self), self.text))


def _rebuild(reason: str, message: str, text: str) -> ReasoningParseError:
    return ReasoningParseError(reason, text=text, message=message)


def cut_off_error(text: str, max_tokens: object = None) -> ReasoningParseError:
    """The error for a reply the server says was cut off (`finish_reason == "length"`).

    With `max_tokens` set, the reply used them all. Without it, the reply ran out of
    room somewhere else: the context window the prompt and reply share, or a limit
    the server sets itself; saying "max_tokens" then would send the learner looking
    in the wrong place.
    """
    if max_tokens:
        detail = (
            f"the reply stopped at max_tokens ({max_tokens} tokens); allow more tokens or ask "
            "for fewer steps"
        )
    else:
        detail = (
            "the reply ran out of room (no max_tokens was set, so the model's context window "
            "or the server's own limit ended it); use a shorter prompt, ask for fewer steps, or "
            "give the server a larger context"
        )
    return ReasoningParseError("truncated", detail, text)
