"""Check an OpenAI chat request and turn it into what the local model needs.

A field the local model honours is read and checked like the API checks it; a
field it cannot honour is refused with the same kind of HTTP 400 error a real
server sends (`RequestError`), never silently ignored.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from helpers.modes.local.errors import RequestError

MAX_STOP_SEQUENCES = 4
MAX_CHOICES = 16  # each choice is a full generation on this computer's CPU
MAX_TOP_LOGPROBS = 20

# Accepted and used.
_USED = {
    "model", "messages", "temperature", "top_p", "seed", "max_tokens",
    "max_completion_tokens", "stop", "stream", "stream_options", "response_format",
    "tools", "tool_choice", "parallel_tool_calls", "n", "logprobs", "top_logprobs",
    "reasoning_effort", "presence_penalty", "frequency_penalty", "logit_bias",
}  # fmt: skip
# Accepted and ignored, as they change nothing about the answer.
_IGNORED = {"user", "metadata", "store", "safety_identifier", "prompt_cache_key"}
# Real API fields the local model cannot honour: refused with "unsupported_parameter".
_UNSUPPORTED = {
    "audio", "modalities", "prediction", "web_search_options",
    "service_tier", "functions", "function_call", "verbosity",
}  # fmt: skip
_ROLES = {"system", "developer", "user", "assistant", "tool"}
_THINKING_OFF = {"none", "minimal"}
_THINKING_ON = {"low", "medium", "high", "xhigh", "max"}


@dataclass
class ChatRequest:
    """A checked chat request, in the local model's terms."""

    messages: list[dict[str, Any]]
    stream: bool = False
    include_usage: bool = False
    n: int = 1
    max_tokens: int | None = None
    stop: list[str] = field(default_factory=list)
    seed: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    response_kind: str = "text"  # "text", "json_object" or "json_schema"
    json_schema: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] = "auto"  # "none", "auto", "required" or one function
    parallel_tool_calls: bool = True
    thinking: bool | None = None  # None: the request did not say
    logprobs: bool = False
    top_logprobs: int = 0
    logit_bias: dict[int, float] = field(default_factory=dict)  # this model's token ids

    @property
    def tools_active(self) -> bool:
        """True when the model may call tools (tools given and tool_choice is not "none")."""
        return bool(self.tools) and self.tool_choice != "none"

    @property
    def forced_tools(self) -> list[dict[str, Any]]:
        """The tools a call must be made to ("required" or one named function), else []."""
        if not self.tools_active or self.tool_choice == "auto":
            return []
        if self.tool_choice == "required":
            return list(self.tools or [])
        assert isinstance(self.tool_choice, dict)
        name = self.tool_choice["function"]["name"]
        return [t for t in self.tools or [] if t["function"]["name"] == name]


def _number(body: dict[str, Any], name: str, low: float, high: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise RequestError(f"Invalid type for '{name}': expected a number.", name, "invalid_type")
    if not low <= value <= high:
        raise RequestError(
            f"Invalid '{name}': {value} is not between {low:g} and {high:g}.", name, "invalid_value"
        )
    return float(value)


def _integer(body: dict[str, Any], name: str, low: int, high: int | None = None) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(f"Invalid type for '{name}': expected an integer.", name, "invalid_type")
    if value < low or (high is not None and value > high):
        limit = f"at least {low}" if high is None else f"between {low} and {high}"
        raise RequestError(f"Invalid '{name}': {value}; it must be {limit}.", name, "invalid_value")
    return value


def _text_of(content: Any, where: str) -> str | None:
    """A message's content as text: a string, or the text parts of a list; images refused."""
    if content is None or isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise RequestError(f"Invalid type for '{where}': expected a string or an array.", where)
    texts = []
    for number, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif kind in ("image_url", "input_audio", "file"):
            raise RequestError(
                f"The local model reads text only; '{where}[{number}]' is of type {kind!r}.",
                f"{where}[{number}]",
                "unsupported_content",
            )
        else:
            raise RequestError(f"Invalid content part '{where}[{number}]'.", f"{where}[{number}]")
    return "".join(texts)


def _messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestError("'messages' must be a non-empty array of messages.", "messages")
    checked = []
    for number, message in enumerate(messages):
        where = f"messages[{number}]"
        if not isinstance(message, dict):
            raise RequestError(f"Invalid type for '{where}': expected an object.", where)
        role = message.get("role")
        if role not in _ROLES:
            raise RequestError(
                f"Invalid value for '{where}.role': {role!r}; use one of "
                + ", ".join(sorted(_ROLES))
                + ".",
                f"{where}.role",
                "invalid_value",
            )
        entry: dict[str, Any] = {
            "role": "system" if role == "developer" else role,
            "content": _text_of(message.get("content"), f"{where}.content") or "",
        }
        if role == "tool" and not message.get("tool_call_id"):
            raise RequestError(f"'{where}.tool_call_id' is required for a tool message.", where)
        for key in ("name", "tool_call_id", "reasoning_content"):
            if isinstance(message.get(key), str):
                entry[key] = message[key]
        if role == "assistant" and message.get("tool_calls"):
            entry["tool_calls"] = _past_tool_calls(message["tool_calls"], where)
        checked.append(entry)
    return checked


def _past_tool_calls(calls: Any, where: str) -> list[dict[str, Any]]:
    """Earlier tool calls in an assistant message, with arguments as objects for the template."""
    if not isinstance(calls, list):
        raise RequestError(f"Invalid type for '{where}.tool_calls': expected an array.", where)
    result = []
    for call in calls:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise RequestError(f"Invalid tool call in '{where}.tool_calls'.", f"{where}.tool_calls")
        arguments = function.get("arguments", "{}")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError:
                pass  # the template writes the text as it is
        result.append(
            {
                "id": call.get("id", ""),
                "type": "function",
                "function": {"name": function["name"], "arguments": arguments},
            }
        )
    return result


def _tools(body: dict[str, Any]) -> list[dict[str, Any]] | None:
    tools = body.get("tools")
    if tools is None:
        return None
    if not isinstance(tools, list):
        raise RequestError("Invalid type for 'tools': expected an array.", "tools", "invalid_type")
    for number, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, dict) else None
        if tool.get("type") != "function" or not isinstance(function, dict):
            raise RequestError(
                f"Invalid 'tools[{number}]': only function tools are supported.", f"tools[{number}]"
            )
        if not isinstance(function.get("name"), str) or not function["name"]:
            raise RequestError(
                f"Missing required parameter: 'tools[{number}].function.name'.",
                f"tools[{number}].function.name",
                "missing_required_parameter",
            )
    return tools or None


def _tool_choice(body: dict[str, Any], tools: list[dict[str, Any]] | None) -> str | dict[str, Any]:
    choice = body.get("tool_choice")
    if choice is None:
        return "auto"
    if not tools:
        raise RequestError(
            "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are "
            "specified.",
            "tool_choice",
        )
    if choice in ("none", "auto", "required"):
        return choice
    name = (choice.get("function") or {}).get("name") if isinstance(choice, dict) else None
    if not isinstance(name, str):
        raise RequestError("Invalid value for 'tool_choice'.", "tool_choice", "invalid_value")
    if name not in {t["function"]["name"] for t in tools}:
        raise RequestError(
            f"Invalid value for 'tool_choice': no function named {name!r} in 'tools'.",
            "tool_choice",
            "invalid_value",
        )
    return {"type": "function", "function": {"name": name}}


def _response_format(body: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    response_format = body.get("response_format")
    if response_format is None:
        return "text", None
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind in ("text", "json_object"):
        return kind, None
    if kind != "json_schema":
        raise RequestError(
            f"Invalid value for 'response_format.type': {kind!r}; use 'text', 'json_object' "
            "or 'json_schema'.",
            "response_format.type",
            "invalid_value",
        )
    spec = response_format.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise RequestError(
            "Missing required parameter: 'response_format.json_schema.name'.",
            "response_format.json_schema.name",
            "missing_required_parameter",
        )
    schema = spec.get("schema", {})
    if not isinstance(schema, dict):
        raise RequestError(
            "Invalid type for 'response_format.json_schema.schema': expected an object.",
            "response_format.json_schema.schema",
        )
    return "json_schema", schema


def _stop(body: dict[str, Any]) -> list[str]:
    stop = body.get("stop")
    if stop is None:
        return []
    stops = [stop] if isinstance(stop, str) else stop
    if not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops):
        raise RequestError(
            "Invalid 'stop': expected a non-empty string or an array of them.", "stop"
        )
    if len(stops) > MAX_STOP_SEQUENCES:
        raise RequestError(
            f"Invalid 'stop': at most {MAX_STOP_SEQUENCES} sequences are allowed.", "stop"
        )
    return stops


def _logit_bias(body: dict[str, Any]) -> dict[int, float]:
    """`logit_bias`: token ids *of this model's vocabulary* (as llama.cpp's server reads it)."""
    bias = body.get("logit_bias")
    if bias is None:
        return {}
    if not isinstance(bias, dict):
        raise RequestError("Invalid type for 'logit_bias': expected an object.", "logit_bias")
    result = {}
    for key, value in bias.items():
        if not str(key).isdigit():
            raise RequestError(
                f"Invalid key in 'logit_bias': {key!r} is not a token id.", "logit_bias"
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not -100 <= value <= 100
        ):
            raise RequestError(
                f"Invalid value in 'logit_bias' for {key}: use a number from -100 to 100.",
                "logit_bias",
            )
        result[int(key)] = float(value)
    return result


def _thinking(body: dict[str, Any], can_think: bool) -> bool | None:
    effort = body.get("reasoning_effort")
    if effort is None:
        return None
    if effort not in _THINKING_OFF | _THINKING_ON:
        raise RequestError(
            f"Invalid value for 'reasoning_effort': {effort!r}; use none, minimal, low, medium "
            "or high (xhigh and max count as high).",
            "reasoning_effort",
            "invalid_value",
        )
    if not can_think:
        raise RequestError(
            "Unsupported parameter: 'reasoning_effort' is not supported with this model (its "
            "chat template has no thinking switch).",
            "reasoning_effort",
            "unsupported_parameter",
        )
    return effort in _THINKING_ON


def parse_chat_request(body: Any, *, can_think: bool) -> ChatRequest:
    """Check a `/chat/completions` body and return it as a `ChatRequest`.

    `can_think` says whether the model's template has a thinking switch (then
    `reasoning_effort` turns thinking on or off). Raises `RequestError` (HTTP 400).
    """
    if not isinstance(body, dict):
        raise RequestError("The request body must be a JSON object.")
    for name in body:
        if name in _UNSUPPORTED:
            raise RequestError(
                f"Unsupported parameter: '{name}' is not supported by the local model.",
                name,
                "unsupported_parameter",
            )
        if name not in _USED and name not in _IGNORED:
            raise RequestError(f"Unrecognized request argument supplied: {name}", name)
    stream = body.get("stream") or False
    if not isinstance(stream, bool):
        raise RequestError("Invalid type for 'stream': expected a boolean.", "stream")
    options = body.get("stream_options")
    if options is not None and not stream:
        raise RequestError(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            "stream_options",
        )
    if body.get("max_tokens") is not None and body.get("max_completion_tokens") is not None:
        raise RequestError(
            "Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported.",
            "max_tokens",
        )
    limit = _integer(body, "max_completion_tokens", 1) or _integer(body, "max_tokens", 1)
    logprobs = body.get("logprobs") or False
    top_logprobs = _integer(body, "top_logprobs", 0, MAX_TOP_LOGPROBS) or 0
    if top_logprobs and not logprobs:
        raise RequestError(
            "'top_logprobs' needs 'logprobs' set to true.", "top_logprobs", "invalid_value"
        )
    tools = _tools(body)
    kind, schema = _response_format(body)
    parallel = body.get("parallel_tool_calls")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise RequestError("Invalid type for 'seed': expected an integer.", "seed", "invalid_type")
    return ChatRequest(
        messages=_messages(body),
        stream=stream,
        include_usage=bool(isinstance(options, dict) and options.get("include_usage")),
        n=_integer(body, "n", 1, MAX_CHOICES) or 1,
        max_tokens=limit,
        stop=_stop(body),
        seed=seed,
        temperature=_number(body, "temperature", 0.0, 2.0),
        top_p=_number(body, "top_p", 0.0, 1.0),
        presence_penalty=_number(body, "presence_penalty", -2.0, 2.0) or 0.0,
        frequency_penalty=_number(body, "frequency_penalty", -2.0, 2.0) or 0.0,
        response_kind=kind,
        json_schema=schema,
        tools=tools,
        tool_choice=_tool_choice(body, tools),
        parallel_tool_calls=parallel is not False,
        thinking=_thinking(body, can_think),
        logprobs=bool(logprobs),
        top_logprobs=top_logprobs,
        logit_bias=_logit_bias(body),
    )
