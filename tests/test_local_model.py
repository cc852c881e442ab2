"""Local mode end to end: the real OpenAI SDK, over the local transport, on the tiny model.

The tiny model has random weights, so its text is gibberish; what is tested is
everything around it: the request reaches llama.cpp with the right settings, the
reply has the API's exact shape, usage counts real tokens, grammars hold, streams
are real streams, and the model stays usable.
"""

from __future__ import annotations

import asyncio
import json

import openai
import pytest

from helpers.modes.client import get_async_client, get_client, get_http_client, server_url
from helpers.modes.local.runtime import loaded_model
from tests.support.local_model import require

ASK = [{"role": "user", "content": "How many apples are left?"}]
SCHEMA = {
    "type": "object",
    "properties": {
        "answer": {"type": "integer"},
        "unit": {"type": "string", "enum": ["apples", "pears"]},
        "sure": {"type": "boolean"},
        "note": {"type": "string", "maxLength": 6},
    },
    "required": ["answer", "unit", "sure", "note"],
    "additionalProperties": False,
}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "maxLength": 10}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}


def ask(**options):
    options.setdefault("model", "anything")
    options.setdefault("messages", ASK)
    return get_client("local").chat.completions.create(**options)


def looks_like_json_prefix(text: str) -> bool:
    """True if some short ending turns `text` into JSON (a reply cut by max_tokens)."""
    for ending in ("", "}", '"}', '": 0}', "]}", '"]}', "0}", ": 0}"):
        try:
            json.loads(text + ending)
            return True
        except json.JSONDecodeError:
            continue
    return False


# ---- plain calls --------------------------------------------------------------------
def test_plain_call_matches_llama_cpp_python_called_directly(local_mode):
    """Same model, prompt, seed and sampling: the transport gives llama.cpp's own answer."""
    llama_cpp = require("llama_cpp")
    # reasoning_effort turns the tiny template's thinking switch on, which renders the
    # prompt exactly as llama-cpp-python's default (switch not set) does
    reply = ask(max_tokens=16, seed=11, reasoning_effort="high")
    direct = llama_cpp.Llama(model_path=str(local_mode), n_ctx=4096, n_threads=1, verbose=False)
    expected = direct.create_chat_completion(
        messages=ASK, max_tokens=16, seed=11, temperature=0.8, top_p=0.95, top_k=40,
        min_p=0.05, repeat_penalty=1.0,
    )  # fmt: skip
    direct.close()
    assert reply.choices[0].message.content == expected["choices"][0]["message"]["content"]
    assert reply.usage.prompt_tokens == expected["usage"]["prompt_tokens"]
    assert reply.usage.completion_tokens == expected["usage"]["completion_tokens"]


def test_a_reply_has_the_api_shape_and_the_local_model_name(local_mode):
    reply = ask(max_tokens=8, seed=1)
    assert isinstance(reply, openai.types.chat.ChatCompletion)
    assert reply.model == local_mode.stem and reply.id.startswith("chatcmpl-")
    assert reply.choices[0].message.role == "assistant"
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


@pytest.mark.parametrize("limit", ["max_tokens", "max_completion_tokens"])
def test_a_token_limit_cuts_the_reply_and_says_length(local_mode, limit):
    reply = ask(seed=3, **{limit: 5})
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage.completion_tokens == 5


def test_a_full_context_window_also_says_length(local_mode, monkeypatch):
    monkeypatch.setenv("HOMEMADE_O1_LOCAL_CONTEXT", "256")
    reply = ask(seed=4, temperature=0)  # greedy: the same token again and again, no end
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage.total_tokens == 256


def test_a_prompt_longer_than_the_context_is_refused_like_the_api(local_mode, monkeypatch):
    monkeypatch.setenv("HOMEMADE_O1_LOCAL_CONTEXT", "256")
    with pytest.raises(openai.BadRequestError) as caught:
        ask(messages=[{"role": "user", "content": "apples and pears " * 200}])
    assert caught.value.code == "context_length_exceeded"
    assert "256 tokens" in caught.value.message


def test_the_same_seed_gives_the_same_reply(local_mode):
    first, again, other = (ask(max_tokens=12, seed=s) for s in (7, 7, 8))
    assert first.choices[0].message.content == again.choices[0].message.content
    assert first.choices[0].message.content != other.choices[0].message.content


def test_n_choices_are_separate_generations_each_counted(local_mode):
    single = ask(max_tokens=7, seed=5)
    reply = ask(max_tokens=7, seed=5, n=2)
    assert [c.index for c in reply.choices] == [0, 1]
    assert reply.choices[0].message.content == single.choices[0].message.content
    assert reply.choices[0].message.content != reply.choices[1].message.content
    assert reply.usage.prompt_tokens == single.usage.prompt_tokens  # the prompt counts once
    assert reply.usage.completion_tokens == 14  # 7 + 7


def test_a_stop_string_ends_the_reply_before_it(local_mode):
    full = ask(max_tokens=30, seed=9).choices[0].message.content
    stop = full[12:16]
    cut = ask(max_tokens=30, seed=9, stop=[stop]).choices[0]
    assert cut.finish_reason == "stop"
    assert cut.message.content == full[: full.index(stop)]
    streamed = "".join(
        chunk.choices[0].delta.content or ""
        for chunk in ask(max_tokens=30, seed=9, stop=stop, stream=True)
        if chunk.choices
    )
    assert streamed == cut.message.content


# ---- streaming ----------------------------------------------------------------------
def test_a_stream_arrives_while_the_model_is_still_generating(local_mode):
    stream = ask(max_tokens=40, seed=2, stream=True, stream_options={"include_usage": True})
    busy_at_first_text = None
    chunks = []
    for chunk in stream:
        chunks.append(chunk)
        if busy_at_first_text is None and chunk.choices and chunk.choices[0].delta.content:
            busy_at_first_text = loaded_model().gate.busy
    assert busy_at_first_text is True  # the first words came before the last was generated
    plain = ask(max_tokens=40, seed=2)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    assert [c.usage for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    assert chunks[-1].choices == [] and chunks[-1].usage.model_dump() == plain.usage.model_dump()
    finish = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finish == [plain.choices[0].finish_reason]


def test_a_stream_without_include_usage_has_no_usage_chunk(local_mode):
    chunks = list(ask(max_tokens=5, seed=2, stream=True))
    assert all(c.choices for c in chunks) and all(c.usage is None for c in chunks)


def test_a_stream_with_n_2_streams_both_choices(local_mode):
    chunks = list(
        ask(max_tokens=6, seed=5, n=2, stream=True, stream_options={"include_usage": True})
    )
    texts = {0: "", 1: ""}
    for chunk in chunks[:-1]:
        texts[chunk.choices[0].index] += chunk.choices[0].delta.content or ""
    plain = ask(max_tokens=6, seed=5, n=2)
    assert texts == {c.index: c.message.content for c in plain.choices}
    assert chunks[-1].usage.completion_tokens == plain.usage.completion_tokens == 12


# ---- structured output -------------------------------------------------------------
def test_json_mode_writes_json(local_mode):
    reply = ask(max_tokens=40, seed=3, response_format={"type": "json_object"}).choices[0]
    text = reply.message.content
    assert text.startswith("{")
    if reply.finish_reason == "stop":
        assert isinstance(json.loads(text), dict)
    else:  # cut by max_tokens: valid JSON so far
        assert reply.finish_reason == "length" and looks_like_json_prefix(text)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_strict_schema_gives_json_that_parses_and_matches(local_mode, seed):
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "count", "schema": SCHEMA, "strict": True},
    }
    reply = ask(max_tokens=120, seed=seed, response_format=response_format).choices[0]
    assert reply.finish_reason == "stop"
    data = json.loads(reply.message.content)
    assert set(data) == set(SCHEMA["properties"])
    assert isinstance(data["answer"], int) and not isinstance(data["answer"], bool)
    assert data["unit"] in ("apples", "pears") and isinstance(data["sure"], bool)
    assert isinstance(data["note"], str) and len(data["note"]) <= 6


def test_strings_under_a_schema_never_hold_raw_control_characters(local_mode):
    """JSON forbids a raw newline inside a string; the grammar must too, even when the
    model leans hard towards writing one."""
    ask(max_tokens=1)  # load the model
    (newline,) = loaded_model().llama.tokenize(b"\n", add_bos=False, special=False)
    schema = {
        "type": "object",
        "properties": {"note": {"type": "string", "maxLength": 24}},
        "required": ["note"],
        "additionalProperties": False,
    }
    response_format = {"type": "json_schema", "json_schema": {"name": "n", "schema": schema}}
    for seed in range(3):
        reply = ask(
            max_tokens=60,
            seed=seed,
            response_format=response_format,
            logit_bias={str(newline): 8},
        ).choices[0]
        assert reply.finish_reason == "stop"
        assert len(json.loads(reply.message.content)["note"]) <= 24


def test_a_schema_the_grammar_cannot_express_is_a_400(local_mode):
    bad = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "frobnicate"}}}
    with pytest.raises(openai.BadRequestError):
        ask(response_format=bad)


# ---- tools --------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_tools_on_auto_give_a_tool_call_or_text_never_a_crash(local_mode, seed):
    reply = ask(max_tokens=30, seed=seed, tools=[WEATHER]).choices[0]
    if reply.message.tool_calls:
        assert reply.finish_reason in ("tool_calls", "length")
        for call in reply.message.tool_calls:
            json.loads(call.function.arguments)
    else:
        assert isinstance(reply.message.content, str)


def test_a_required_tool_call_is_a_parsed_call_with_arguments_matching_the_schema(local_mode):
    reply = ask(max_tokens=60, seed=1, tools=[WEATHER], tool_choice="required").choices[0]
    assert reply.finish_reason == "tool_calls" and reply.message.content is None
    (call,) = reply.message.tool_calls
    assert call.type == "function" and call.id.startswith("call_")
    assert call.function.name == "get_weather"
    arguments = json.loads(call.function.arguments)
    assert list(arguments) == ["city"] and len(arguments["city"]) <= 10


@pytest.mark.parametrize("seed", range(3))
def test_a_call_the_model_opens_by_itself_is_completed_under_the_tools_schema(local_mode, seed):
    from tests.support.tiny_model import SPECIAL_TOKEN_IDS

    # the bias makes the random model open a call; what follows it is not biased
    opens_a_call = {str(SPECIAL_TOKEN_IDS["<tool_call>"]): 40}
    reply = ask(
        max_tokens=80,
        seed=seed,
        tools=[WEATHER],
        logit_bias=opens_a_call,
        parallel_tool_calls=False,  # one call, then the grammar ends the turn
    ).choices[0]
    assert reply.finish_reason == "tool_calls", reply
    (call,) = reply.message.tool_calls
    assert call.function.name == "get_weather"
    arguments = json.loads(call.function.arguments)
    assert list(arguments) == ["city"] and len(arguments["city"]) <= 10


def test_a_tool_result_can_be_sent_back(local_mode):
    first = ask(max_tokens=60, seed=1, tools=[WEATHER], tool_choice="required")
    call = first.choices[0].message.tool_calls[0]
    messages = [
        *ASK,
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": '{"sky": "clear"}'},
    ]
    reply = ask(messages=messages, tools=[WEATHER], max_tokens=10, seed=2)
    assert reply.usage.prompt_tokens > first.usage.prompt_tokens


def test_a_streamed_required_tool_call_arrives_as_tool_call_deltas(local_mode):
    chunks = list(ask(max_tokens=60, seed=1, tools=[WEATHER], tool_choice="required", stream=True))
    calls = [c.choices[0].delta.tool_calls for c in chunks if c.choices[0].delta.tool_calls]
    assert len(calls) == 1 and calls[0][0].function.name == "get_weather"
    json.loads(calls[0][0].function.arguments)
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


# ---- thinking -----------------------------------------------------------------------
def test_a_model_that_thinks_sends_its_thinking_as_reasoning_content(model_folder, monkeypatch):
    require("llama_cpp")
    from tests.support.local_model import OPENS_THINKING_TEMPLATE
    from tests.support.tiny_model import make_tiny_model

    path = make_tiny_model(model_folder, chat_template=OPENS_THINKING_TEMPLATE)
    monkeypatch.setenv("HOMEMADE_O1_MODE", "local")
    monkeypatch.setenv("HOMEMADE_O1_LOCAL_MODEL", str(path))
    monkeypatch.setenv("HOMEMADE_O1_THREADS", "1")
    reply = ask(max_tokens=12, seed=1)
    message = reply.choices[0].message
    # the reply opens inside <think> and the random model never closes it
    assert message.reasoning_content and message.content == ""
    assert reply.usage.completion_tokens_details.reasoning_tokens == 12
    chunks = list(ask(max_tokens=12, seed=1, stream=True))
    streamed = "".join(getattr(c.choices[0].delta, "reasoning_content", None) or "" for c in chunks)
    assert streamed == message.reasoning_content


def test_reasoning_effort_is_refused_for_a_model_without_a_thinking_switch(
    model_folder, monkeypatch
):
    require("llama_cpp")
    from tests.support.local_model import PLAIN_TEMPLATE
    from tests.support.tiny_model import make_tiny_model

    monkeypatch.setenv("HOMEMADE_O1_MODE", "local")
    monkeypatch.setenv(
        "HOMEMADE_O1_LOCAL_MODEL", str(make_tiny_model(model_folder, chat_template=PLAIN_TEMPLATE))
    )
    with pytest.raises(openai.BadRequestError, match="reasoning_effort"):
        ask(reasoning_effort="low")


# ---- logprobs -----------------------------------------------------------------------
def test_logprobs_are_the_models_own(local_mode):
    reply = ask(max_tokens=4, seed=6, logprobs=True, top_logprobs=3).choices[0]
    entries = reply.logprobs.content
    assert len(entries) == 4
    assert "".join(e.token for e in entries) == reply.message.content
    for entry in entries:
        assert entry.logprob <= 0 and len(entry.top_logprobs) == 3
        assert entry.top_logprobs[0].logprob >= entry.logprob  # the best is at least as likely


# ---- the other clients --------------------------------------------------------------
def test_the_async_client_answers_plain_streamed_and_concurrent_calls(local_mode):
    client = get_async_client("local")

    async def run():
        plain = await client.chat.completions.create(model="m", messages=ASK, max_tokens=6, seed=1)
        stream = await client.chat.completions.create(
            model="m", messages=ASK, max_tokens=6, seed=1, stream=True
        )
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        many = await asyncio.gather(
            *(
                client.chat.completions.create(model="m", messages=ASK, max_tokens=6, seed=s)
                for s in (1, 2, 3)
            )
        )
        return plain, text, many

    plain, text, many = asyncio.run(run())
    assert text == plain.choices[0].message.content
    assert many[0].choices[0].message.content == plain.choices[0].message.content
    assert len({m.choices[0].message.content for m in many}) == 3


def test_the_raw_http_client_speaks_the_api(local_mode):
    with get_http_client("local") as http:
        reply = http.post(
            server_url() + "/chat/completions",
            json={"model": "m", "messages": ASK, "max_tokens": 3},
        )
        assert reply.status_code == 200
        assert reply.json()["object"] == "chat.completion"
        models = http.get(server_url() + "/models").json()
        assert models["data"][0]["id"] == local_mode.stem
        missing = http.post(server_url() + "/embeddings", json={"input": "x"})
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_url"
        bad = http.post(server_url() + "/chat/completions", content=b"{not json")
        assert bad.status_code == 400 and "JSON" in bad.json()["error"]["message"]
