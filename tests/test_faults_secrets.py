"""The key never reaches an exception message, an output or a results file, even when
a server echoes the request's Authorization header back (issue 14, finding 4).

Live clients from `get_client` cut the key out of every reply body before the SDK
reads it; the results store scrubs the text a server sent (`result`, `error`,
`served_by`) whatever client the harness was given.
"""

from __future__ import annotations

import openai
import pytest

import helpers
from helpers.evaluation.store import ResultStore, read_results
from tests.support.fault_calls import (
    ENTRY_POINTS,
    LAST_VIEWER_TEXT,
    QUESTION,
    HarnessRowsFailed,
    fake_key,
    live_settings,
    run_entries,
)
from tests.support.fault_server import FaultServer

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
