"""Small helpers of the foundation: prices, error advice, keys, the checkup, prompts."""

from __future__ import annotations

import json
import math
import os
import socket

import httpx2
import openai
import pytest

import helpers
from helpers.checks.checkup import Check, check_package, check_python, run_checkup
from helpers.errors import explain_error
from helpers.modes import keys
from helpers.prices import estimate_cost, format_cost, price_for
from helpers.reasoning import Reasoning, Usage
from tests.support.server import JsonReply, StubServer, replies_in_order


# ---- prices ---------------------------------------------------------------------
def test_dated_model_names_find_their_family():
    assert price_for("gpt-4o-mini-2024-07-18") == helpers.PRICES["gpt-4o-mini"]
    assert price_for("gpt-4o-2024-08-06") == helpers.PRICES["gpt-4o"]
    assert price_for("openai/gpt-4o-mini") == helpers.PRICES["gpt-4o-mini"]
    assert price_for("llama3.2") is None


def test_cost_of_a_call():
    usage = {"prompt_tokens": 1_000_000, "completion_tokens": 500_000}
    assert math.isclose(estimate_cost(usage, "gpt-4o-mini"), 0.15 + 0.30)
    assert estimate_cost(Usage(prompt_tokens=2000, completion_tokens=0), "gpt-4o") == 0.005
    assert estimate_cost(usage, "llama3.2") is None


def test_runs_on_this_computer(monkeypatch):
    from helpers.prices import runs_on_this_computer

    assert not runs_on_this_computer()  # offline: nothing runs
    monkeypatch.setenv("HOMEMADE_O1_MODE", "local")
    assert runs_on_this_computer()
    monkeypatch.setenv("HOMEMADE_O1_MODE", "live")
    for url in ("http://127.0.0.1:8080/v1", "http://localhost:11434/v1", "http://[::1]:1/v1"):
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        assert runs_on_this_computer(), url
    for url in ("https://models.example.com/v1", "http://192.168.1.20:8080/v1"):
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        assert not runs_on_this_computer(), url


@pytest.mark.parametrize(
    ("dollars", "text"),
    [(None, "n/a"), (0, "$0"), (0.000123, "$0.000123"), (0.5, "$0.5"), (12.345, "$12.35")],
)
def test_format_cost(dollars, text):
    assert format_cost(dollars) == text


# ---- error advice ---------------------------------------------------------------
def _status_error(cls, status, body=None):
    request = httpx2.Request("POST", "https://api.openai.com/v1/chat/completions")
    response = httpx2.Response(status, request=request, json=body or {})
    return cls("error", response=response, body=body)


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (_status_error(openai.AuthenticationError, 401), "OPENAI_API_KEY"),
        (_status_error(openai.NotFoundError, 404), "model name"),
        (
            _status_error(openai.RateLimitError, 429, {"error": {"code": "rate_limit_exceeded"}}),
            "wait",
        ),
        (
            _status_error(openai.RateLimitError, 429, {"error": {"code": "insufficient_quota"}}),
            "credit",
        ),
        (openai.APITimeoutError(httpx2.Request("POST", "http://x")), "timeout"),
        (openai.APIConnectionError(request=httpx2.Request("POST", "http://x")), "OPENAI_BASE_URL"),
        (helpers.RecordingNotFoundError("miss"), "recorded"),
        (helpers.ConfigurationError("Bad setting: fix it.\nmore"), "Bad setting"),
    ],
)
def test_every_error_gets_one_line_of_advice(error, words):
    advice = explain_error(error)
    assert words in advice and "\n" not in advice


def test_bad_request_quotes_the_server():
    error = _status_error(
        openai.BadRequestError,
        400,
        {"error": {"message": "response_format json_schema not supported"}},
    )
    assert "json_schema not supported" in explain_error(error)


# ---- keys -----------------------------------------------------------------------
def test_ask_for_key_stays_offline_when_nobody_can_type(monkeypatch, capsys):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    def no_stdin(prompt):
        raise NotImplementedError("no stdin in this kernel")

    monkeypatch.setattr(keys.getpass, "getpass", no_stdin)
    keys.ask_for_key()
    assert "stay offline" in capsys.readouterr().out
    assert "OPENAI_API_KEY" not in os.environ


def test_ask_for_key_saves_the_key_for_the_session_and_never_prints_it(monkeypatch, capsys):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("HOMEMADE_O1_MODE", raising=False)
    secret = "sk-" + "typedbyhand" * 3
    monkeypatch.setattr(keys.getpass, "getpass", lambda prompt: f"  {secret}\n")
    keys.ask_for_key()
    # saved in the key file, not in this process's environment (child processes inherit that)
    assert "OPENAI_API_KEY" not in os.environ
    assert helpers.get_client().api_key == secret
    out = capsys.readouterr().out
    assert secret not in out and "Mode: live" in out
    keys.forget_key()


def test_use_local_server_and_forget(monkeypatch, capsys):
    monkeypatch.delenv("HOMEMADE_O1_MODE", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    keys.use_local_server("http://localhost:8080/v1/", model="qwen2.5:7b")
    assert os.environ["OPENAI_BASE_URL"] == "http://localhost:8080/v1"
    assert helpers.default_model() == "qwen2.5:7b"
    keys.forget_key()
    assert "OPENAI_BASE_URL" not in os.environ
    assert "Mode: offline" in capsys.readouterr().out


def test_forget_key_also_forgets_the_local_servers_model(monkeypatch):
    monkeypatch.delenv("HOMEMADE_O1_MODEL", raising=False)
    default = helpers.default_model()
    keys.use_local_server("http://localhost:11434/v1", model="llama3.2")
    keys.forget_key()
    # a key typed next must not be sent to OpenAI with the local server's model name
    assert "HOMEMADE_O1_MODEL" not in os.environ and helpers.default_model() == default


# ---- checkup ----------------------------------------------------------------------
def test_checkup_passes_offline():
    checks = run_checkup()
    assert all(isinstance(c, Check) for c in checks)
    failed = [str(c) for c in checks if c.status == "FAIL"]
    assert not failed
    assert checks[-1].name == "round trip" and "pong" in checks[-1].detail


def test_checkup_reports_a_missing_package(monkeypatch):
    monkeypatch.setitem(
        helpers.checks.checkup.PACKAGES,
        "no_such_module_xyz",
        ("no-such-dist", None, "pip install it"),
    )
    check = check_package("no_such_module_xyz")
    assert check.status == "FAIL" and "pip install it" in str(check)


def test_checkup_fails_old_python(monkeypatch):
    monkeypatch.setattr(helpers.checks.checkup, "MIN_PYTHON", (9, 0))
    assert check_python().status == "FAIL"


def test_round_trip_failure_comes_with_a_fix(recordings_folder):  # nothing recorded there
    check = helpers.checks.checkup.check_round_trip()
    assert check.status == "FAIL" and "recorded" in check.fix


# ---- prompts and the Reasoning shape --------------------------------------------------
def test_step_messages_keep_the_question_alone():
    messages = helpers.step_messages("What is 2 + 2?")
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[1]["content"] == "What is 2 + 2?"
    assert "JSON" in messages[0]["content"] and '"steps"' in messages[0]["content"]


def test_the_schema_and_the_pydantic_model_agree():
    schema = helpers.STEPS_JSON_SCHEMA["json_schema"]["schema"]
    generated = helpers.StepAnswer.model_json_schema()
    assert set(schema["properties"]) == set(generated["properties"])
    assert schema["required"] == generated["required"]
    answer = helpers.StepAnswer.model_validate_json(json.dumps({"steps": ["a"], "result": "b"}))
    assert answer.steps == ["a"]


def test_reasoning_text_and_escaped_html():
    reasoning = Reasoning(
        steps=["<b>bold</b>", "two"],
        result="<img src=x onerror=alert(1)>",
        titles=["T1"],
        question="Q?",
    )
    assert reasoning.titles == ["T1", None]
    text = reasoning.to_text()
    assert "Step 1 (T1): <b>bold</b>" in text
    html = reasoning.to_html()
    assert "<img" not in html and "&lt;img" in html and "&lt;b&gt;bold" in html


def test_usage_adds_up():
    total = sum([Usage(10, 5, 0, 15), Usage(20, 10, 3, 30)])
    assert (total.prompt_tokens, total.completion_tokens, total.calls) == (30, 15, 2)
    assert "3 of them hidden reasoning" in total.describe()
    assert Usage.from_api({"prompt_tokens": 3, "completion_tokens": 4}).total_tokens == 7


# ---- the package's lazy names ---------------------------------------------------------
def test_every_public_name_loads_and_none_is_shadowed_by_a_module():
    import importlib
    import pkgutil

    submodules = {info.name for info in pkgutil.iter_modules(helpers.__path__)}
    for name in helpers.__all__:
        value = getattr(helpers, name)
        if name not in helpers._SUBPACKAGES:
            assert name not in submodules, f"helpers.{name} is both a module and a name"
            assert not isinstance(value, type(importlib)), f"helpers.{name} is a module"
    assert "think" in dir(helpers)
    with pytest.raises(AttributeError):
        helpers.no_such_name  # noqa: B018


def test_importing_helpers_loads_nothing_heavy():
    import subprocess
    import sys

    heavy = "('openai', 'ipywidgets', 'matplotlib')"
    code = f"import sys, helpers; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_advice_is_attached_once():
    from helpers.errors import add_advice

    error = openai.APITimeoutError(httpx2.Request("POST", "http://x"))
    assert add_advice(add_advice(error)) is error
    notes = getattr(error, "__notes__", None)
    if notes is not None:  # exception notes exist from Python 3.11
        assert len(notes) == 1 and "timeout" in notes[0]


# ---- checkup: the model name on a live server -------------------------------------------
def _models(*names: str) -> JsonReply:
    data = [{"id": name, "object": "model", "created": 0, "owned_by": "me"} for name in names]
    return JsonReply({"object": "list", "data": data})


def _model_check_against(
    monkeypatch, reply: JsonReply, model: str, mode: str = "live"
) -> tuple[Check, list]:
    monkeypatch.setenv("HOMEMADE_O1_MODE", mode)
    monkeypatch.setenv("HOMEMADE_O1_MODEL", model)
    with StubServer(replies_in_order([reply])) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        check = helpers.checks.checkup.check_model()
    return check, server.requests


def test_model_check_finds_the_model_on_the_server(monkeypatch):
    check, requests = _model_check_against(monkeypatch, _models("a", "gpt-4o-mini"), "gpt-4o-mini")
    assert check.status == "OK" and "served here (2 models" in check.detail
    assert [(r.method, r.path) for r in requests] == [("GET", "/v1/models")]


def test_model_check_accepts_an_ollama_name_without_its_tag(monkeypatch):
    check, requests = _model_check_against(monkeypatch, _models("llama3.2:latest"), "llama3.2")
    assert check.status == "OK" and "served here" in check.detail and len(requests) == 1


def test_model_check_names_the_models_the_server_has(monkeypatch):
    check, _ = _model_check_against(
        monkeypatch, _models("qwen2.5:7b", "llama3.2:latest"), "gpt-4o-mini"
    )
    assert check.status == "WARN"
    assert "no model called 'gpt-4o-mini'" in check.detail
    assert "llama3.2:latest, qwen2.5:7b" in check.detail
    assert "HOMEMADE_O1_MODEL=llama3.2:latest" in check.fix


def test_model_check_is_fine_when_a_server_cannot_list_models(monkeypatch):
    reply = JsonReply({"error": {"message": "not found"}}, status=404)
    check, _ = _model_check_against(monkeypatch, reply, "my-model")
    assert check.status == "OK" and "model list is not available" in check.detail


def test_model_check_is_not_ok_when_no_server_answers(monkeypatch, capsys):
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HOMEMADE_O1_MODE", "live")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    check = helpers.checks.checkup.check_model()
    assert check.status == "WARN" and "no server answered" in check.detail
    helpers.print_checkup()
    model_row = next(line for line in capsys.readouterr().out.splitlines() if "] model:" in line)
    assert model_row.startswith("[WARN]")


def test_model_check_sends_nothing_offline(monkeypatch):
    check = helpers.checks.checkup.check_model()
    assert check.status == "OK" and "offline" in check.detail


def test_model_check_in_record_mode_writes_no_recording(monkeypatch, recordings_folder):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    check, requests = _model_check_against(
        monkeypatch, _models("gpt-4o-mini"), "gpt-4o-mini", mode="record"
    )
    assert check.status == "OK" and len(requests) == 1
    assert not list(recordings_folder.rglob("*.json"))


# ---- checkup in local mode ---------------------------------------------------------------
def test_model_check_in_local_mode_asks_the_local_model(local_mode, capsys):
    check = helpers.checks.checkup.check_model()
    assert check.status == "OK", check
    assert f"{local_mode.stem} is loaded on this computer" in check.detail
    helpers.print_checkup()
    rows = capsys.readouterr().out.splitlines()
    assert next(line for line in rows if "] model:" in line).startswith("[OK  ]")
    assert next(line for line in rows if "] mode:" in line).startswith("[OK  ]")


def test_model_check_in_local_mode_accepts_another_requested_name(local_mode, monkeypatch):
    monkeypatch.setenv("HOMEMADE_O1_MODEL", "gpt-4o-mini")
    check = helpers.checks.checkup.check_model()
    assert check.status == "OK" and "answers requests for 'gpt-4o-mini'" in check.detail


def test_checkup_in_local_mode_without_the_model_file_is_not_ok(monkeypatch, tmp_path):
    monkeypatch.setenv("HOMEMADE_O1_MODE", "local")
    monkeypatch.setenv("HOMEMADE_O1_LOCAL_MODEL", str(tmp_path / "missing.gguf"))
    mode_row = helpers.checks.checkup.check_mode()
    assert mode_row.status == "FAIL" and "cannot start" in mode_row.detail
    assert mode_row.fix  # what to do: install the extra, or get the model
    assert helpers.checks.checkup.check_model().status != "OK"
