"""The client in its three modes: offline replay, live over real HTTP, and record."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import httpx2
import openai
import pytest

from helpers.modes import client as client_module
from helpers.modes.client import (
    describe_mode,
    get_async_client,
    get_client,
    get_http_client,
    mode_summary,
)
from helpers.modes.recording_files import RecordingLibrary, RecordingNotFoundError
from helpers.modes.settings import ConfigurationError, resolve_mode
from helpers.modes.wire import chat_completion, chat_completion_chunks, error_body
from tests.support.recordings import add_recording
from tests.support.server import JsonReply, StreamReply, StubServer, replies_in_order

QUESTION = [{"role": "user", "content": "How many r's are in strawberry?"}]


def fake_key() -> str:
    return "sk-" + "testonly" * 5  # built at run time: no key-shaped literal in the repo


@pytest.fixture
def recordings(recordings_folder):
    """An empty recordings folder that offline mode replays from."""
    return recordings_folder


@pytest.fixture
def record_into(recordings_folder, monkeypatch):
    """Record mode's setting: a (fake) key, and the empty folder recordings are saved in."""
    monkeypatch.setenv("OPENAI_API_KEY", fake_key())
    return recordings_folder


@pytest.fixture
def no_sockets(monkeypatch):
    """Fail the test if anything tries to open a network connection."""

    def refuse(*args, **kwargs):
        raise AssertionError("offline mode opened a socket")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


# ---- choosing the mode --------------------------------------------------------------
@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "offline"),
        ({"OPENAI_API_KEY": "x"}, "live"),
        ({"OPENAI_BASE_URL": "http://localhost:11434/v1"}, "live"),
        ({"OPENAI_API_KEY": "x", "HOMEMADE_O1_MODE": "offline"}, "offline"),
        ({"HOMEMADE_O1_MODE": "RECORD"}, "record"),
    ],
)
def test_mode_is_chosen_from_the_environment(monkeypatch, env, expected):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "HOMEMADE_O1_MODE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert resolve_mode() == expected


def test_unknown_mode_is_a_one_line_error(monkeypatch):
    monkeypatch.setenv("HOMEMADE_O1_MODE", "offlne")
    with pytest.raises(ConfigurationError) as caught:
        get_client()
    assert "offlne" in str(caught.value) and "\n" not in str(caught.value)


def test_live_mode_without_key_or_server_explains_what_to_set(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY.*OPENAI_BASE_URL"):
        get_client("live")


@pytest.mark.parametrize("mode", ["offline", "live", "record"])
def test_every_mode_gives_the_real_sdk_clients(record_into, mode):
    assert type(get_client(mode)) is openai.OpenAI
    assert type(get_async_client(mode)) is openai.AsyncOpenAI


def test_a_local_server_needs_no_key(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with StubServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        client = get_client("live")
        reply = client.chat.completions.create(model="llama3.2", messages=QUESTION)
    assert reply.choices[0].message.content == "Echo: How many r's are in strawberry?"
    assert server.requests[0].headers["authorization"].startswith("Bearer not-needed")


# ---- offline replay --------------------------------------------------------------
def test_offline_replays_a_plain_call_without_a_socket(recordings, no_sockets):
    body = {"model": "gpt-4o-mini", "messages": QUESTION}
    add_recording(recordings, body, text="There are 3.")
    reply = get_client().chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
    assert reply.choices[0].message.content == "There are 3."
    assert reply.usage.prompt_tokens > 0 and reply.choices[0].finish_reason == "stop"


def test_offline_matching_ignores_the_model_name(recordings, no_sockets):
    add_recording(recordings, {"model": "gpt-4o-mini", "messages": QUESTION}, text="3")
    reply = get_client().chat.completions.create(model="qwen2.5:7b", messages=QUESTION)
    assert reply.choices[0].message.content == "3"


def test_offline_replays_a_stream_as_real_chunks(recordings, no_sockets):
    body = {"model": "gpt-4o-mini", "messages": QUESTION, "stream": True}
    add_recording(recordings, body, text='{"step1": "s-t-r-a-w", "result": "3"}', stream=True)
    stream = get_client().chat.completions.create(
        model="gpt-4o-mini", messages=QUESTION, stream=True
    )
    chunks = list(stream)
    assert len(chunks) > 5, "a stream arrives in many small chunks"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == '{"step1": "s-t-r-a-w", "result": "3"}'
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_offline_stream_is_paced_when_asked(recordings, monkeypatch):
    body = {"model": "gpt-4o-mini", "messages": QUESTION, "stream": True}
    add_recording(recordings, body, text="one two three four five six seven", stream=True)
    monkeypatch.setenv("HOMEMADE_O1_PACE", "50")  # 50 chunks a second
    start = time.perf_counter()
    list(get_client().chat.completions.create(model="m", messages=QUESTION, stream=True))
    assert time.perf_counter() - start >= 9 * 0.02 * 0.9


def test_offline_dropped_stream_raises_like_a_dropped_connection(recordings):
    body = {"model": "gpt-4o-mini", "messages": QUESTION, "stream": True}
    add_recording(
        recordings, body, text="a long answer that is cut off", stream=True, ends="dropped"
    )
    stream = get_client().chat.completions.create(model="m", messages=QUESTION, stream=True)
    with pytest.raises(openai.APIConnectionError) as caught:
        list(stream)
    assert isinstance(caught.value.__cause__, httpx2.RemoteProtocolError)


def test_identical_requests_get_their_recordings_in_order(recordings):
    body = {"model": "gpt-4o-mini", "messages": QUESTION, "temperature": 1.0}
    for repeat, text in enumerate(["3", "2", "3"]):
        add_recording(recordings, body, text=text, repeat=repeat)
    client = get_client()
    answers = [
        client.chat.completions.create(model="m", messages=QUESTION, temperature=1.0)
        .choices[0]
        .message.content
        for _ in range(4)
    ]
    assert answers == ["3", "2", "3", "3"]


def test_a_miss_names_the_nearest_prompt_and_how_to_go_live(recordings):
    add_recording(recordings, {"model": "gpt-4o-mini", "messages": QUESTION}, text="3")
    asked = [{"role": "user", "content": "How many r's are in strawbery?"}]
    with pytest.raises(RecordingNotFoundError) as caught:
        get_client().chat.completions.create(model="gpt-4o-mini", messages=asked)
    message = str(caught.value)
    assert "strawbery" in message and "How many r's are in strawberry?" in message
    assert "go live" in message and "helpers.use_local_model()" in message
    assert "restart the kernel" not in message, "a restart loses a key typed with ask_for_key"
    assert str(recordings) not in message, "no machine paths in the message"
    assert isinstance(caught.value, openai.OpenAIError)


def test_a_miss_points_at_the_differing_parameter(recordings):
    add_recording(
        recordings, {"model": "gpt-4o-mini", "messages": QUESTION, "temperature": 0.2}, text="3"
    )
    with pytest.raises(RecordingNotFoundError, match=r"temperature: 0.9 \(recorded: 0.2\)"):
        get_client().chat.completions.create(model="m", messages=QUESTION, temperature=0.9)


def test_a_miss_is_not_retried(recordings, monkeypatch):
    calls = []
    original = RecordingLibrary.find

    def counting_find(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RecordingLibrary, "find", counting_find)
    with pytest.raises(RecordingNotFoundError):
        get_client(max_retries=3).chat.completions.create(model="m", messages=QUESTION)
    assert len(calls) == 1


def test_async_client_replays_plain_and_streamed(recordings):
    add_recording(recordings, {"model": "gpt-4o-mini", "messages": QUESTION}, text="three")
    add_recording(
        recordings,
        {"model": "gpt-4o-mini", "messages": QUESTION, "stream": True},
        text="three, streamed",
        stream=True,
    )

    async def run():
        client = get_async_client()
        plain = await client.chat.completions.create(model="m", messages=QUESTION)
        stream = await client.chat.completions.create(model="m", messages=QUESTION, stream=True)
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        return plain.choices[0].message.content, text

    assert asyncio.run(run()) == ("three", "three, streamed")


def test_raw_http_client_replays_offline(recordings, no_sockets):
    body = {"model": "gpt-4o-mini", "messages": QUESTION}
    add_recording(recordings, body, text="3")
    http = get_http_client()
    response = http.post("https://api.openai.com/v1/chat/completions", json=body)
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "3"


def test_describe_mode_says_offline_and_hand_written(recordings, capsys):
    add_recording(recordings, {"model": "gpt-4o-mini", "messages": QUESTION}, text="3")
    describe_mode()
    line = capsys.readouterr().out.strip()
    assert line.startswith("Mode: OFFLINE") and "hand-written" in line
    assert "\n" not in line and str(recordings) not in line


def test_describe_mode_counts_recorded_answers(recordings):
    add_recording(
        recordings, {"model": "gpt-4o-mini", "messages": QUESTION}, text="3", origin="recorded"
    )
    assert "answers recorded from a real model" in mode_summary()


def test_describe_mode_live_names_the_server_and_model(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setenv("HOMEMADE_O1_MODEL", "llama3.2")
    assert mode_summary("live") == (
        "Mode: LIVE. Calling http://localhost:11434/v1 with model llama3.2; "
        "no key (a local server needs none)."
    )


# ---- live over real HTTP -----------------------------------------------------------
def test_sdk_retries_a_429_then_succeeds(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", fake_key())
    rate_limited = JsonReply(
        error_body("Rate limit reached", "requests", "rate_limit_exceeded"),
        status=429,
        headers={"retry-after-ms": "10"},
    )
    ok = JsonReply(chat_completion({"messages": QUESTION}, "3"))
    with StubServer(replies_in_order([rate_limited, ok])) as server:
        client = get_client("live", base_url=server.url, max_retries=2)
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
    assert reply.choices[0].message.content == "3"
    assert len(server.requests) == 2
    assert server.requests[1].headers.get("x-stainless-retry-count") == "1"


def test_a_slow_server_times_out_with_the_sdk_error(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", fake_key())
    slow = JsonReply(chat_completion({"messages": QUESTION}, "3"), delay=1.5)
    with StubServer(lambda request: slow) as server:
        client = get_client("live", base_url=server.url, timeout=0.3, max_retries=0)
        start = time.perf_counter()
        with pytest.raises(openai.APITimeoutError):
            client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
    assert time.perf_counter() - start < 1.2


def test_live_stream_over_http(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", fake_key())
    with StubServer() as server:
        client = get_client("live", base_url=server.url)
        stream = client.chat.completions.create(model="m", messages=QUESTION, stream=True)
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "Echo: How many r's are in strawberry?"


# ---- record mode ----------------------------------------------------------------------
def test_record_mode_saves_a_replayable_recording_without_secrets(recordings_folder, monkeypatch):
    key = fake_key()
    monkeypatch.setenv("OPENAI_API_KEY", key)
    monkeypatch.setenv("OPENAI_ORG_ID", "org-" + "A1b2C3d4" * 3)
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj_" + "Z9y8X7w6" * 3)
    monkeypatch.setenv("HOMEMADE_O1_RECORD_TAG", "unit")
    with StubServer() as server:
        client = get_client("record", base_url=server.url)
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
        stream = client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION, stream=True)
        streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert server.requests[0].headers["authorization"] == f"Bearer {key}"
    files = sorted((recordings_folder / "unit").glob("*.json"))
    assert len(files) == 2
    for path in files:
        text = path.read_text()
        assert key not in text and "org-A1b2" not in text and "proj_Z9y8" not in text
        assert "authorization" not in text.lower()
        assert json.loads(text)["metadata"]["origin"] == "recorded"

    replay = get_client("offline")
    again = replay.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
    assert again.choices[0].message.content == reply.choices[0].message.content
    stream = replay.chat.completions.create(model="gpt-4o-mini", messages=QUESTION, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == streamed


def test_record_mode_replaces_a_hand_written_answer(record_into):
    old = add_recording(record_into, {"model": "gpt-4o-mini", "messages": QUESTION}, text="old")
    with StubServer() as server:
        get_client("record", base_url=server.url).chat.completions.create(
            model="gpt-4o-mini", messages=QUESTION
        )
    assert not old.exists()
    library = RecordingLibrary(record_into)
    assert len(library) == 1 and library.origins() == {"recorded": 1}


def test_record_mode_with_the_async_client(record_into):

    async def run(url):
        client = get_async_client("record", base_url=url)
        await client.chat.completions.create(model="m", messages=QUESTION)
        stream = await client.chat.completions.create(model="m", messages=QUESTION, stream=True)
        return [chunk async for chunk in stream]

    with StubServer() as server:
        chunks = asyncio.run(run(server.url))
    assert chunks
    assert len(RecordingLibrary(record_into)) == 2


def test_record_mode_keeps_errors_out_of_the_recordings(record_into):
    broken = JsonReply(error_body("Server error"), status=500)
    with StubServer(lambda request: broken) as server:
        with pytest.raises(openai.InternalServerError):
            get_client("record", base_url=server.url, max_retries=0).chat.completions.create(
                model="m", messages=QUESTION
            )
    assert len(RecordingLibrary(record_into)) == 0


def test_client_module_sends_no_key_offline(recordings):
    assert client_module.api_key() == client_module.OFFLINE_API_KEY


def test_stream_reply_drop_is_seen_by_the_sdk(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", fake_key())
    chunks = chat_completion_chunks({"messages": QUESTION}, "a fairly long answer text here")
    with StubServer(lambda request: StreamReply(chunks, drop_after=4)) as server:
        client = get_client("live", base_url=server.url, max_retries=0)
        stream = client.chat.completions.create(model="m", messages=QUESTION, stream=True)
        with pytest.raises(openai.APIConnectionError):
            list(stream)


def test_repeats_count_across_clients_in_one_session(recordings):
    body = {"model": "gpt-4o-mini", "messages": QUESTION, "temperature": 1.0}
    for repeat, text in enumerate(["first", "second"]):
        add_recording(recordings, body, text=text, repeat=repeat)
    answers = [
        get_client()
        .chat.completions.create(model="m", messages=QUESTION, temperature=1.0)
        .choices[0]
        .message.content
        for _ in range(2)  # a new client each time, as think() makes by default
    ]
    assert answers == ["first", "second"]


def test_record_mode_numbers_repeats_across_clients(record_into):
    with StubServer() as server:
        for _ in range(3):
            get_client("record", base_url=server.url).chat.completions.create(
                model="m", messages=QUESTION
            )
    repeats = sorted(r.repeat for r in RecordingLibrary(record_into).recordings)
    assert repeats == [0, 1, 2]


def test_the_library_is_reloaded_when_a_recording_changes(recordings):
    body = {"model": "gpt-4o-mini", "messages": QUESTION}
    path = add_recording(recordings, body, text="before")
    assert client_module.load_library() is client_module.load_library()
    document = json.loads(path.read_text())
    document["response"]["body"]["choices"][0]["message"]["content"] = "after, and longer"
    path.write_text(json.dumps(document))
    reply = get_client().chat.completions.create(model="m", messages=QUESTION)
    assert reply.choices[0].message.content == "after, and longer"


def test_drafting_asks_for_repeats_beyond_the_recorded_ones(
    recordings, monkeypatch, tmp_path_factory
):
    drafts = tmp_path_factory.mktemp("drafts")
    monkeypatch.setenv("HOMEMADE_O1_DRAFTS", str(drafts))
    body = {"model": "gpt-4o-mini", "messages": QUESTION}
    add_recording(recordings, body, text="only one")
    client = get_client()
    for _ in range(3):
        reply = client.chat.completions.create(model="m", messages=QUESTION)
        assert reply.choices[0].message.content == "only one"
    names = sorted(p.name for p in drafts.iterdir())
    assert [name[-14:] for name in names] == ["-r1.draft.json", "-r2.draft.json"]
