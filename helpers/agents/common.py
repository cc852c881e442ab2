"""What both agent loops share: the tools type, the repeat guard and one run's calls.

The text-protocol loop (`helpers.run_react`, in `text.py`) and the native tool-calling loop
(`helpers.run_tool_agent`, in `native.py`) differ in how the model asks for a tool. They
agree on everything around that, which lives here:

* `Tools`: the tools, as a dict by name or a list of functions.
* `RepeatGuard`: the same action with the same input is answered once with a warning, and
  stops the run the second time (a weak model otherwise calls one tool for ever).
* `AgentSession`: the client, model and options of one run, its `AgentRun` and its viewer;
  every call sets a token limit (`AGENT_TURN_TOKENS`), and a failed call tells the viewer
  why before the error is raised.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import openai

from helpers.agents.trace import AgentRun, AgentStep, TraceFeed, action_key
from helpers.modes.client import get_client
from helpers.modes.settings import default_model
from helpers.thinking import call_failed
from helpers.token_limits import AGENT_TURN_TOKENS, with_token_limit
from helpers.tools.registry import default_tools

Tools = Mapping[str, Callable[..., str]] | Iterable[Callable[..., str]]
"""The tools an agent may use: `{"name": function}` or a list of functions."""


@dataclass
class RepeatGuard:
    """Loop detection: has the model asked for this exact action before?

    `check(action, action_input)` says "new" (run it), "warn" (a repeat: answer with a
    warning instead of running it; the first repeat only) or "stop" (a repeat after the
    warning: end the run). Inputs are compared with `action_key` (spacing, case and JSON
    key order ignored).
    """

    seen: set[tuple[str, str]] = field(default_factory=set)
    warned: bool = False

    def check(self, action: str, action_input: str) -> str:
        key = action_key(action, action_input)
        if key not in self.seen:
            self.seen.add(key)
            return "new"
        if self.warned:
            return "stop"
        self.warned = True
        return "warn"


@dataclass
class AgentSession:
    """One agent run's calls: who to ask, with what, and where to show it."""

    client: Any
    model: str
    tools: Tools
    options: dict[str, Any]
    run: AgentRun
    feed: TraceFeed
    started: float = field(default_factory=time.perf_counter)

    @classmethod
    def start(
        cls,
        question: str,
        messages: list[dict[str, Any]],
        *,
        client: openai.OpenAI | None,
        model: str | None,
        tools: Tools | None,
        viewer: Any,
        options: dict[str, Any],
    ) -> AgentSession:
        """Fill in the defaults (client, model, tools, token limit) and start the trace."""
        client = client or get_client()
        model = model or default_model()
        return cls(
            client=client,
            model=model,
            tools=default_tools() if tools is None else tools,
            options=with_token_limit(options, client, model, AGENT_TURN_TOKENS),
            run=AgentRun(question=question, messages=messages),
            feed=TraceFeed(viewer),
        )

    def ask(self, messages: list[dict[str, Any]], **extra: Any) -> Any:
        """One model call; returns its first choice. A failure ends the viewer, then raises."""
        try:
            return self.run.ask(
                self.client, model=self.model, messages=messages, **self.options, **extra
            )
        except openai.OpenAIError as error:
            raise call_failed(self.feed.viewer, error) from None

    def add(self, step: AgentStep) -> None:
        """Record one step and show it."""
        self.run.steps.append(step)
        self.feed.add(step)

    def end(self, stop_code: str, max_steps: int) -> AgentRun:
        """Record why the run ended, show it, and return the run."""
        self.run.end(stop_code, max_steps, self.started, self.model)
        self.feed.finish(self.run)
        return self.run
