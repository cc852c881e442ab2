"""The token loop: ask llama.cpp for one token at a time, and stop at the right moment.

Between two tokens this loop checks everything that can end a generation: the
model's end-of-turn token (`stop`), the token limit or a full context window
(`length`), the call's deadline (a timeout error), a reader that went away or a
kernel interrupt (cancelled), and a newer call that took the model over. So a
generation never runs on unseen, and stops within a token of being asked to.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from helpers.modes.local.errors import LocalTimeoutError, StreamTakenOverError
from helpers.modes.local.runtime import GenerationCancelled, LoadedModel, Turn

# llama.cpp's own defaults (those of `llama-server`), used when a request does not say.
DEFAULT_TEMPERATURE = 0.8
DEFAULT_TOP_P = 0.95
DEFAULT_TOP_K = 40
DEFAULT_MIN_P = 0.05


@dataclass(frozen=True)
class Sampling:
    """How to pick each token."""

    temperature: float = DEFAULT_TEMPERATURE
    top_p: float = DEFAULT_TOP_P
    top_k: int = DEFAULT_TOP_K
    min_p: float = DEFAULT_MIN_P
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    seed: int = 0
    logit_bias: tuple[tuple[int, float], ...] = ()  # (token id, bias) pairs


@dataclass
class Limits:
    """What can end a generation from outside: a deadline and a cancel flag."""

    timeout: float  # seconds, as configured (for the message)
    deadline: float = 0.0  # time.monotonic() value; set when the generation gets the model
    cancel: threading.Event = field(default_factory=threading.Event)

    def start_clock(self) -> None:
        """Start counting `timeout` from now."""
        self.deadline = time.monotonic() + self.timeout

    def check(self, turn: Turn) -> None:
        """Raise if the generation must stop now."""
        if self.cancel.is_set():
            raise GenerationCancelled
        if turn.revoked:
            raise StreamTakenOverError(
                "This stream was stopped: a newer call took the local model before the stream "
                "was read to the end (the model answers one call at a time). Read or close each "
                "stream before the next call."
            )
        if time.monotonic() > self.deadline:
            raise LocalTimeoutError(
                f"The local model did not finish within {self.timeout:g} s "
                "(HOMEMADE_O1_TIMEOUT): ask for fewer tokens with max_tokens, or raise "
                "HOMEMADE_O1_TIMEOUT."
            )


@dataclass(frozen=True)
class Sampled:
    """One generated token: its id, its bytes, and its log-probability if asked for."""

    token: int
    piece: bytes
    logprob: dict[str, Any] | None = None


class _LogprobRecorder:
    """A llama.cpp logits processor that keeps the log-probabilities of the last step.

    It sees the model's raw scores before any sampling (first in the sampler chain),
    so the log-probabilities are the model's own, as the API reports them.
    """

    def __init__(self) -> None:
        self.values: Any = None

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import numpy as np

        try:
            top = float(np.max(scores))
            self.values = scores - (top + float(np.log(np.sum(np.exp(scores - top)))))
        except Exception:  # an exception here would be swallowed by llama.cpp's callback
            self.values = None
        return scores

    def entry(self, model: LoadedModel, token: int, top_k: int) -> dict[str, Any] | None:
        import numpy as np

        values = self.values
        if values is None or token >= len(values):
            return None

        def item(token_id: int) -> dict[str, Any]:
            data = model.llama.detokenize([token_id])
            return {
                "token": data.decode("utf-8", errors="replace"),
                "logprob": float(values[token_id]),
                "bytes": list(data),
            }

        best = []
        if top_k:
            candidates = np.argpartition(-values, top_k - 1)[:top_k]
            best = [item(int(t)) for t in sorted(candidates, key=lambda t: -values[t])]
        return {**item(token), "top_logprobs": best}


class _Guarded:
    """Runs a logits processor; an interrupt landing inside it becomes a cancel request.

    llama.cpp calls logits processors through a C callback, and Python cannot raise an
    exception out of one: a KeyboardInterrupt that lands there is printed and dropped.
    Caught here, it sets the generation's cancel flag, which the token loop turns into
    KeyboardInterrupt before the next token.
    """

    def __init__(self, processor: Any, cancel: threading.Event) -> None:
        self.processor = processor
        self.cancel = cancel

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        try:
            return self.processor(input_ids, scores)
        except KeyboardInterrupt:
            self.cancel.set()
            return scores


class _LogitBias:
    """A llama.cpp logits processor that adds a fixed bias to some tokens' scores."""

    def __init__(self, bias: tuple[tuple[int, float], ...]) -> None:
        self.ids = [token for token, _ in bias]
        self.values = [value for _, value in bias]

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        scores[self.ids] += self.values
        return scores


def sample(
    model: LoadedModel,
    tokens: list[int],
    sampling: Sampling,
    *,
    grammar: str | None,
    max_new: int,
    limits: Limits,
    turn: Turn,
    top_logprobs: int | None = None,
) -> Generator[Sampled, None, str]:
    """Generate up to `max_new` tokens after `tokens`; return the finish reason.

    Yields each token (end-of-turn tokens excluded). Returns "stop" when the model
    ended its turn and "length" when `max_new` tokens were written. Must be called
    while holding `turn`.
    """
    import llama_cpp

    llama = model.llama
    vocab = llama._model.vocab
    recorder = _LogprobRecorder() if top_logprobs is not None else None
    steps_before_sampling: list[Any] = [recorder] if recorder else []  # the model's own scores
    if sampling.logit_bias:
        steps_before_sampling.append(_LogitBias(sampling.logit_bias))
    guarded = [_Guarded(step, limits.cancel) for step in steps_before_sampling]
    processors = llama_cpp.LogitsProcessorList(guarded) or None
    llama.set_seed(sampling.seed)
    steps = llama.generate(
        tokens,
        temp=sampling.temperature,
        top_p=sampling.top_p,
        top_k=sampling.top_k,
        min_p=sampling.min_p,
        repeat_penalty=1.0,
        presence_penalty=sampling.presence_penalty,
        frequency_penalty=sampling.frequency_penalty,
        grammar=llama_cpp.LlamaGrammar.from_string(grammar, verbose=False) if grammar else None,
        logits_processor=processors,
    )
    written = 0
    try:
        while written < max_new:
            limits.check(turn)
            turn.step_started()
            try:
                token = next(steps)
            finally:
                turn.step_done()
            if llama_cpp.llama_vocab_is_eog(vocab, token):
                return "stop"
            written += 1
            logprob = recorder.entry(model, token, top_logprobs or 0) if recorder else None
            yield Sampled(token, llama.detokenize([token]), logprob)
        return "length"
    finally:
        steps.close()
