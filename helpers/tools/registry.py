"""Turn plain Python functions into tools a model can call, and call them safely.

A tool is a function whose parameters all have type hints, which returns `str`,
and whose docstring is written for the model:

- the first paragraph is the tool's description (what it does, an example);
- an `Args:` section gives one line per parameter (`name: what it means`);
- anything after that is for human readers and is not sent to the model.

`tool_schema` turns such a function into the entry OpenAI's `tools=[...]`
expects; `describe_tools` gives the one-line-per-tool list a ReAct prompt
needs; `call_tool` checks the model's arguments and runs the tool, returning
an "Error: ..." string instead of raising, so an agent loop never crashes.
"""

from __future__ import annotations

import inspect
import json
import re
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from helpers.tools.calculator import calculator
from helpers.tools.files import read_file
from helpers.tools.python_runner import run_python
from helpers.tools.search import search_notes

Tool = Callable[..., str]

_ARG_LINE = re.compile(r"^(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_SECTION = re.compile(r"^(Args|Arguments|Parameters|Returns|Raises|Examples?|Notes?):\s*$")
_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number"}


def default_tools(include_python: bool = False) -> dict[str, Tool]:
    """The course's tools by name: calculator, search_notes, read_file (and run_python).

    `run_python` is only listed when `include_python=True`, and even then it refuses
    to run anything until you call `enable_python(True)` yourself. A new dict is
    returned each time, so changing it does not affect other callers.
    """
    tools: dict[str, Tool] = {
        "calculator": calculator,
        "search_notes": search_notes,
        "read_file": read_file,
    }
    if include_python:
        tools["run_python"] = run_python
    return tools


def tool_schema(func: Tool) -> dict[str, Any]:
    """The OpenAI `tools=[...]` entry for `func`, built from its signature and docstring.

    Raises `TypeError` for a function that cannot be a tool (a parameter without a
    type hint, or *args/**kwargs): that is a programming mistake, not model input.
    """
    description, arg_help = parse_docstring(inspect.getdoc(func) or "")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for parameter, annotation in _parameters(func):
        schema = TypeAdapter(annotation).json_schema()
        schema.pop("title", None)
        if parameter.name in arg_help:
            schema["description"] = arg_help[parameter.name]
        if parameter.default is inspect.Parameter.empty:
            required.append(parameter.name)
        else:
            schema["default"] = parameter.default
        properties[parameter.name] = schema
    return {
        "type": "function",
        "function": {
            "name": func.__name__,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
        },
    }


def tool_schemas(tools: Mapping[str, Tool] | Iterable[Tool]) -> list[dict[str, Any]]:
    """`tool_schema` for each tool: ready to pass as `tools=` to `chat.completions.create`."""
    return [tool_schema(func) for func in _as_mapping(tools).values()]


def describe_tools(tools: Mapping[str, Tool] | Iterable[Tool]) -> str:
    """One line per tool, `name(arg: type, ...): description`, for a ReAct text prompt."""
    lines = []
    for name, func in _as_mapping(tools).items():
        description, _ = parse_docstring(inspect.getdoc(func) or "")
        arguments = ", ".join(
            _signature_part(parameter, annotation) for parameter, annotation in _parameters(func)
        )
        lines.append(f"- {name}({arguments}): {description}")
    return "\n".join(lines)


def _signature_part(parameter: inspect.Parameter, annotation: Any) -> str:
    text = f"{parameter.name}: {getattr(annotation, '__name__', str(annotation))}"
    if parameter.default is not inspect.Parameter.empty:
        text += f" = {parameter.default!r}"
    return text


def call_tool(
    name: str,
    arguments: Mapping[str, Any] | str,
    tools: Mapping[str, Tool] | Iterable[Tool] | None = None,
) -> str:
    """Run the tool `name` with the model's `arguments`; always return a string.

    `arguments` may be a dict, a JSON object as text (as in OpenAI `tool_calls`), or,
    for a ReAct "Action Input", plain text that is given to the tool's first parameter
    (so `call_tool("calculator", "2 + 2")` works). Unknown tools, missing, unexpected
    or wrongly typed arguments, and exceptions inside the tool all come back as
    "Error: ..." text that can be shown to the model as an observation.
    """
    available = default_tools() if tools is None else _as_mapping(tools)
    if name not in available:
        known = ", ".join(sorted(available)) or "none"
        return f"Error: there is no tool called {name!r}. Available tools: {known}."
    func = available[name]
    try:
        kwargs = _check_arguments(name, func, arguments)
    except _ArgumentError as error:
        return f"Error: {error}"
    try:
        result = func(**kwargs)
    except Exception as error:  # a tool bug must not crash the agent loop
        detail = f"{type(error).__name__}: {error}"[:200]
        return f"Error: the tool {name} failed ({detail})."
    return result if isinstance(result, str) else str(result)


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """Split a docstring into (first paragraph as one line, {parameter: description}).

    Parameter lines in the `Args:` section look like `name: text` (or
    `name (type): text`); more-indented lines below one continue its text.
    """
    doc = inspect.cleandoc(doc)
    first = re.split(r"\n\s*\n", doc, maxsplit=1)[0]
    description = "" if _SECTION.match(first.split("\n")[0]) else " ".join(first.split())
    arg_help: dict[str, str] = {}
    in_args = False
    arg_indent: int | None = None
    current: str | None = None
    for line in doc.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if indent == 0 and _SECTION.match(stripped):
            in_args = stripped[:-1] in ("Args", "Arguments", "Parameters")
            arg_indent = current = None
            continue
        if not in_args or not stripped:
            continue
        if indent == 0:  # unindented text ends the section
            in_args = False
            continue
        match = _ARG_LINE.match(stripped)
        if match and indent == (arg_indent if arg_indent is not None else indent):
            arg_indent = indent
            current = match.group(1).lstrip("*")
            arg_help[current] = match.group(2).strip()
        elif current is not None:
            arg_help[current] = f"{arg_help[current]} {stripped}".strip()
    return description, arg_help


class _ArgumentError(ValueError):
    """The model's arguments do not fit the tool; the message is meant for the model."""


def _check_arguments(name: str, func: Tool, arguments: Mapping[str, Any] | str) -> dict[str, Any]:
    parameters = _parameters(func)
    if isinstance(arguments, str):
        arguments = _arguments_from_text(arguments, parameters)
    if not isinstance(arguments, Mapping):
        raise _ArgumentError(f"the arguments for {name} must be a JSON object.")
    expected = [parameter.name for parameter, _ in parameters]
    unexpected = [key for key in arguments if key not in expected]
    if unexpected:
        raise _ArgumentError(
            f"{name} got unexpected argument(s) {', '.join(map(repr, unexpected))}; "
            f"it takes: {', '.join(expected) or 'no arguments'}."
        )
    checked: dict[str, Any] = {}
    for parameter, annotation in parameters:
        if parameter.name not in arguments:
            if parameter.default is inspect.Parameter.empty:
                raise _ArgumentError(f"{name} needs the argument {parameter.name!r}.")
            continue
        value = arguments[parameter.name]
        if isinstance(value, bool) and annotation is not bool:
            raise _ArgumentError(
                f"argument {parameter.name!r} of {name} must be {_wanted(annotation)}, "
                f"not {value!r}."
            )
        try:
            checked[parameter.name] = TypeAdapter(annotation).validate_python(value)
        except ValidationError:
            raise _ArgumentError(
                f"argument {parameter.name!r} of {name} must be {_wanted(annotation)}, "
                f"not {_short_repr(value)}."
            ) from None
    return checked


def _wanted(annotation: Any) -> str:
    """'text', 'a whole number'... for an error message."""
    kind = TypeAdapter(annotation).json_schema().get("type", "")
    return _TYPE_WORDS.get(kind, getattr(annotation, "__name__", str(annotation)))


def _arguments_from_text(
    text: str, parameters: list[tuple[inspect.Parameter, Any]]
) -> Mapping[str, Any] | Any:
    """A JSON object becomes keyword arguments; anything else goes to the first parameter."""
    stripped = text.strip()
    try:
        parsed = json.loads(stripped) if stripped else {}
    except ValueError:
        parsed = None
    if isinstance(parsed, Mapping):
        return parsed
    if not parameters:
        return {} if not stripped else parsed
    if isinstance(parsed, str):  # a quoted string, e.g. "Eiffel Tower"
        stripped = parsed
    return {parameters[0][0].name: stripped}


def _parameters(func: Tool) -> list[tuple[inspect.Parameter, Any]]:
    """(parameter, type hint) pairs, refusing what a JSON-calling model cannot provide."""
    hints = typing.get_type_hints(func)
    pairs = []
    for parameter in inspect.signature(func).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise TypeError(f"{func.__name__}: *args and **kwargs cannot be tool parameters")
        if parameter.name not in hints:
            raise TypeError(f"{func.__name__}: parameter {parameter.name!r} needs a type hint")
        pairs.append((parameter, hints[parameter.name]))
    return pairs


def _as_mapping(tools: Mapping[str, Tool] | Iterable[Tool]) -> Mapping[str, Tool]:
    if isinstance(tools, Mapping):
        return tools
    return {func.__name__: func for func in tools}


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
