"""Tool schemas have the shape OpenAI expects; call_tool turns mistakes into error strings."""

import json

import jsonschema
import pytest

from helpers.tools.registry import (
    call_tool,
    default_tools,
    describe_tools,
    parse_docstring,
    tool_schema,
    tool_schemas,
)

ALL_TOOLS = default_tools(include_python=True)


@pytest.mark.parametrize("name", sorted(ALL_TOOLS))
def test_schema_has_the_openai_shape(name: str) -> None:
    entry = tool_schema(ALL_TOOLS[name])
    assert set(entry) == {"type", "function"}
    assert entry["type"] == "function"
    function = entry["function"]
    assert set(function) == {"name", "description", "parameters"}
    assert function["name"] == name
    assert 40 < len(function["description"]) < 600
    assert "Args:" not in function["description"]
    assert "Example" in function["description"]
    parameters = function["parameters"]
    jsonschema.Draft202012Validator.check_schema(parameters)
    assert parameters["type"] == "object"
    assert parameters["additionalProperties"] is False
    assert set(parameters["required"]) <= set(parameters["properties"])
    for prop in parameters["properties"].values():
        assert prop["type"] in {"string", "integer", "number", "boolean"}
        assert prop["description"]
    json.dumps(entry)  # serialisable as it will be sent


def test_schema_required_and_defaults_follow_the_signature() -> None:
    parameters = tool_schema(ALL_TOOLS["search_notes"])["function"]["parameters"]
    assert parameters["required"] == ["query"]
    assert parameters["properties"]["k"] == {
        "type": "integer",
        "description": "How many results to return (1 to 10, default 3).",
        "default": 3,
    }
    validator = jsonschema.Draft202012Validator(parameters)
    assert validator.is_valid({"query": "moon", "k": 2})
    assert not validator.is_valid({"k": 2})
    assert not validator.is_valid({"query": "moon", "extra": 1})
    assert not validator.is_valid({"query": 5})


def test_tool_schemas_accepts_a_mapping_or_a_list() -> None:
    tools = default_tools()
    by_mapping = tool_schemas(tools)
    assert [entry["function"]["name"] for entry in by_mapping] == list(tools)
    assert tool_schemas(list(tools.values())) == by_mapping


def sample_tool(city: str, days: int = 2, metric: bool = True) -> str:
    """Tell the weather for a city.
    Example: sample_tool("Paris").

    Extra notes for humans only.

    Args:
        city: Name of the city,
            for example "Lyon".
        days (int): How many days ahead.
        metric: Use Celsius.

    Returns:
        A sentence.
    """
    return f"{city} {days} {metric}"


def test_docstring_parsing_handles_continuation_lines_and_sections() -> None:
    description, arg_help = parse_docstring(sample_tool.__doc__ or "")
    assert description == 'Tell the weather for a city. Example: sample_tool("Paris").'
    assert arg_help == {
        "city": 'Name of the city, for example "Lyon".',
        "days": "How many days ahead.",
        "metric": "Use Celsius.",
    }
    properties = tool_schema(sample_tool)["function"]["parameters"]["properties"]
    assert properties["metric"]["type"] == "boolean"
    assert properties["days"]["default"] == 2


def test_functions_that_cannot_be_tools_are_rejected() -> None:
    def no_hints(x):  # type: ignore[no-untyped-def]
        return x

    def star_args(*values: str) -> str:
        return ""

    with pytest.raises(TypeError):
        tool_schema(no_hints)
    with pytest.raises(TypeError):
        tool_schema(star_args)


def test_describe_tools_gives_one_line_per_tool() -> None:
    lines = describe_tools(default_tools()).splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("- calculator(expression: str): Evaluate an arithmetic")
    assert lines[1].startswith("- search_notes(query: str, k: int = 3): Search")
    assert lines[2].startswith("- read_file(path: str): Read a text file")


def test_default_tools_hides_python_unless_asked_and_returns_a_fresh_dict() -> None:
    assert list(default_tools()) == ["calculator", "search_notes", "read_file"]
    assert "run_python" in default_tools(include_python=True)
    changed = default_tools()
    changed.clear()
    assert default_tools()


@pytest.mark.parametrize(
    "arguments",
    [{"expression": "6 * 7"}, '{"expression": "6 * 7"}', "6 * 7", '"6 * 7"', "  6*7 "],
)
def test_call_tool_accepts_dicts_json_and_plain_text(arguments: object) -> None:
    assert call_tool("calculator", arguments) == "42"  # type: ignore[arg-type]


def test_call_tool_converts_json_numbers_in_text() -> None:
    result = call_tool("search_notes", '{"query": "Eiffel Tower height", "k": "1"}')
    assert result.startswith("1. Eiffel Tower (eiffel-tower.md)")
    assert "\n2." not in result


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        ("nope", {}, "Error: there is no tool called 'nope'. Available tools: calculator, "),
        ("calculator", {}, "Error: calculator needs the argument 'expression'."),
        ("calculator", "", "Error: calculator needs the argument 'expression'."),
        ("calculator", {"expression": "1", "x": 2}, "Error: calculator got unexpected argument"),
        (
            "calculator",
            {"expression": 5},
            "Error: argument 'expression' of calculator must be text",
        ),
        ("calculator", {"expression": None}, "Error: argument 'expression' of calculator must be"),
        ("search_notes", {"query": "moon", "k": "many"}, "Error: argument 'k' of search_notes"),
        ("search_notes", {"query": "moon", "k": 2.5}, "Error: argument 'k' of search_notes"),
        ("search_notes", {"query": "moon", "k": True}, "Error: argument 'k' of search_notes"),
        ("calculator", '{"expression": "1"', "Error: could not read"),
        ("calculator", "[1, 2]", "Error: a list is not allowed"),
    ],
)
def test_call_tool_errors_are_strings(name: str, arguments: object, expected: str) -> None:
    result = call_tool(name, arguments, ALL_TOOLS)  # type: ignore[arg-type]
    assert isinstance(result, str)
    assert result.startswith(expected)


def test_call_tool_reports_a_crashing_tool_instead_of_raising() -> None:
    def broken(text: str) -> str:
        """Always fails."""
        raise RuntimeError("boom " + text)

    result = call_tool("broken", {"text": "now"}, {"broken": broken})
    assert result == "Error: the tool broken failed (RuntimeError: boom now)."


def test_call_tool_turns_non_string_results_into_text() -> None:
    def count(word: str) -> str:
        """Count letters."""
        return len(word)  # type: ignore[return-value]

    assert call_tool("count", "strawberry", [count]) == "10"
