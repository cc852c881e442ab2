"""The shipped recordings: valid wire format, honestly marked, free of secrets."""

from __future__ import annotations

import json

import pytest

from helpers.modes.recording_files import (
    RecordingLibrary,
    build_recording,
    load_recording,
    redact,
    validate_recording,
    write_recording,
)
from helpers.modes.settings import PACKAGE_RECORDINGS
from helpers.modes.wire import chat_completion, chat_completion_chunks, split_into_tokens

LIBRARY = RecordingLibrary(PACKAGE_RECORDINGS)


def test_the_package_ships_recordings():
    assert len(LIBRARY) >= 10


@pytest.mark.parametrize("recording", LIBRARY.recordings, ids=lambda r: r.label(LIBRARY.root))
def test_each_recording_is_valid_marked_and_secret_free(recording):
    assert validate_recording(recording) == []


def test_hand_written_recordings_say_so_in_their_fingerprint():
    for recording in LIBRARY.recordings:
        if recording.origin != "hand-written":
            continue
        response = recording.response
        fingerprints = (
            {c.get("system_fingerprint") for c in response["stream"]}
            if recording.is_stream
            else {response["body"].get("system_fingerprint")}
        )
        assert fingerprints == {"fp_handwritten"}, recording.label(LIBRARY.root)


def test_no_two_recordings_answer_the_same_request_and_repeat():
    seen = set()
    for recording in LIBRARY.recordings:
        key = (recording.key, recording.repeat)
        assert key not in seen, f"duplicate: {recording.label(LIBRARY.root)}"
        seen.add(key)


def test_redact_removes_keys_and_account_ids():
    key = "sk-proj-" + "abcDEF123456" * 3
    text = f"Bearer {key} org-{'x1Y2z3' * 3} proj_{'Q9w8E7' * 3} hello"
    cleaned = redact(text, (key,))
    assert key not in cleaned and "org-x1Y2" not in cleaned and "proj_Q9w8" not in cleaned
    assert cleaned.endswith("hello")


def test_a_malformed_file_is_reported_by_name(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"metadata": {"origin": "made-up"}}))
    with pytest.raises(ValueError, match="broken.json: metadata.origin"):
        load_recording(path)


def test_validation_catches_a_body_that_is_not_the_api_format(tmp_path):
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    document = build_recording(
        method="POST",
        endpoint="chat/completions",
        body=body,
        response={"status": 200, "body": {"choices": "not a list"}},
        origin="recorded",
    )
    recording = load_recording(write_recording(tmp_path, document))
    problems = validate_recording(recording)
    assert any("not in the API's format" in p for p in problems)


def test_wire_chunks_rebuild_the_text_and_count_tokens():
    request = {
        "messages": [{"role": "user", "content": "hi"}],
        "stream_options": {"include_usage": True},
    }
    text = 'Line one,\nline "two" with ünïcode and 1234567 digits.'
    chunks = chat_completion_chunks(request, text)
    rebuilt = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert rebuilt == text
    assert chunks[-1]["usage"]["completion_tokens"] == len(split_into_tokens(text))
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"


def test_wire_completion_with_several_choices_and_tool_calls():
    request = {"messages": [{"role": "user", "content": "hi"}], "n": 2}
    body = chat_completion(request, ["a", "b"])
    assert [c["message"]["content"] for c in body["choices"]] == ["a", "b"]
    assert body["usage"]["total_tokens"] == (
        body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    )


def test_wire_completion_without_a_finish_reason_sends_null():
    body = chat_completion(
        {"messages": [{"role": "user", "content": "hi"}]}, "a", finish_reason=None
    )
    assert body["choices"][0]["finish_reason"] is None


def test_a_streamed_hand_written_recording_needs_text(tmp_path):
    from tests.support.recordings import add_recording

    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    with pytest.raises(ValueError, match="needs text"):
        add_recording(tmp_path, body, text=None, stream=True)
    assert not any(tmp_path.rglob("*.json"))  # nothing half-written
