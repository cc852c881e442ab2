"""The shape of a parsed answer: steps, a result, and what we know about the call.

`Reasoning` is what `parse_reasoning` and `think` return and what `StepViewer`
shows. Every string in it came from a model, so it is untrusted: the HTML form
escapes all of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from helpers.widgets.step_html import reasoning_to_html, warning_lines


@dataclass
class Usage:
    """Token counts of one or more calls, read from the API's `usage` block."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0
    calls: int = 1

    @classmethod
    def from_api(cls, usage: Any) -> Usage | None:
        """Build from an SDK `CompletionUsage` object or a plain dict; None stays None."""
        if usage is None:
            return None
        if not isinstance(usage, dict):
            usage = usage.model_dump() if hasattr(usage, "model_dump") else dict(vars(usage))
        details = usage.get("completion_tokens_details") or {}
        prompt = int(usage.get("prompt_tokens") or 0)
        completion = int(usage.get("completion_tokens") or 0)
        return cls(
            prompt_tokens=prompt,
            completion_tokens=completion,
            reasoning_tokens=int(details.get("reasoning_tokens") or 0),
            total_tokens=int(usage.get("total_tokens") or prompt + completion),
        )

    def __add__(self, other: Usage | None) -> Usage:
        if other is None:
            return self
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            calls=self.calls + other.calls,
        )

    def __radd__(self, other: Any) -> Usage:
        # lets sum([...]) start from 0
        return self if other in (0, None) else NotImplemented

    @classmethod
    def total(cls, usages: Iterable[Usage | None]) -> Usage | None:
        """All the usages added up (missing ones skipped); None when none was reported."""
        found = [usage for usage in usages if usage is not None]
        if not found:
            return None
        result = found[0]
        for usage in found[1:]:
            result = result + usage
        return result

    def describe(self) -> str:
        """One line such as '412 prompt + 188 completion = 600 tokens'."""
        text = (
            f"{self.prompt_tokens} prompt + {self.completion_tokens} completion"
            f" = {self.total_tokens} tokens"
        )
        if self.reasoning_tokens:
            text += f" ({self.reasoning_tokens} of them hidden reasoning)"
        if self.calls > 1:
            text += f" over {self.calls} calls"
        return text


@dataclass
class Reasoning:
    """A model's answer read as numbered steps plus a final result.

    Attributes:
        steps: the reasoning steps, in order.
        result: the final answer ("" only while an answer is still arriving).
        titles: one entry per step, the step's title when the model gave one, else None.
        raw: the text exactly as the model wrote it.
        repairs: what had to be fixed to read it (empty when the JSON was clean).
        question: the question asked, when known.
        usage: token counts when the answer came from an API call.
        elapsed: seconds the call took, when known.
        model: the model that answered, as the server reported it.
        finish_reason: why the model stopped ("stop", "length", ...), when known.
        complete: False while streaming, or when the answer was cut off.
        warnings: short sentences for the learner (cut off, repaired, ...).
        calls: the usage of each call, when the answer took several (a per-step loop).
    """

    steps: list[str]
    result: str
    titles: list[str | None] = field(default_factory=list)
    raw: str = ""
    repairs: list[str] = field(default_factory=list)
    question: str | None = None
    usage: Usage | None = None
    elapsed: float | None = None
    model: str | None = None
    finish_reason: str | None = None
    complete: bool = True
    warnings: list[str] = field(default_factory=list)
    calls: list[Usage] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.steps = [str(step) for step in self.steps]
        self.result = "" if self.result is None else str(self.result)
        titles = list(self.titles)[: len(self.steps)]
        self.titles = titles + [None] * (len(self.steps) - len(titles))

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        # Short and stable (no timings), since notebooks display it.
        state = "" if self.complete else ", incomplete"
        return f"Reasoning({len(self.steps)} steps, result={self.result!r}{state})"

    # ---- plain text -------------------------------------------------------------
    def to_text(self) -> str:
        """The answer as plain text: numbered steps, then the result."""
        lines = []
        if self.question:
            lines.append(f"Question: {self.question}")
        for number, (title, step) in enumerate(zip(self.titles, self.steps), start=1):
            heading = f"Step {number}" + (f" ({title})" if title else "")
            lines.append(f"{heading}: {step}")
        lines.append(f"Result: {self.result}" if self.complete else "Result: (not given)")
        lines.extend(f"Warning: {warning}" for warning in warning_lines(self))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    # ---- safe HTML ----------------------------------------------------------------
    def to_html(self) -> str:
        """A static view: one collapsible <details> per step, then the answer in its own.

        Every model string is HTML-escaped, so a step that contains markup shows the
        markup as text and runs nothing. Needs no JavaScript (reads well on GitHub).
        """
        return reasoning_to_html(self)

    def _repr_html_(self) -> str:
        return self.to_html()
