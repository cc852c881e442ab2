"""Which request options does this server honour? Ask it.

    report = helpers.probe_server()     # six tiny requests
    report                              # a table: feature, supported?, what was seen
    helpers.think(question, response_format=report.best_response_format)

OpenAI-compatible servers (OpenAI, Ollama, llama.cpp, vLLM, LM Studio) accept the
same requests but do not all honour the same options, and it changes with the
version and the model. A server can refuse an option (a 400 error), or accept
it and quietly ignore it, which is worse. Each probe sends one small request
and looks at what came back, so both cases show up. Each may write
`PROBE_TOKENS` tokens (under the name the server wants, see
`helpers/token_limits.py`), so a rambling model cannot hold the probe up.

The verdicts: "yes", "no" (refused with a 4xx), "ignored" (accepted, not done),
"unclear" (the model's reply does not tell, e.g. it was cut off) and "error"
(the server failed; its own message is shown).
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
from helpers.more_calls.voting import short_usage_note
from helpers.prompts import JSON_MODE, STEPS_JSON_SCHEMA, StepAnswer, as_sdk_messages, step_messages
from helpers.reasoning import Usage
from helpers.token_limits import PROBE_TOKENS, sent_limit, with_token_limit
from helpers.tools.calculator import calculator
from helpers.tools.registry import tool_schemas

PROBE_QUESTION = "What is 2 + 3?"
ANSWER_ONLY = [{"role": "user", "content": "What is 2 + 3? Reply with the number only."}]
TOOL_REQUEST = [{"role": "user", "content": "Use the calculator tool to work out 12 * 34."}]
SEVERAL = 5
"""How many answers the `n` probe asks for: as many as `self_consistency` samples."""
SHOWN_CHARS = 40
"""Model text in the table is cut to this many characters."""

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
        """True if the feature whose name starts with `name` (e.g. "JSON mode") answered yes."""
        return any(f.name.startswith(name) and f.supported == "yes" for f in self.features)

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
    """Run one probe; a refusal is a "no", any other failure an "error".

    A server error shows the server's own words (a 500 from a local server is usually
    about this very request, e.g. output its parser could not read, not a reason to wait).
    """
    try:
        return probe()
    except _REFUSED as error:
        said = server_message(error, limit=80)
        return Feature(name, "no", f"refused ({error.status_code}): {said}")
    except openai.APIStatusError as error:
        said = server_message(error, limit=80)
        return Feature(name, "error", f"server error ({error.status_code}): {said}")
    except openai.OpenAIError as error:
        return Feature(name, "error", explain_error(error))


def _short(text: str | None, limit: int = SHOWN_CHARS) -> str:
    text = " ".join((text or "").split())
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _cut_off(reply: Any, name: str, limit: int | None) -> Feature | None:
    """An "unclear" verdict when the reply was cut off at the token limit, else None."""
    if reply.choices[0].finish_reason != "length":
        return None
    text = reply.choices[0].message.content
    return Feature(
        name, "unclear", f"cut off at max_tokens={limit} before it could be judged: {_short(text)}"
    )


def probe_server(client: openai.OpenAI | None = None, model: str | None = None) -> ServerReport:
    """Send six small requests and report which options the server honours.

    Probes: plain chat (with token counts and any separate reasoning field),
    streaming, JSON mode, structured outputs (the step schema of notebook 02),
    several answers at once (`n=5`, as `self_consistency` asks; a server with fewer
    slots refuses it) and tool calling (when the model answers in text, one more
    request without the tools tells whether the server passed them on at all).

    Raises:
        openai.OpenAIError: the plain request itself failed (no key, no server,
            unknown model...); a line of advice is attached.
    """
    client = client or get_client()
    model = model or default_model()
    limited = with_token_limit({}, client, model, PROBE_TOKENS)

    def create(**options: Any) -> Any:
        return client.chat.completions.create(model=model, **limited, **options)

    try:
        raw = client.chat.completions.with_raw_response.create(
            model=model, messages=as_sdk_messages(ANSWER_ONLY), **limited
        )
    except openai.OpenAIError as error:
        raise add_advice(error) from None
    plain = raw.parse()
    limit = sent_limit(limited)
    several = f"several answers (n={SEVERAL})"
    features = [
        Feature("plain chat", "yes", f"answered {_short(plain.choices[0].message.content)}"),
        _usage_feature(plain),
        _reasoning_feature(plain),
        _try("streaming", lambda: _streaming(create)),
        _try("JSON mode", lambda: _json_mode(create, limit)),
        _try("structured outputs", lambda: _structured(create, limit)),
        _try(several, lambda: _several(create, several, limit)),
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


def _json_mode(create: Callable[..., Any], limit: int | None) -> Feature:
    reply = create(messages=step_messages(PROBE_QUESTION), response_format=JSON_MODE)
    text = reply.choices[0].message.content
    try:
        value = json.loads(text or "")
    except json.JSONDecodeError:
        return _cut_off(reply, "JSON mode", limit) or Feature(
            "JSON mode", "ignored", f"not JSON: {_short(text)}"
        )
    if not isinstance(value, dict):
        return Feature("JSON mode", "ignored", f"JSON, but not an object: {_short(text)}")
    if not value:
        return Feature(
            "JSON mode", "yes", "valid JSON, but an empty object {}: no steps, no result"
        )
    keys = _short(", ".join(str(key) for key in value)).strip("'")
    return Feature("JSON mode", "yes", f"valid JSON with keys {keys}")


def _structured(create: Callable[..., Any], limit: int | None) -> Feature:
    name = "structured outputs"
    reply = create(messages=step_messages(PROBE_QUESTION), response_format=STEPS_JSON_SCHEMA)
    message = reply.choices[0].message
    if message.refusal:
        return Feature(name, "yes", f"the model refused: {_short(message.refusal)}")
    try:
        answer = StepAnswer.model_validate_json(message.content or "")
    except ValidationError:
        return _cut_off(reply, name, limit) or Feature(
            name, "ignored", f"does not fit the schema: {_short(message.content)}"
        )
    steps = "1 step" if len(answer.steps) == 1 else f"{len(answer.steps)} steps"
    return Feature(name, "yes", f"fits the schema: {steps}, result {_short(answer.result)}")


def _several(create: Callable[..., Any], name: str, limit: int | None) -> Feature:
    reply = create(messages=ANSWER_ONLY, n=SEVERAL, temperature=1.0)
    count = len(reply.choices)
    if count < SEVERAL:
        answers = "1 answer" if count == 1 else f"{count} answers"
        return Feature(
            name, "ignored", f"{answers}: self_consistency makes up the rest with separate calls"
        )
    replies = [(c.message.content, c.finish_reason, c.message.refusal) for c in reply.choices]
    note = short_usage_note(Usage.from_api(reply.usage), replies, limit)
    if note:
        return Feature(name, "yes", f"{count} answers, but usage counts one answer, not all")
    return Feature(name, "yes", f"{count} answers in one call")


def _tools(create: Callable[..., Any]) -> Feature:
    name = "tool calling"
    reply = create(messages=TOOL_REQUEST, tools=tool_schemas([calculator]))
    message = reply.choices[0].message
    if message.tool_calls:
        call = message.tool_calls[0]
        function = getattr(call, "function", None)
        if function is None:
            return Feature(name, "yes", f"called a tool of type {call.type!r}")
        called = _short(f"{function.name}({function.arguments})", 60).strip("'")
        return Feature(name, "yes", f"called {called}")
    answered = f"the model answered in text: {_short(message.content)}"
    # Did the server pass the tools on? Then the prompt was longer than without them.
    with_tools = reply.usage.prompt_tokens if reply.usage else None
    bare = create(messages=TOOL_REQUEST)
    without = bare.usage.prompt_tokens if bare.usage else None
    if with_tools is None or without is None:
        return Feature(name, "unclear", f"{answered}; no usage, so cannot tell if tools were sent")
    if with_tools > without:
        return Feature(
            name,
            "unclear",
            f"the server passed the tools on (+{with_tools - without} prompt tokens), but "
            f"{answered}: the model did not call one",
        )
    return Feature(name, "ignored", f"the server left the tools out; {answered} (use ReAct text)")
