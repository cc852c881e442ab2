"""The one exception the parser raises: `ReasoningParseError`."""

from __future__ import annotations

#: Machine-readable reasons, each with the one-line message a learner sees.
REASONS: dict[str, str] = {
    "empty": "The model's answer is empty.",
    "no_json": "No JSON object was found in the model's answer.",
    "no_steps": "The JSON has no reasoning steps (expected a 'steps' list or keys like 'step1').",
    "no_result": "The JSON has reasoning steps but no final result (expected a 'result' key).",
    "truncated": "The answer was cut off before the JSON was complete (try a larger max_tokens).",
    "refusal": "The model refused to answer.",
    "unreadable": "Found JSON-like text but could not read it, even after repairs.",
}


class ReasoningParseError(ValueError):
    """Raised when a model's text cannot honestly be read as steps plus a result.

    Attributes:
        reason: a short code: "empty", "no_json", "no_steps", "no_result",
            "truncated", "refusal" or "unreadable".
        text: the text that was being parsed.
    """

    def __init__(self, reason: str, detail: str = "", text: str = "") -> None:
        message = REASONS.get(reason, "The model's answer could not be read.")
        if detail:
            message = f"{message[:-1]}: {detail}"
        # The message is always a single line, whatever the model wrote.
        super().__init__(" ".join(message.split()))
        self.reason = reason
        self.text = text
