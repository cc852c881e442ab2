"""The key never reaches an exception message, an output or a results file, even when
a server echoes the request's Authorization header back (issue 14, finding 4).

Live clients from `get_client` cut the key out of every reply body before the SDK
reads it; the results store scrubs the text a server sent (`result`, `error`,
`served_by`) whatever client the harness was given. A key a stream spreads over
several events is cut out of the text a learner joins from the raw deltas, and a
stream without the key delivers exactly the text the server sent.
"""

from __future__ import annotations

import asyncio
import json

import openai
import pytest
from openai._streaming import SSEDecoder

import helpers
from helpers.evaluation.store import ResultStore, read_results
from helpers.modes.reply_checks import EventStreamReader
from helpers.modes.wire import chat_completion_chunks
from tests.support.fault_calls import (
    ENTRY_POINTS,
    LAST_VIEWER_TEXT,
    MESSAGES,
    QUESTION,
    HarnessRowsFailed,
    fake_key,
    live_settings,
    run_entries,
)
from tests.support.fault_server import FaultServer
from tests.support.server import StreamReply, StubServer, replies_in_order

KEY = fake_key()
ECHO_STATUSES = (401, 400, 404, 422, 500)


@pytest.fixture(autouse=True)
def live(monkeypatch):
    for name, value in live_settings(KEY).items():
        monkeypatch.setenv(name, value)


def leaks(text: str) -> bool:
    """The key, or a long enough piece of it to use, is in `text`."""
    return KEY in text or KEY[3:24] in text


@pytest.mark.parametrize("status", ECHO_STATUSES)
def test_an_echoed_key_is_in_no_error_from_any_entry_point(status):
    with FaultServer("echo_key_error", status=status) as server:
        outcomes = run_entries(list(ENTRY_POINTS), server.url, 10)
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"  # it had the key
    for entry, outcome in outcomes.items():
        if entry == "http client":  # a plain HTTP client returns the reply, scrubbed
            assert outcome.error is None and f"{status} " in outcome.shown
            assert "[redacted]" in outcome.shown and not leaks(outcome.shown)
            continue
        assert outcome.error is not None, f"{entry}: {outcome.shown}"
        assert not leaks(outcome.error_text), f"{entry}: {outcome.error_text}"
        assert not leaks(outcome.advice) and not leaks(repr(outcome.error))


@pytest.mark.parametrize("status", [400, 422, 500])
def test_an_echoed_key_is_in_no_results_row(tmp_path, status):
    path = tmp_path / "results.jsonl"
    problems = helpers.make_problems("letters", 3)
    with FaultServer("echo_key_error", status=status) as server:
        for client in (
            helpers.get_async_client(base_url=server.url, max_retries=0),
            openai.AsyncOpenAI(base_url=server.url, api_key=KEY, max_retries=0),  # no scrub
        ):
            report = helpers.evaluate(
                problems, ("direct",), client=client, results_path=path, progress=False
            )
            assert report.run.failed_calls == 3
            text = path.read_text(encoding="utf-8")
            assert not leaks(text), text
            if status != 500:  # the server's own words are kept, without the key
                assert "Not accepted: Bearer [redacted]" in text, text
            path.unlink()


def test_a_reply_that_holds_the_key_is_shown_and_stored_without_it(tmp_path):
    with FaultServer("echo_key_reply") as server:
        outcomes = run_entries(list(ENTRY_POINTS), server.url, 10)
        path = tmp_path / "results.jsonl"
        client = openai.AsyncOpenAI(base_url=server.url, api_key=KEY, max_retries=0)
        helpers.evaluate(
            helpers.make_problems("letters", 2),
            ("direct", "cot"),
            client=client,
            results_path=path,
            progress=False,
        )
    for entry, outcome in outcomes.items():
        text = outcome.shown + outcome.error_text
        if isinstance(outcome.error, HarnessRowsFailed):
            text += outcome.error.text
        assert not leaks(text), f"{entry}: {text}"
    assert "[redacted]" in outcomes["think"].shown and "[redacted]" in outcomes["evaluate"].shown
    assert not leaks(LAST_VIEWER_TEXT["think(stream)"])  # what the widget shows at the end
    stored = path.read_text(encoding="utf-8")
    assert "[redacted]" in stored and not leaks(stored)


def test_the_store_scrubs_server_text_whatever_wrote_the_row(tmp_path, monkeypatch):
    path = tmp_path / "r.jsonl"
    other = "not-an-sk-" + "shaped-secret-0123456789"  # split: the file holds no key-shaped text
    monkeypatch.setenv("OPENAI_API_KEY", other)
    row = {
        "problem_id": "p1",
        "strategy": "direct",
        "sample": 0,
        "result": f"the key is {KEY}",
        "error": f"400: Authorization: Bearer {other}",
        "served_by": "model-for-" + other,
        "question": "kept as it is",
    }
    with ResultStore(path, secrets=["a-given-secret-9876"]) as store:
        store.append({**row, "problem_id": "p2", "result": "a-given-secret-9876"})
        store.append(row)
    text = path.read_text(encoding="utf-8")
    assert KEY not in text and other not in text and "a-given-secret-9876" not in text
    assert [r["question"] for r in read_results(path)] == ["kept as it is"] * 2


# ---- the exception text of a client that does not scrub replies -------------------------
# (held by the exception-message redaction of helpers/errors.py and helpers/modes/redaction.py)
@pytest.mark.parametrize("status", ECHO_STATUSES)
def test_an_echoed_key_is_in_no_error_even_from_a_plain_client(status):
    with FaultServer("echo_key_error", status=status) as server:
        client = openai.OpenAI(base_url=server.url, api_key=KEY, max_retries=0)
        with pytest.raises(openai.APIStatusError) as caught:
            helpers.think(QUESTION, client=client)
    error = caught.value
    shown = "\n".join([str(error), repr(error), *getattr(error, "__notes__", [])])
    assert not leaks(shown), shown


# ---- a key spread over a stream's events (a learner's own loop over raw deltas) ----------
# The server sends the text it is given in pieces, one event each; a learner joins the
# deltas of a raw SDK stream. No single event holds the key, yet the joined text would.
FIELDS = ("content", "reasoning_content", "tool_calls")
SAID = "The header said {key}, and that is all."


def split_at(text: str, cuts: list[int]) -> list[str]:
    """`text` cut at the given positions."""
    edges = [0, *cuts, len(text)]
    return [text[start:end] for start, end in zip(edges, edges[1:])]


def key_pieces(text: str, how: str) -> list[str]:
    """`text` in pieces that split the key in it over 2 or 3 events, or one character each."""
    start = text.index(KEY) if KEY in text else 0
    if how == "2":
        return split_at(text, [start + 5])
    if how == "3":
        return split_at(text, [start + 5, start + 20])
    return list(text)


def stream_chunk(index: int, delta: dict, finish_reason: str | None = None) -> dict:
    choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
    return {
        "id": "chatcmpl-split",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "fault-test-model",
        "choices": [choice],
    }


def text_delta(field: str, piece: str, first: bool = False) -> dict:
    """A delta carrying `piece` in `field` (a tool call's arguments for "tool_calls")."""
    if field != "tool_calls":
        return {field: piece}
    call: dict = {"index": 0, "function": {"arguments": piece}}
    if first:
        call.update(id="call_1", type="function")
        call["function"]["name"] = "calculator"
    return {"tool_calls": [call]}


def field_events(field: str, pieces: list[str], index: int = 0, finish: bool = True) -> list:
    events = [
        stream_chunk(index, text_delta(field, piece, not n)) for n, piece in enumerate(pieces)
    ]
    if finish:
        events.append(stream_chunk(index, {}, "tool_calls" if field == "tool_calls" else "stop"))
    return events


def joined_text(chunks, field: str) -> dict[int, str]:
    """What a learner's loop over the raw deltas prints, for each choice."""
    texts: dict[int, str] = {}
    for chunk in chunks:
        for choice in chunk.choices:
            delta = choice.delta
            if field == "tool_calls":
                calls = delta.tool_calls or []
                piece = "".join(call.function.arguments or "" for call in calls if call.function)
            else:
                piece = getattr(delta, field, None) or ""
            texts[choice.index] = texts.get(choice.index, "") + piece
    return texts


def raw_stream(events: list, field: str, use_async: bool = False) -> dict[int, str]:
    """Serve `events`, read them with a live client's raw SDK stream, join each choice's text."""
    with StubServer(replies_in_order([StreamReply(events)])) as server:
        options = {"model": "fault-test-model", "messages": MESSAGES, "stream": True}
        if not use_async:
            client = helpers.get_client(base_url=server.url, max_retries=0)
            return joined_text(list(client.chat.completions.create(**options)), field)

        async def read() -> list:
            client = helpers.get_async_client(base_url=server.url, max_retries=0)
            try:
                return [chunk async for chunk in await client.chat.completions.create(**options)]
            finally:
                await client.close()

        return joined_text(asyncio.run(read()), field)


@pytest.mark.parametrize("how", ["2", "3", "one character each"])
@pytest.mark.parametrize("field", [*FIELDS, "reasoning", "refusal"])
def test_a_key_split_over_events_is_not_in_the_joined_text(field, how):
    text = SAID.format(key=KEY)
    texts = raw_stream(field_events(field, key_pieces(text, how)), field)
    assert not leaks(texts[0]), texts[0]
    assert texts[0] == SAID.format(key="[redacted]")


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_two_choices_interleaved_each_lose_the_key(use_async):
    first = field_events("content", key_pieces(SAID.format(key=KEY), "3"), index=0)
    second_text = f"{KEY[:6]} is not it; {KEY} is."
    second = field_events("content", key_pieces(second_text, "one character each"), index=1)
    events = []
    for number in range(max(len(first), len(second))):  # choice 0 finishes first
        events += first[number : number + 1] + second[number : number + 1]
    texts = raw_stream(events, "content", use_async)
    assert not leaks(texts[0]) and not leaks(texts[1]), texts
    assert texts == {0: SAID.format(key="[redacted]"), 1: f"{KEY[:6]} is not it; [redacted] is."}


@pytest.mark.parametrize("field", FIELDS)
def test_the_async_client_loses_a_split_key_too(field):
    text = SAID.format(key=KEY)
    texts = raw_stream(field_events(field, key_pieces(text, "one character each")), field, True)
    assert texts[0] == SAID.format(key="[redacted]")


# Texts without the key, some holding a start of it that does not go on into the key:
# every character must arrive, in order (held-back text is delivered, never dropped).
KEYLESS = (
    "A plain answer: 1234.",
    "sk- is how such keys begin, {start}... and then something else.",
    "It ends with almost the whole key: {almost}",
    "{start}{start}{start}",
)


@pytest.mark.parametrize("how", ["3", "one character each"])
@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("template", KEYLESS)
def test_a_stream_without_the_key_delivers_exactly_the_text_sent(template, field, how):
    text = template.format(start=KEY[:9], almost=KEY[:-1])
    pieces = key_pieces(text, how) if how != "3" else split_at(text, [4, len(text) - 3])
    assert raw_stream(field_events(field, pieces), field) == {0: text}


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_text_held_back_when_no_choice_finishes_arrives_before_done(use_async):
    text = f"No finish_reason, and it ends with a start of the key: {KEY[:12]}"
    events = field_events("content", list(text), finish=False)
    assert raw_stream(events, "content", use_async) == {0: text}
    events = field_events("content", list(SAID.format(key=KEY)), finish=False)
    assert raw_stream(events, "content", use_async) == {0: SAID.format(key="[redacted]")}


@pytest.mark.parametrize("field", FIELDS)
def test_text_held_back_arrives_with_the_event_that_finishes_its_choice(field):
    """A loop that stops at `finish_reason` still gets every character."""
    text = f"It ends with almost the whole key: {KEY[:-1]}"
    events = field_events(field, list(text))
    with StubServer(replies_in_order([StreamReply(events)])) as server:
        client = helpers.get_client(base_url=server.url, max_retries=0)
        options = {"model": "fault-test-model", "messages": MESSAGES, "stream": True}
        chunks = []
        for chunk in client.chat.completions.create(**options):
            chunks.append(chunk)
            if chunk.choices and chunk.choices[0].finish_reason:
                break
    assert joined_text(chunks, field) == {0: text}
    assert joined_text(chunks[-1:], field) == {0: KEY[:-1]}  # the finishing event holds it


# ---- the event-stream reader itself ----------------------------------------------------
def read_through(raw: bytes, size: int = 7) -> bytes:
    """`raw` passed through an `EventStreamReader` for KEY, fed `size` bytes at a time."""
    reader = EventStreamReader((KEY.encode(),))
    passed = [reader.feed(raw[start : start + size]) for start in range(0, len(raw), size)]
    return b"".join(passed) + reader.rest()


def sdk_texts(raw: bytes) -> str:
    """The joined `content` of the events the SDK's own decoder finds in `raw`."""
    events = SSEDecoder().iter_bytes(iter([raw]))
    chunks = [json.loads(event.data) for event in events if not event.data.startswith("[DONE]")]
    return "".join(
        choice["delta"].get("content") or "" for chunk in chunks for choice in chunk["choices"]
    )


def test_events_without_a_start_of_the_key_pass_byte_for_byte():
    body = {"model": "fault-test-model", "messages": MESSAGES}
    chunks = chat_completion_chunks(body, "A plain answer, no key in it: 1234 \u00e9.")
    compact = (",", ":")  # not how the reader writes JSON: a rewritten event would show
    raw = b"".join(f"data: {json.dumps(c, separators=compact)}\n\n".encode() for c in chunks)
    raw += b": a comment\n\ndata: [DONE]\n\n"
    assert read_through(raw) == raw


@pytest.mark.parametrize("line_end", ["\n", "\r", "\r\n"], ids=["LF", "CR", "CRLF"])
def test_events_are_followed_whatever_their_line_ends(line_end):
    events = field_events("content", list(SAID.format(key=KEY)))
    raw = "".join(f"data: {json.dumps(event)}{line_end * 2}" for event in events)
    passed = read_through(f"{raw}data: [DONE]{line_end * 2}".encode(), size=5)
    assert sdk_texts(passed) == SAID.format(key="[redacted]")


def test_text_held_back_at_the_end_of_a_stream_comes_before_an_unfinished_event():
    text = f"The stream stops after {KEY[:10]}"
    events = field_events("content", list(text), finish=False)
    raw = "".join(f"data: {json.dumps(event)}\n\n" for event in events) + 'data: {"choi'
    passed = read_through(raw.encode())
    assert sdk_texts(passed) == text and passed.endswith(b'data: {"choi')
