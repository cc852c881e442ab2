"""Self-consistency: ask the same question several times and let the answers vote.

One sampled answer can slip; several independent samples rarely slip the same
way. So sample a few answers at a temperature above zero, read each `result`,
put them in one canonical form ("9 packs", "nine" and "**9**" are the same
answer) and take the most common one::

    vote = helpers.self_consistency("How many packs of 12 pencils make 100 pencils?")
    vote.answer, vote.describe()     # ('9', '4 of 5 samples agree on 9')

Samples come from a single request with `n=samples` when the server supports it
(the prompt is then sent, and paid for, once). A server that rejects `n` (a 400)
or ignores it (llama.cpp returns one answer) gets separate calls instead, and
`vote.how` says which path was taken. Samples that cannot be read are skipped
and counted, never guessed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import openai

from helpers.errors import add_advice
from helpers.evaluation.problems.numbers import clean_text, normalize_number
from helpers.modes.client import get_client
from helpers.modes.settings import default_model
from helpers.parsing.errors import ReasoningParseError
from helpers.parsing.parse import parse_reasoning
from helpers.prompts import JSON_MODE, STEPS_SYSTEM_PROMPT, step_messages
from helpers.reasoning import Reasoning, Usage

# Digits joined by ":" or "/" are times, ratios or dates ("12:15", "1/2"), not one number.
_NOT_ONE_NUMBER = re.compile(r"\d\s*[:/]\s*\d|\d{4}-\d{2}-\d{2}")
# Punctuation is dropped, except a . : / - between two digits ("2.5", "12:15", "1/2").
_PUNCTUATION = re.compile(r"(?![.:/\-](?<=\d.)(?=\d))[^\w\s]")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+")


def normalize_result(result: object) -> str:
    """The canonical form of a `result`, so equal answers compare equal.

    A result that states one number becomes that number in plain digits
    ("9 packs", "nine", "$9.00" and "**9**" all give "9"; the number is picked by
    `helpers.evaluation.problems.numbers.normalize_number`). Anything else is folded: lower
    case, markdown and punctuation removed (except inside numbers such as "12:15"),
    spaces collapsed and a leading "the", "a" or "an" dropped ("The Eiffel Tower."
    gives "eiffel tower"). An empty or missing result gives "".
    """
    text = clean_text(result, join_thousands=False)
    if not _NOT_ONE_NUMBER.search(text):
        number = normalize_number(result)
        if number is not None:
            return str(int(number)) if number.is_integer() else f"{number:.10g}"
    folded = " ".join(_PUNCTUATION.sub(" ", text).split())
    return _LEADING_ARTICLE.sub("", folded)


def majority_vote(
    results: Iterable[object], normalize: Callable[[object], str] = normalize_result
) -> tuple[str | None, int]:
    """The most common answer among `results` and how many gave it.

    Results are compared in their normalised form; the answer is returned as the
    first sample wrote it. Empty results do not vote. A tie goes to the answer
    that appeared first. No results gives (None, 0).
    """
    first_written: dict[str, str] = {}
    tally: Counter[str] = Counter()
    for result in results:
        key = normalize(result)
        if not key:
            continue
        first_written.setdefault(key, str(result).strip())
        tally[key] += 1
    if not tally:
        return None, 0
    key, count = tally.most_common(1)[0]  # ties: the first one counted wins
    return first_written[key], count


@dataclass
class Sample:
    """One sampled answer.

    Attributes:
        text: the reply exactly as received.
        reasoning: the parsed steps and result; None when it could not be read.
        key: the normalised result (what the vote compares); None when unreadable.
        problem: why it could not be read; None when it was read.
    """

    text: str
    reasoning: Reasoning | None = None
    key: str | None = None
    problem: str | None = None

    @property
    def result(self) -> str | None:
        """The result as the model wrote it, or None when the sample was unreadable."""
        return None if self.reasoning is None else self.reasoning.result


@dataclass
class Vote:
    """The outcome of self-consistency: the samples, the tally and the winner.

    Attributes:
        question: what was asked.
        answer: the winning result, as its first sample wrote it (None: no readable sample).
        key: the winning result's normalised form.
        count: how many readable samples gave the winning answer.
        samples: every sample, readable or not, in the order they came back.
        asked: how many samples were asked for.
        how: how they were gathered, e.g. "one call with n=5".
        calls: the usage of each call made.
        model: the model that answered, as the server reported it.
    """

    question: str
    answer: str | None
    key: str | None
    count: int
    samples: list[Sample]
    asked: int
    how: str
    calls: list[Usage] = field(default_factory=list)
    model: str | None = None

    @property
    def readable(self) -> int:
        """How many samples could be read."""
        return sum(sample.reasoning is not None for sample in self.samples)

    @property
    def unreadable(self) -> int:
        """How many samples were skipped because they could not be read."""
        return len(self.samples) - self.readable

    @property
    def tally(self) -> Counter[str]:
        """Normalised answer -> number of samples, in the order answers first appeared."""
        return Counter(sample.key for sample in self.samples if sample.key)

    @property
    def agreement(self) -> float:
        """The share of readable samples that agree with the winner (0.0 when none)."""
        return self.count / self.readable if self.readable else 0.0

    @property
    def tied(self) -> bool:
        """True when another answer got as many votes as the winner."""
        counts = sorted(self.tally.values(), reverse=True)
        return len(counts) > 1 and counts[0] == counts[1]

    @property
    def usage(self) -> Usage | None:
        """Token counts of all calls together."""
        return sum(self.calls) if self.calls else None

    def describe(self) -> str:
        """One line, e.g. '4 of 5 samples agree on 9 (1 more could not be read)'."""
        if self.answer is None:
            text = f"none of the {len(self.samples)} samples could be read, so there is no vote"
        else:
            text = f"{self.count} of {self.readable} samples agree on {self.key}"
            if self.tied:
                text += " (a tie, broken by the order the samples came in)"
        if self.answer is not None and self.unreadable:
            text += f" ({self.unreadable} more could not be read)"
        return text

    def to_text(self) -> str:
        """The samples, one per line, then the tally and the verdict."""
        lines = []
        for number, sample in enumerate(self.samples, start=1):
            if sample.reasoning is None:
                lines.append(f"sample {number}: (could not be read: {sample.problem})")
            else:
                lines.append(f"sample {number}: {sample.result!r:14} -> {sample.key}")
        counts = ", ".join(f"{key}: {count}" for key, count in self.tally.most_common())
        lines.append(f"votes: {counts or 'none'}")
        lines.append(self.describe())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"Vote({self.answer!r}, {self.count} of {self.readable}, {self.how!r})"


def read_sample(
    text: str | None,
    finish_reason: str | None = "stop",
    refusal: str | None = None,
    normalize: Callable[[object], str] = normalize_result,
) -> Sample:
    """Read one sampled reply; a reply that is cut off, refused or unreadable is marked so."""
    text = text or ""
    if refusal:
        return Sample(text, problem=f"the model refused: {' '.join(refusal.split())}")
    if finish_reason == "length":
        return Sample(text, problem="cut off by max_tokens")
    try:
        reasoning = parse_reasoning(text)
    except ReasoningParseError as error:
        return Sample(text, problem=str(error))
    key = normalize(reasoning.result)
    if not key:
        return Sample(text, problem="the result is empty")
    return Sample(text, reasoning=reasoning, key=key)


def sample_replies(
    messages: Sequence[dict[str, Any]],
    *,
    client: openai.OpenAI,
    model: str,
    samples: int,
    use_n: bool = True,
    **options: Any,
) -> tuple[list[tuple[str | None, str | None, str | None]], list[Usage], str, str | None]:
    """Ask the same messages for `samples` answers.

    Returns (replies, calls, how, served_by), where each reply is
    (text, finish_reason, refusal). With `use_n`, one request asks for all of them;
    if the server rejects `n` (400) or returns fewer answers than asked, the rest
    come from separate calls.
    """
    replies: list[tuple[str | None, str | None, str | None]] = []
    calls: list[Usage] = []
    served_by: str | None = None

    def ask(**extra: Any) -> None:
        nonlocal served_by
        try:
            response = client.chat.completions.create(
                model=model, messages=list(messages), **options, **extra
            )
        except openai.OpenAIError as error:
            add_advice(error)
            raise
        served_by = response.model or served_by
        if response.usage is not None:
            calls.append(Usage.from_api(response.usage))
        for choice in response.choices:
            message = choice.message
            replies.append((message.content, choice.finish_reason, message.refusal))

    how = f"{samples} separate calls"
    if use_n and samples > 1:
        try:
            ask(n=samples)
        except openai.BadRequestError:
            how = f"{samples} separate calls (the server rejected n={samples})"
        else:
            if len(replies) >= samples:
                return replies[:samples], calls, f"one call with n={samples}", served_by
            how = (
                f"one call with n={samples} that returned {len(replies)}, "
                f"then {samples - len(replies)} separate calls"
            )
    while len(replies) < samples:
        before = len(replies)
        ask()
        if len(replies) == before:
            raise RuntimeError("the server returned a reply with no choices; try again later")
    return replies[:samples], calls, how, served_by


def self_consistency(
    question: str,
    *,
    client: openai.OpenAI | None = None,
    model: str | None = None,
    samples: int = 5,
    use_n: bool = True,
    temperature: float = 0.8,
    system_prompt: str = STEPS_SYSTEM_PROMPT,
    response_format: dict[str, Any] | None = JSON_MODE,
    normalize: Callable[[object], str] = normalize_result,
    **options: Any,
) -> Vote:
    """Sample several step-by-step answers to `question` and vote on their results.

    Args:
        question: what to ask.
        client: an `openai.OpenAI` client (default: `helpers.get_client()`).
        model: the model name (default: `helpers.default_model()`).
        samples: how many answers to sample.
        use_n: ask for all samples in one request with `n` (falls back to separate
            calls when the server rejects or ignores `n`); False: separate calls.
        temperature: sampling temperature; above 0 so the samples can differ.
        system_prompt: the step prompt (default `helpers.STEPS_SYSTEM_PROMPT`).
        response_format: JSON mode by default; None for servers without it.
        normalize: turns a result into the form that is compared
            (default `normalize_result`).
        **options: passed to every `chat.completions.create` call.

    Returns:
        A `Vote`; `vote.describe()` says how many samples agree.
    """
    if samples < 1:
        raise ValueError(f"samples must be 1 or more, not {samples}")
    client = client or get_client()
    model = model or default_model()
    if response_format is not None:
        options["response_format"] = response_format
    replies, calls, how, served_by = sample_replies(
        step_messages(question, system_prompt),
        client=client,
        model=model,
        samples=samples,
        use_n=use_n,
        temperature=temperature,
        **options,
    )
    read = [read_sample(text, reason, refusal, normalize) for text, reason, refusal in replies]
    tally = Counter(sample.key for sample in read if sample.key)
    if tally:
        key, count = tally.most_common(1)[0]
        answer = next(s.result for s in read if s.key == key)
    else:
        key, count, answer = None, 0, None
    return Vote(
        question=question,
        answer=answer,
        key=key,
        count=count,
        samples=read,
        asked=samples,
        how=how,
        calls=calls,
        model=served_by or model,
    )
