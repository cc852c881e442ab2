"""Recorded agent runs quote the tools: `scripts/recordings.py observations` keeps them true."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from helpers.agents.native import TOOL_AGENT_SYSTEM_PROMPT
from helpers.agents.text import react_messages
from helpers.modes.recording_files import RecordingLibrary
from helpers.modes.settings import PACKAGE_RECORDINGS
from helpers.modes.wire import estimate_prompt_tokens
from helpers.tools.registry import default_tools, tool_schemas
from tests.support.recordings import add_recording

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "recordings.py"


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("recordings_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_shipped_observation_is_what_the_tools_return_now(script):
    library = RecordingLibrary(PACKAGE_RECORDINGS)
    replayed = stale = 0
    for recording in library.recordings:
        replayed += len(script.replayed_observations(recording.request["body"]))
        for index, _, now in script.stale_observations(recording):
            stale += 1
            print(f"{recording.label(library.root)}: message {index} should read {now[:80]!r}")
    assert replayed >= 20  # the agent runs of notebook 06 are really looked at
    assert stale == 0, "run: python scripts/recordings.py observations --write"


def text_run(observation: str) -> dict:
    messages = react_messages("What is 6 times 7?", default_tools())
    act = "Action: calculator\nAction Input: 6*7"
    messages += [
        {
            "role": "assistant",
            "content": "Thought: multiply.\n" + act,
        },
        {"role": "user", "content": f"Observation: {observation}"},
        {"role": "assistant", "content": "Thought: again.\n" + act},
        {"role": "user", "content": "Observation: stale warning"},
    ]
    return {"model": "m", "messages": messages, "stop": ["Observation:"]}


def native_run(result: str) -> dict:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "search_notes", "arguments": '{"query": "Moon distance"}'},
    }
    return {
        "model": "m",
        "messages": [
            {"role": "system", "content": TOOL_AGENT_SYSTEM_PROMPT},
            {"role": "user", "content": "How far is the Moon?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": result},
        ],
        "tools": tool_schemas(default_tools()),
    }


def test_stale_observations_are_found_and_rewritten(script, tmp_path):
    old_text = add_recording(tmp_path, text_run("41"), text="Thought: done.\nFinal Answer: 42")
    moon = native_run("1. The Moon: old words")
    old_native = add_recording(tmp_path, moon, text="About 384,400 km.")
    assert script.refresh_observations(tmp_path, write=False) == 2
    assert old_text.exists() and old_native.exists()  # only listed

    assert script.refresh_observations(tmp_path, write=True) == 2
    assert not old_text.exists() and not old_native.exists()  # named after the new request
    library = RecordingLibrary(tmp_path)
    by_question = {r.request["body"]["messages"][1]["content"]: r for r in library.recordings}
    text = by_question["What is 6 times 7?"]
    messages = text.request["body"]["messages"]
    assert messages[3]["content"] == "Observation: 42"
    assert messages[5]["content"].startswith("Observation: Error: you already ran calculator")
    assert text.response["body"]["choices"][0]["message"]["content"].endswith("Final Answer: 42")
    assert text.metadata["origin"] == "hand-written"
    prompt = estimate_prompt_tokens(text.request["body"])
    assert text.metadata["usage"]["prompt_tokens"] == prompt
    assert text.response["body"]["usage"]["prompt_tokens"] == prompt
    native = by_question["How far is the Moon?"].request["body"]["messages"]
    assert native[3]["content"].startswith("1. The Moon (moon.md)\n")
    assert script.refresh_observations(tmp_path, write=False) == 0


def test_other_recordings_are_left_alone(script, tmp_path):
    body = {"model": "m", "messages": [{"role": "user", "content": "Observation: hi"}]}
    path = add_recording(tmp_path, body, text="Hello.")
    before = path.read_text(encoding="utf-8")
    assert script.refresh_observations(tmp_path, write=True) == 0
    assert path.read_text(encoding="utf-8") == before
    assert json.loads(before)["request"]["body"] == body
