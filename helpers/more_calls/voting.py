"""Self-consistency: ask the same question several times and let the answers vote.

One sampled answer can slip; several independent samples rarely slip the same
way. So sample a few answers at a temperature above zero, read each `result`,
put them in one canonical form ("9 packs", "nine" and "**9**" are the same
answer) and take the most common one::

    vote = helpers.self_consistency("How many packs of 12 pencils make 100 pencils?")
    vote.answer, vote.describe()     # ('9', '4 of 5 samples agree on 9')

Samples come from a single request with `n=samples` when the server supports it
(the prompt is then sent, and paid for, once). A server that refuses `n` (a 400:
llama.cpp allows at most one answer per slot) or ignores it (returns fewer answers)
gets separate calls instead; `vote.fell_back` says so and `vote.how` says why.
Samples that cannot be read are skipped and counted, never guessed, and so is a
result that is not an answer (see `normalize_result`). Each sample may write
`THINK_TOKENS` tokens unless you pass `max_tokens=`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import openai

from helpers.errors import add_advice, server_message
from helpers.evaluation.problems.numbers import clean_text, normalize_number
from helpers.modes.client import get_client
from helpers.modes.settings import default_model
from helpers.parsing.errors import ReasoningParseError
from helpers.parsing.parse import parse_reasoning
from helpers.prompts import JSON_MODE, STEPS_SYSTEM_PROMPT, as_sdk_messages, step_messages
from helpers.reasoning import Reasoning, Usage
from helpers.token_limits import THINK_TOKENS, sent_limit, with_token_limit

# Digits joined by ":" or "/" are times, ratios or dates ("12:15", "1/2"), not one number.
_NOT_ONE_NUMBER = re.compile(r"\d\s*[:/]\s*\d|\d{4}-\d{2}-\d{2}")
# Punctuation is dropped, except a . : / - between two digits ("2.5", "12:15", "1/2").
_PUNCTUATION = re.compile(r"(?![.:/\-](?<=\d.)(?=\d))[^\w\s]")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+")

MAX_ANSWER_CHARS = 100
"""The longest `result` that counts as an answer. The step prompt asks for the final answer
"as briefly as possible"; a longer result is a model that did not answer (a weak model's
ramble, an explanation instead of an answer), and a number picked out of it would be a
guess. Such a result does not vote."""


def not_an_answer(result: object) -> str | None:
    """Why `result` does not count as an answer, or None when it does.

    An answer is a result of 1 to `MAX_ANSWER_CHARS` characters (spaces collapsed)
    with at least one letter or digit in it.
    """
    text = " ".join(("" if result is None else str(result)).split())
    if not any(character.isalnum() for character in text):
        return "the result is empty"
    if len(text) > MAX_ANSWER_CHARS:
        return (
            f"the result is {len(text)} characters long, not a short answer "
            f"(at most {MAX_ANSWER_CHARS} count)"
        )
    return None


def normalize_result(result: object) -> str:
    """The canonical form of a `result`, so equal answers compare equal.

    A result that states one number becomes that number in plain digits
    ("9 packs", "nine", "$9.00" and "**9**" all give "9"; the number is picked by
    `helpers.evaluation.problems.numbers.normalize_number`). Anything else is folded: lower
    case, markdown and punctuation removed (except inside numbers such as "12:15"),
    spaces collapsed and a leading "the", "a" or "an" dropped ("The Eiffel Tower."
    gives "eiffel tower"). A result that is not an answer (`not_an_answer`: empty,
    or longer than `MAX_ANSWER_CHARS` characters) gives "", so it never votes.
    """
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        result = str(result)
    if not_an_answer(result):
        return ""
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
        fell_back: True when `n` was asked for but some or all samples came from
            separate calls (the server refused or ignored `n`; `how` says which).
        usage_note: set when the server's token counts are known to be short (it
            counted the output of one answer of an `n` call, as llama.cpp does).
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
    fell_back: bool = False
    usage_note: str | None = None

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
        """Token counts of all calls together, as the server reported them (see
        `usage_note` for a server that counts one answer of an `n` call only)."""
        return Usage.total(self.calls)

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
        if self.usage_note:
            lines.append(f"note: {self.usage_note}")
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
    """Read one sampled reply; a reply that is cut off, refused or unreadable is marked so.

    `finish_reason` "server_error" marks a sample whose call the server failed (5xx),
    with the server's message as `text` (see `sample_replies`).
    """
    text = text or ""
    if finish_reason == SERVER_ERROR:
        return Sample("", problem=f"the server failed on this sample: {text}")
    if refusal:
        return Sample(text, problem=f"the model refused: {' '.join(refusal.split())}")
    if finish_reason == "length":
        return Sample(text, problem="cut off by max_tokens")
    try:
        reasoning = parse_reasoning(text)
    except ReasoningParseError as error:
        return Sample(text, problem=str(error))
    problem = not_an_answer(reasoning.result)
    key = "" if problem else normalize(reasoning.result)
    if not key:
        return Sample(text, problem=problem or "the result is empty")
    return Sample(text, reasoning=reasoning, key=key)


Reply = tuple[str | None, str | None, str | None]
"""One sampled reply: (text, finish_reason, refusal)."""

SERVER_ERROR = "server_error"
"""The finish reason `sample_replies` gives a sample whose call failed with a 5xx."""


@dataclass
class Sampled:
    """What `sample_replies` gathered, and how.

    Attributes:
        replies: (text, finish_reason, refusal) of each sample, in order.
        calls: the usage of each call made.
        how: how the samples were gathered, in words.
        served_by: the model that answered, as the server reported it.
        fell_back: True when `n` was asked for but separate calls had to make up samples.
        usage_note: set when a server's token count of an `n` call is known to be short.
    """

    replies: list[Reply] = field(default_factory=list)
    calls: list[Usage] = field(default_factory=list)
    how: str = ""
    served_by: str | None = None
    fell_back: bool = False
    usage_note: str | None = None


def short_usage_note(
    usage: Usage | None, replies: Sequence[Reply], limit: int | None
) -> str | None:
    """A note when an `n` call's usage cannot cover all its answers, else None.

    Each answer cut off at the limit wrote exactly `limit` tokens, and any other answer
    with text wrote at least one; a server reporting fewer output tokens than that
    counted only some of the answers (llama.cpp counts one).
    """
    if usage is None or len(replies) < 2:
        return None
    at_least = sum(
        limit if reason == "length" and limit else 1 if text else 0 for text, reason, _ in replies
    )
    if usage.completion_tokens >= at_least:
        return None
    return (
        f"the server reported {usage.completion_tokens} output tokens for {len(replies)} "
        f"answers that wrote at least {at_least}: it counted one answer, not all, so usage "
        "here is too low"
    )


def sample_replies(
    messages: Sequence[dict[str, Any]],
    *,
    client: openai.OpenAI,
    model: str,
    samples: int,
    use_n: bool = True,
    **options: Any,
) -> Sampled:
    """Ask the same messages for `samples` answers.

    With `use_n`, one request asks for all of them; if the server refuses `n` (a 400,
    e.g. llama.cpp when `n` is above its slot count), fails on it (a 5xx) or returns
    fewer answers than asked, the rest come from separate calls and `fell_back` is set.

    A separate call that the server fails (a 5xx, e.g. llama.cpp when the model's text
    breaks its output parser) costs that one sample, marked with the server's message
    (finish reason `SERVER_ERROR`); the vote goes on. Only when every sample fails is
    the error raised.
    """
    gathered = Sampled()
    last_failure: openai.APIStatusError | None = None

    def ask(**extra: Any) -> list[Reply]:
        nonlocal last_failure
        try:
            response = client.chat.completions.create(
                model=model, messages=as_sdk_messages(messages), **options, **extra
            )
        except openai.APIStatusError as error:
            if error.status_code < 500 or extra.get("n"):
                raise add_advice(error) from None
            last_failure = error
            failed: Reply = (f"({error.status_code}) {server_message(error)}", SERVER_ERROR, None)
            gathered.replies.append(failed)
            return [failed]
        except openai.OpenAIError as error:
            raise add_advice(error) from None
        gathered.served_by = response.model or gathered.served_by
        usage = Usage.from_api(response.usage) if response.usage is not None else None
        if usage is not None:
            gathered.calls.append(usage)
        replies: list[Reply] = [
            (choice.message.content, choice.finish_reason, choice.message.refusal)
            for choice in response.choices
        ]
        gathered.replies += replies
        if extra.get("n"):
            gathered.usage_note = short_usage_note(usage, replies, sent_limit(options))
        return replies

    gathered.how = f"{samples} separate calls"
    if use_n and samples > 1:
        try:
            ask(n=samples)
        except openai.BadRequestError as refused:
            gathered.fell_back = True
            said = server_message(refused, limit=100)
            gathered.how = f"{samples} separate calls (the server refused n={samples}: {said})"
        except openai.InternalServerError as failed:
            gathered.fell_back = True
            said = server_message(failed, limit=100)
            gathered.how = (
                f"{samples} separate calls (the server failed on n={samples} "
                f"({failed.status_code}): {said})"
            )
        else:
            got = len(gathered.replies)
            if got >= samples:
                gathered.how = f"one call with n={samples}"
            else:
                gathered.fell_back = True
                gathered.how = (
                    f"one call with n={samples} that returned {got}, "
                    f"then {samples - got} separate calls"
                )
    while len(gathered.replies) < samples:
        if not ask():
            raise RuntimeError("the server returned a reply with no choices; try again later")
    gathered.replies = gathered.replies[:samples]
    if last_failure is not None and all(r[1] == SERVER_ERROR for r in gathered.replies):
        raise add_advice(last_failure)
    return gathered


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
        **options: passed to every `chat.completions.create` call. Each sample may write
            `THINK_TOKENS` tokens; `max_tokens=` changes that (None: no limit).

    Returns:
        A `Vote`; `vote.describe()` says how many samples agree, `vote.fell_back`
        whether `n` had to be made up with separate calls.
    """
    if samples < 1:
        raise ValueError(f"samples must be 1 or more, not {samples}")
    client = client or get_client()
    model = model or default_model()
    options = with_token_limit(options, client, model, THINK_TOKENS)
    if response_format is not None:
        options["response_format"] = response_format
    gathered = sample_replies(
        step_messages(question, system_prompt),
        client=client,
        model=model,
        samples=samples,
        use_n=use_n,
        temperature=temperature,
        **options,
    )
    read = [
        read_sample(text, reason, refusal, normalize) for text, reason, refusal in gathered.replies
    ]
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
        how=gathered.how,
        calls=gathered.calls,
        model=gathered.served_by or model,
        fell_back=gathered.fell_back,
        usage_note=gathered.usage_note,
    )
