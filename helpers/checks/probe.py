"""Which request options does this server honour? Ask it.

    report = helpers.probe_server()     # six tiny requests
    report                              # a table: feature, supported?, what was seen
    helpers.think(question, response_format=report.best_response_format)

OpenAI-compatible servers (OpenAI, Ollama, llama.cpp, vLLM, LM Studio) accept the
same requests but do not all honour the same options, and it changes with the
version and the model. A server can refuse an option (a 400 error), or accept
it and quietly ignore it, which is worse. Each probe sends one small request
and looks at what came back, so both cases show up. The requests set no token
limit, because reasoning models refuse `max_tokens` and need room to think; the
questions are tiny, so the answers are short.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import openai
from pydantic import ValidationError

from helpers.errors import add_advice, explain_error, server_message
from helpers.evaluation.tables import LEFT_ALIGNED, html_table, text_table
from helpers.modes.client import get_client
from helpers.modes.settings import default_model
from helpers.modes.transports import REPLAY_HEADER
from helpers.prompts import JSON_MODE, STEPS_JSON_SCHEMA, StepAnswer, step_messages
from helpers.tools.calculator import calculator
from helpers.tools.registry import tool_schemas

PROBE_QUESTION = "What is 2 + 3?"
ANSWER_ONLY = [{"role": "user", "content": "What is 2 + 3? Reply with the number only."}]
TOOL_REQUEST = [{"role": "user", "content": "Use the calculator tool to work out 12 * 34."}]

# Refusals of an option: the request was understood and declined.
_REFUSED = (openai.BadRequestError, openai.UnprocessableEntityError, openai.NotFoundError)


@dataclass(frozen=True)
class Feature:
    """One probed feature: `supported` is "yes", "no" (refused), "ignored" or "error"."""

    name: str
    supported: str
    seen: str


@dataclass
class ServerReport:
    """What one server did with each probed option."""

    server: str
    model: str
    features: list[Feature]
    replayed: str | None = None  # offline: the origin of the replayed answers

    def supports(self, name: str) -> bool:
        """True if the feature called `name` (e.g. "JSON mode") answered yes."""
        return any(f.name == name and f.supported == "yes" for f in self.features)

    @property
    def best_response_format(self) -> dict[str, Any] | None:
        """The strongest `response_format` this server honours, for `think()` and friends."""
        if self.supports("structured outputs"):
            return STEPS_JSON_SCHEMA
        if self.supports("JSON mode"):
            return JSON_MODE
        return None

    def notes(self) -> list[str]:
        if self.replayed:
            notes = [
                f"Offline: no server was asked. These are {self.replayed} replies, in the "
                "shape gpt-4o-mini gives; go live to probe your own server."
            ]
        else:
            notes = [f"{self.server}, model {self.model}"]
        best = self.best_response_format
        if best is STEPS_JSON_SCHEMA:
            name = "helpers.STEPS_JSON_SCHEMA"
        else:
            name = "helpers.JSON_MODE" if best is JSON_MODE else "None (the prompt alone)"
        notes.append(f"best response_format here: {name}")
        return notes

    def _rows(self) -> list[list[str]]:
        return [["feature", "supported", "what came back"]] + [
            [f.name, f.supported, f.seen] for f in self.features
        ]

    def to_text(self) -> str:
        return "\n".join([text_table(self._rows()), *(f"* {note}" for note in self.notes())])

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{html.escape(note)}</li>" for note in self.notes())
        return html_table(self._rows(), LEFT_ALIGNED) + f"<ul>{notes}</ul>"


def _try(name: str, probe: Callable[[], Feature]) -> Feature:
    """Run one probe; a refusal is a "no", any other failure an "error" with advice."""
    try:
        return probe()
    except _REFUSED as error:
        said = server_message(error, limit=80)
        return Feature(name, "no", f"refused ({error.status_code}): {said}")
    except openai.OpenAIError as error:
        return Feature(name, "error", explain_error(error))


def _short(text: str | None, limit: int = 40) -> str:
    text = " ".join((text or "").split())
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def probe_server(client: openai.OpenAI | None = None, model: str | None = None) -> ServerReport:
    """Send six small requests and report which options the server honours.

    Probes: plain chat (with token counts and any separate reasoning field),
    streaming, JSON mode, structured outputs (the step schema of notebook 02),
    several answers at once (`n=2`) and tool calling.

    Raises:
        openai.OpenAIError: the plain request itself failed (no key, no server,
            unknown model...); a line of advice is attached.
    """
    client = client or get_client()
    model = model or default_model()

    def create(**options: Any) -> Any:
        return client.chat.completions.create(model=model, **options)

    try:
        raw = client.chat.completions.with_raw_response.create(model=model, messages=ANSWER_ONLY)
    except openai.OpenAIError as error:
        raise add_advice(error) from None
    plain = raw.parse()
    features = [
        Feature("plain chat", "yes", f"answered {_short(plain.choices[0].message.content)}"),
        _usage_feature(plain),
        _reasoning_feature(plain),
        _try("streaming", lambda: _streaming(create)),
        _try("JSON mode", lambda: _json_mode(create)),
        _try("structured outputs", lambda: _structured(create)),
        _try("several answers (n=2)", lambda: _several(create)),
        _try("tool calling", lambda: _tools(create)),
    ]
    return ServerReport(
        str(client.base_url).rstrip("/"), model, features, raw.headers.get(REPLAY_HEADER)
    )


def _usage_feature(reply: Any) -> Feature:
    usage = reply.usage
    if usage is None or not usage.prompt_tokens:
        return Feature("token counts (usage)", "no", "no usage block: costs cannot be counted")
    return Feature(
        "token counts (usage)", "yes", f"{usage.prompt_tokens} in, {usage.completion_tokens} out"
    )


def _reasoning_feature(reply: Any) -> Feature:
    message = reply.choices[0].message
    extra = message.model_extra or {}
    for field in ("reasoning_content", "reasoning"):
        if extra.get(field):
            return Feature("reasoning field", "yes", f"message.{field}: {_short(extra[field])}")
    if "<think>" in (message.content or ""):
        return Feature("reasoning field", "no", "reasoning inside the text, in <think> tags")
    return Feature("reasoning field", "no", "none sent (no reasoning model, or hidden)")


def _streaming(create: Callable[..., Any]) -> Feature:
    try:
        stream = create(messages=ANSWER_ONLY, stream=True, stream_options={"include_usage": True})
        with_usage = True
    except _REFUSED:  # older servers refuse stream_options; try plain streaming
        stream = create(messages=ANSWER_ONLY, stream=True)
        with_usage = False
    pieces, usage = [], None
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        usage = chunk.usage or usage
    if not pieces:
        return Feature("streaming", "ignored", "no text arrived in the stream")
    if not with_usage:
        counted = "stream_options refused, so no usage"
    else:
        counted = "with usage in the last chunk" if usage else "no usage in the stream"
    chunks = "1 text chunk" if len(pieces) == 1 else f"{len(pieces)} text chunks"
    return Feature("streaming", "yes", f"{chunks}, {counted}")


def _json_mode(create: Callable[..., Any]) -> Feature:
    reply = create(messages=step_messages(PROBE_QUESTION), response_format=JSON_MODE)
    text = reply.choices[0].message.content
    try:
        value = json.loads(text or "")
    except json.JSONDecodeError:
        return Feature("JSON mode", "ignored", f"not JSON: {_short(text)}")
    if not isinstance(value, dict):
        return Feature("JSON mode", "ignored", f"JSON, but not an object: {_short(text)}")
    return Feature("JSON mode", "yes", f"valid JSON with keys {', '.join(value)}")


def _structured(create: Callable[..., Any]) -> Feature:
    reply = create(messages=step_messages(PROBE_QUESTION), response_format=STEPS_JSON_SCHEMA)
    message = reply.choices[0].message
    if message.refusal:
        return Feature("structured outputs", "yes", f"the model refused: {_short(message.refusal)}")
    try:
        answer = StepAnswer.model_validate_json(message.content or "")
    except ValidationError:
        return Feature(
            "structured outputs", "ignored", f"does not fit the schema: {_short(message.content)}"
        )
    return Feature(
        "structured outputs",
        "yes",
        f"fits the schema: {len(answer.steps)} steps, result {answer.result!r}",
    )


def _several(create: Callable[..., Any]) -> Feature:
    reply = create(messages=ANSWER_ONLY, n=2, temperature=1.0)
    count = len(reply.choices)
    if count < 2:
        return Feature(
            "several answers (n=2)",
            "ignored",
            f"{count} answer: self_consistency falls back to separate calls",
        )
    return Feature("several answers (n=2)", "yes", f"{count} answers in one call")


def _tools(create: Callable[..., Any]) -> Feature:
    reply = create(messages=TOOL_REQUEST, tools=tool_schemas([calculator]))
    message = reply.choices[0].message
    if not message.tool_calls:
        return Feature(
            "tool calling",
            "ignored",
            f"answered in text: {_short(message.content)} (use ReAct text)",
        )
    call = message.tool_calls[0]
    return Feature("tool calling", "yes", f"called {call.function.name}({call.function.arguments})")
