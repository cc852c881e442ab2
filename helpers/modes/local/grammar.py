"""Grammars (llama.cpp's GBNF) that make the model's output valid by construction.

While a grammar is active, the sampler may only pick tokens that keep the text a
prefix of something the grammar accepts. So JSON mode always gives JSON, a schema
always gives JSON matching the schema, and a forced tool call always gives a
`<tool_call>{"name": ..., "arguments": {...}}</tool_call>` block, whatever the model
would have liked to write. (If `max_tokens` cuts the output short it is a valid
*prefix*, and `finish_reason` says `length`.)
"""

from __future__ import annotations

import json
import re
from typing import Any

from helpers.modes.local.errors import RequestError

# JSON forbids raw control characters inside strings; llama-cpp-python's schema
# converter allows them, so its `char` rule is replaced by this strict one.
_STRICT_CHAR = r'char ::= [^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})'


def _schema_rules(schema: dict[str, Any], root_name: str) -> str:
    """GBNF rules for a JSON schema, with the top rule renamed `root_name`."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    rules = json_schema_to_gbnf(json.dumps(schema))
    rules = re.sub(r"^char ::= .*$", lambda _: _STRICT_CHAR, rules, flags=re.MULTILINE)
    return re.sub(r"^root ::=", f"{root_name} ::=", rules, flags=re.MULTILINE)


def json_object_grammar() -> str:
    """Any JSON object (what `response_format={"type": "json_object"}` promises)."""
    from llama_cpp.llama_grammar import JSON_GBNF

    return JSON_GBNF


def json_schema_grammar(schema: dict[str, Any]) -> str:
    """JSON matching `schema`; a schema the converter cannot handle is an HTTP 400."""
    try:
        return _schema_rules(schema, "root")
    except Exception as error:  # the converter raises many kinds (even AssertionError)
        raise RequestError(
            f"Invalid schema for response_format: {error}",
            "response_format.json_schema.schema",
            "invalid_json_schema",
        ) from None


def tool_call_grammar(
    tools: list[dict[str, Any]],
    open_tag: str,
    close_tag: str,
    *,
    already_open: bool = False,
    several: bool = True,
) -> str:
    """Calls to `tools`, each written between the model's tool-call tags.

    The JSON inside is `{"name": <one of the names>, "arguments": <that tool's
    parameters schema>}`, the format Qwen-style chat templates teach the model.
    `already_open`: the model has just written the opening tag itself (a call it
    chose to make), so the grammar starts right after it. `several`: more calls
    may follow the first (parallel tool calls).
    """
    choices = []
    for tool in tools:
        function = tool["function"]
        parameters = function.get("parameters") or {"type": "object", "properties": {}}
        choices.append(
            {
                "type": "object",
                "properties": {"name": {"const": function["name"]}, "arguments": parameters},
                "required": ["name", "arguments"],
                "additionalProperties": False,
            }
        )
    schema = choices[0] if len(choices) == 1 else {"oneOf": choices}
    try:
        body = _schema_rules(schema, "call")
    except Exception as error:  # the converter raises many kinds (even AssertionError)
        raise RequestError(
            f"Invalid 'parameters' schema in 'tools': {error}", "tools", "invalid_json_schema"
        ) from None
    opening, closing = json.dumps(open_tag), json.dumps(close_tag)
    block = f'"\\n" call "\\n" {closing}'
    first = block if already_open else f"{opening} {block}"
    more = f' ("\\n" {opening} {block})*' if several else ""
    return f"root ::= {first}{more}\n" + body
