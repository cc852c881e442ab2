"""What a learner reads when something goes wrong (issues 12, 13 and 14).

* A miss in offline mode, a wrong setting, an unreadable answer or an API error with
  advice shows as a few lines in a notebook, checked in a real IPython kernel.
* The miss says what you asked, what was recorded, the nearest question by your words,
  and the ways on; it never advises a kernel restart.
* No key reaches an exception message, an advice line or the short rendering, whatever
  the server echoes, for each error status.
* Recording files and folders that cannot be used are named; a record tag cannot leave
  the recordings folder.
* Messages that were wrong: `{}`, a reply cut by the context window, server errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import nbformat
import openai
import pytest
from nbclient import NotebookClient

import helpers
from helpers.errors import add_advice, explain_error
from helpers.modes.client import get_client
from helpers.modes.error_display import FULL_TRACEBACK_HINT, render_traceback, short_lines
from helpers.modes.recording_files import (
    RecordingFormatError,
    RecordingLibrary,
    RecordingNotFoundError,
    build_recording,
    write_recording,
)
from helpers.modes.redaction import redact
from helpers.modes.settings import ConfigurationError
from helpers.modes.wire import chat_completion
from helpers.parsing.errors import ReasoningParseError
from helpers.thinking import read_reply
from tests.support.server import JsonReply, StubServer

ROOT = Path(__file__).resolve().parent.parent
LONG_SYSTEM = "You are a careful maths tutor who explains every step in plain words. " * 12


# ---- helpers for these tests -------------------------------------------------------------
def _record(folder: Path, body: dict, text: str = "ok", tag: str = "nb") -> None:
    document = build_recording(
        method="POST",
        endpoint="chat/completions",
        body=body,
        response={"status": 200, "body": chat_completion(body, text)},
        origin="hand-written",
        note="hand-written for a test",
    )
    write_recording(folder / tag, document)


def _ask(question: str, system: str | None = None) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system}] if system else []
    return [*messages, {"role": "user", "content": question}]


def _miss(folder: Path, **request) -> RecordingNotFoundError:
    library = RecordingLibrary(folder)
    with pytest.raises(RecordingNotFoundError) as caught:
        library.find("POST", "chat/completions", {"model": "m", **request})
    return caught.value


# ---- A. the miss message ----------------------------------------------------------------
def test_the_nearest_question_is_found_by_the_users_words_not_the_system_prompt(tmp_path):
    _record(tmp_path, {"model": "m", "messages": _ask("What is 2 + 3?", LONG_SYSTEM)})
    _record(tmp_path, {"model": "m", "messages": _ask("What is 17 * 24?", "Be brief.")})
    error = _miss(tmp_path, messages=_ask("What is 17 * 23?", LONG_SYSTEM))
    lines = str(error).splitlines()
    first_listed = next(line for line in lines if line.startswith("    "))
    assert "What is 17 * 24?" in first_listed, str(error)
    assert '  You asked: "What is 17 * 23?"' in lines
    assert "%" not in str(error), "no similarity score that a shared system prompt inflates"
    assert "tutor" not in str(error), "the system prompt is not what the learner asked"


def test_a_question_after_long_instructions_is_still_shown(tmp_path):
    # notebook 02's first prompt: instructions first, the question last, in one user message
    rules = "Work out the answer to the question below, in small numbered steps. " * 3
    _record(tmp_path, {"model": "m", "messages": _ask(rules + "Question: What is 2 + 3?")})
    error = _miss(tmp_path, messages=_ask(rules + "Question: What is 17 * 23?"))
    asked = next(line for line in str(error).splitlines() if "You asked" in line)
    assert asked.startswith('  You asked: "Work out the') and "What is 17 * 23?" in asked
    assert len(asked) <= 90
    assert "What is 2 + 3?" in str(error)  # the nearest recorded one shows its question too


def test_a_changed_setting_shows_your_value_and_the_recorded_ones(tmp_path):
    question = _ask("Name a pet robot.")
    for temperature in (0, 1.2):
        _record(tmp_path, {"model": "m", "messages": question, "temperature": temperature})
    error = _miss(tmp_path, messages=question, temperature=0.7)
    assert "temperature: 0.7 (recorded: 0, 1.2)" in str(error)
    assert "put back temperature=0 or 1.2" in str(error)
    assert error.put_back == "temperature=0 or 1.2"


@pytest.mark.parametrize(("recorded", "asked"), [(0.0, 0), (0, 0.0), (1.0, 1)])
def test_a_whole_number_matches_whether_written_as_an_int_or_a_float(tmp_path, recorded, asked):
    # temperature=0 and temperature=0.0 are one JSON number: the same request
    question = _ask("Name a pet robot.")
    _record(tmp_path, {"model": "m", "messages": question, "temperature": recorded})
    library = RecordingLibrary(tmp_path)
    body = {"model": "m", "messages": question, "temperature": asked}
    assert library.find("POST", "chat/completions", body).repeat == 0


def test_n_three_against_a_recorded_five_says_so_and_names_the_value_to_put_back(tmp_path):
    question = _ask("Pencils come in packs of 12. How many packs for 100?")
    _record(tmp_path, {"model": "m", "messages": question, "temperature": 0.8})
    _record(tmp_path, {"model": "m", "messages": question, "temperature": 0.8, "n": 5})
    error = _miss(tmp_path, messages=question, temperature=0.8, n=3)
    assert "n: 3 (recorded: 5, not set)" in str(error)
    assert "put back n=5 (or leave n out)" in str(error)


def test_a_new_setting_is_named_as_one_to_leave_out(tmp_path):
    question = _ask("What is 6 * 7?")
    _record(tmp_path, {"model": "m", "messages": question})
    error = _miss(tmp_path, messages=question, max_tokens=50)
    assert "max_tokens: 50 (recorded: not set)" in str(error)
    assert "put back no max_tokens (leave it out)" in str(error)


def test_a_changed_system_prompt_is_named(tmp_path):
    _record(tmp_path, {"model": "m", "messages": _ask("What is 6 * 7?", "Use JSON.")})
    error = _miss(tmp_path, messages=_ask("What is 6 * 7?", "Use XML."))
    assert "the system message differs from the recorded one" in str(error)
    assert "put back the notebook's system message" in str(error)


def test_every_miss_offers_three_ways_on_and_never_a_kernel_restart(tmp_path):
    _record(tmp_path, {"model": "m", "messages": _ask("What is 2 + 3?")})
    message = str(_miss(tmp_path, messages=_ask("What is the capital of Peru?")))
    assert "put back the notebook's question" in message
    assert "helpers.use_local_model()" in message and "make local" in message
    assert "helpers.ask_for_key()" in message and "helpers.use_local_server" in message
    assert "restart" not in message.replace("no kernel restart needed", "")
    assert len(message.splitlines()) <= 13  # the rendering adds a name and the %tb line


def test_explain_error_for_a_miss_is_one_line_naming_what_to_put_back(tmp_path):
    question = _ask("Name a pet robot.")
    _record(tmp_path, {"model": "m", "messages": question, "temperature": 1.2})
    line = explain_error(_miss(tmp_path, messages=question, temperature=0.2))
    assert "\n" not in line
    assert "put back temperature=1.2" in line and "helpers.use_local_model()" in line


# ---- A. the short rendering ------------------------------------------------------------
def _raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:
        return caught


@pytest.mark.parametrize(
    "error",
    [
        ConfigurationError("Live mode needs a key or a server: set OPENAI_API_KEY."),
        ReasoningParseError("truncated", "the reply stopped at max_tokens (30 tokens)"),
        RecordingNotFoundError('Offline mode has no recorded answer.\n  You asked: "x"'),
    ],
    ids=["configuration", "parse", "miss"],
)
def test_helper_errors_render_as_their_message_then_in_full_when_shown_again(error):
    error = _raised(error)
    short = error._render_traceback_()
    assert short[0] == f"{type(error).__name__}: {str(error).splitlines()[0]}"
    assert short[-1] == FULL_TRACEBACK_HINT
    assert not any("Traceback" in line or "File " in line for line in short)
    full = "".join(error._render_traceback_())  # what %tb shows
    assert "Traceback" in full and "_raised" in full


def _status_error(cls, status, body, key="sk-" + "k" * 30):
    request = httpx2.Request(
        "POST", "http://server/v1/chat/completions", headers={"Authorization": f"Bearer {key}"}
    )
    response = httpx2.Response(status, request=request, json=body)
    return cls(f"Error code: {status} - {body}", response=response, body=body)


def test_add_advice_makes_an_api_error_short_with_its_line_of_advice():
    error = add_advice(_status_error(openai.AuthenticationError, 401, {"error": {"message": "no"}}))
    lines = error._render_traceback_()
    assert lines[0].startswith("AuthenticationError: Error code: 401")
    assert any("check OPENAI_API_KEY" in line for line in lines)
    assert lines[-1] == FULL_TRACEBACK_HINT
    assert len(lines) == 3
    add_advice(error)
    assert len(error.__notes__) == 1, "advice is added once"


def test_a_miss_through_a_helper_gets_no_second_advice_line(tmp_path, monkeypatch):
    monkeypatch.setenv("HOMEMADE_O1_RECORDINGS", str(tmp_path))
    _record(tmp_path, {"model": "m", "messages": _ask("x")})
    with pytest.raises(RecordingNotFoundError) as caught:
        helpers.think("What is 17 * 23?", client=get_client("offline"))
    assert not getattr(caught.value, "__notes__", None)
    assert len(short_lines(caught.value)) <= 15


def test_outside_ipython_the_message_is_complete(tmp_path):
    _record(tmp_path, {"model": "m", "messages": _ask("What is 2 + 3?")})
    error = _miss(tmp_path, messages=_ask("What is 4 + 4?"))
    text = str(error)
    assert text.startswith("Offline mode has no recorded answer")
    assert "You asked" in text and "What is 2 + 3?" in text and "go live" in text


NOTEBOOK_CELLS = [
    # 0: set up, as a notebook would
    "import helpers\nclient = helpers.get_client()\n"
    "pencils = 'Pencils come in packs of 12. Tom needs 100 pencils. How many packs must he buy?'",
    # 1: a new question through the raw client
    "client.chat.completions.create(model='gpt-4o-mini', "
    "messages=helpers.step_messages('What is 17 * 23?'), response_format=helpers.JSON_MODE)",
    # 2: %tb shows the full traceback
    "%tb",
    # 3: a changed setting through a helper
    "helpers.think(pencils, client=client, n=4, temperature=0.8, max_tokens=200)",
    # 4: an API error that echoes the key, through a helper
    "from tests.support.server import StubServer, JsonReply\n"
    "key = 'sk-' + 'learnerskey' * 3\n"
    "echo = lambda r: JsonReply({'error': {'message': 'bad key ' + r.headers['authorization']}}, "
    "status=401)\n"
    "with StubServer(echo) as server:\n"
    "    helpers.think('Hi', client=helpers.get_client('live', base_url=server.url, "
    "api_key=key, max_retries=0))",
    # 5: a reply that cannot be read
    "helpers.parse_reasoning('{}')",
]


@pytest.fixture(scope="module")
def notebook_errors() -> list[dict]:
    """Run the cells above in a real IPython kernel (what JupyterLab and nbval use)."""
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    )
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(ROOT)}},
    ).execute()
    outputs = []
    for cell in notebook.cells:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        outputs.append(errors[0] if errors else {})
    return outputs


def _shown(output: dict) -> str:
    return "\n".join(output["traceback"])


def test_a_miss_in_a_notebook_is_a_few_lines_with_the_way_forward(notebook_errors):
    shown = _shown(notebook_errors[1])
    assert len(shown.splitlines()) <= 15, shown
    for frame_word in ("site-packages", "httpx", "_base_client", "File ", "Traceback"):
        assert frame_word not in shown, shown
    assert shown.startswith("RecordingNotFoundError: Offline mode has no recorded answer")
    assert 'You asked: "What is 17 * 23?"' in shown
    assert "put back the notebook's question" in shown and "use_local_model" in shown
    assert "restart the kernel" not in shown
    assert notebook_errors[1]["ename"] == "RecordingNotFoundError"


def test_percent_tb_shows_the_full_traceback(notebook_errors):
    full = _shown(notebook_errors[2])
    assert "_base_client" in full and "RecordingNotFoundError" in full


def test_a_changed_setting_through_think_is_short_in_a_notebook(notebook_errors):
    shown = _shown(notebook_errors[3])
    assert len(shown.splitlines()) <= 15, shown
    assert "n: 4 (recorded: 3, 5, 7" in shown and "put back n=3 or 5 or 7" in shown
    assert "Offline mode only knows" not in shown, "no second, older advice line"


def test_an_api_error_in_a_notebook_is_short_and_keyless(notebook_errors):
    output = notebook_errors[4]
    shown = _shown(output)
    assert "learnerskey" not in shown + output["evalue"]
    assert shown.startswith("AuthenticationError:") and "check OPENAI_API_KEY" in shown
    assert len(shown.splitlines()) <= 4 and "site-packages" not in shown


def test_a_parse_error_in_a_notebook_is_its_message(notebook_errors):
    shown = _shown(notebook_errors[5])
    assert shown.splitlines()[0].startswith("ReasoningParseError: The model returned an empty")
    assert len(shown.splitlines()) == 2


# ---- B. keys never reach an error message --------------------------------------------------
ECHO_STATUSES = [400, 401, 403, 404, 422, 500]
KEYS = ["sk-proj-" + "A1b2C3d4" * 5, "my-own-server-password-42"]  # key-shaped, and not


def _echoing(status: int):
    """A server that puts the request's Authorization header into its error body."""

    def handler(request):
        auth = request.headers.get("authorization", "")
        body = {
            "error": {
                "message": f"Request failed. Authorization: {auth}",
                "request_headers": {"Authorization": auth},
                "key": auth.split(" ", 1)[-1],
            }
        }
        return JsonReply(body, status=status)

    return handler


@pytest.mark.parametrize("key", KEYS, ids=["sk-shaped", "plain"])
@pytest.mark.parametrize("status", ECHO_STATUSES)
def test_an_echoed_key_is_in_no_error_text(status, key):
    with StubServer(_echoing(status)) as server:
        client = get_client("live", base_url=server.url, api_key=key, max_retries=0)
        with pytest.raises(openai.APIStatusError) as caught:
            client.chat.completions.create(model="m", messages=_ask("hi"))
        error = caught.value
        with pytest.raises(openai.APIStatusError) as through_helper:
            helpers.think("hi", client=client)
    seen = [
        str(error),
        repr(error.body),
        error.response.text,
        explain_error(error),
        *short_lines(add_advice(error)),
        str(through_helper.value),
        *render_traceback(through_helper.value),
    ]
    for text in seen:
        assert key not in text, text
    assert "[redacted]" in str(error)


def test_add_advice_removes_a_key_from_an_error_it_did_not_see_come_in():
    key = "plain-password-" + "x" * 12
    body = {"error": {"message": f"echo: Bearer {key}"}}
    error = add_advice(_status_error(openai.InternalServerError, 500, body, key=key))
    text = " ".join([str(error), repr(error.body), *error.__notes__, *short_lines(error)])
    assert key not in text and "[redacted]" in text


def test_the_configured_key_is_redacted_whatever_its_shape(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "opensesame-9876")
    assert "opensesame" not in redact("the server said: opensesame-9876 is wrong")
    assert redact('{"api-key": "hunter2hunter2"}') == '{"api-key": "[redacted]"}'


def test_record_mode_keeps_the_key_out_of_error_bodies_too(tmp_path, monkeypatch):
    monkeypatch.setenv("HOMEMADE_O1_RECORDINGS", str(tmp_path))
    key = KEYS[1]
    with StubServer(_echoing(401)) as server:
        client = get_client("record", base_url=server.url, api_key=key, max_retries=0)
        with pytest.raises(openai.AuthenticationError) as caught:
            client.chat.completions.create(model="m", messages=_ask("hi"))
    assert key not in str(caught.value) and key not in caught.value.response.text


# ---- C. files and folders -------------------------------------------------------------------
@pytest.mark.parametrize(
    "content", [b"\xff\xd8\xff\xe0 a JPEG, not JSON", '{"a": "caf\xe9"}'.encode("latin-1")]
)
def test_a_binary_or_non_utf8_recording_is_named(tmp_path, content):
    (tmp_path / "01_nb").mkdir()
    (tmp_path / "01_nb" / "broken.json").write_bytes(content)
    with pytest.raises(RecordingFormatError) as caught:
        RecordingLibrary(tmp_path)
    assert "01_nb/broken.json" in str(caught.value) and "UTF-8" in str(caught.value)
    assert str(tmp_path) not in str(caught.value)


def test_a_missing_recordings_folder_says_so(tmp_path, monkeypatch):
    missing = tmp_path / "no-such-folder"
    monkeypatch.setenv("HOMEMADE_O1_RECORDINGS", str(missing))
    with pytest.raises(RecordingNotFoundError) as caught:
        get_client("offline").chat.completions.create(model="m", messages=_ask("hi"))
    message = str(caught.value)
    assert f"HOMEMADE_O1_RECORDINGS={missing}: that folder does not exist" in message
    assert "unset HOMEMADE_O1_RECORDINGS" in message
    assert "does not exist" in explain_error(caught.value)


@pytest.mark.parametrize("tag", ["../../x", "../escape", "/tmp/elsewhere", "a/b", "..", ".", ""])
def test_a_record_tag_that_leaves_the_folder_is_refused(tmp_path, monkeypatch, tag):
    folder = tmp_path / "deep" / "recordings"
    monkeypatch.setenv("HOMEMADE_O1_RECORDINGS", str(folder))
    monkeypatch.setenv("HOMEMADE_O1_RECORD_TAG", tag)
    with StubServer() as server:
        if tag == "":
            client = get_client("record", base_url=server.url, api_key="k")  # default tag
            client.chat.completions.create(model="m", messages=_ask("hi"))
            assert list((folder / "recorded").glob("*.json"))
            return
        with pytest.raises(ConfigurationError, match="HOMEMADE_O1_RECORD_TAG must be one folder"):
            client = get_client("record", base_url=server.url, api_key="k")
            client.chat.completions.create(model="m", messages=_ask("hi"))
    written = [p for p in tmp_path.rglob("*.json")]
    assert written == [], written


# ---- D. messages that were wrong --------------------------------------------------------------
def test_an_empty_object_is_called_an_empty_object():
    with pytest.raises(ReasoningParseError) as caught:
        helpers.parse_reasoning("{}")
    assert "empty JSON object" in str(caught.value)
    assert "No JSON object was found" not in str(caught.value)


def test_an_empty_step_list_is_refused_plainly():
    with pytest.raises(ReasoningParseError) as caught:
        helpers.parse_reasoning('{"steps": [], "result": "4"}')
    assert caught.value.reason == "no_steps" and "gave no steps" in str(caught.value)


def test_a_reply_cut_with_no_max_tokens_does_not_blame_max_tokens():
    with pytest.raises(ReasoningParseError) as caught:
        read_reply('{"steps": ["a", "b', "length", None, max_tokens=None)
    message = str(caught.value)
    assert "max_tokens (" not in message and "limit tokens" not in message
    assert "ran out of room" in message and "context" in message
    with pytest.raises(ReasoningParseError) as caught:
        read_reply('{"steps": ["a", "b', "length", None, max_tokens=30)
    assert "max_tokens (30 tokens)" in str(caught.value)


@pytest.mark.parametrize(
    ("limit", "words"),
    [
        ({"max_tokens": None}, "ran out of room"),
        ({"max_completion_tokens": 20}, "max_tokens (20 tokens)"),
    ],
)
def test_think_names_the_limit_that_cut_the_reply(limit, words):
    def cut(request):
        return JsonReply(chat_completion(request.body, '{"steps": ["a', finish_reason="length"))

    with StubServer(cut) as server:
        client = get_client("live", base_url=server.url, api_key="k", max_retries=0)
        with pytest.raises(ReasoningParseError) as caught:
            helpers.think("Count to 99.", client=client, **limit)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("status", "said", "must", "must_not"),
    [
        (500, "Context size has been exceeded.", "shorter prompt", "wait a moment"),
        (
            500,
            "JSON schema conversion failed: does not match the expected format",
            "another response_format",
            "wait a moment",
        ),
        (503, "Loading model", "wait a moment", "shorter prompt"),
        (500, "The engine is currently overloaded, please try again later", "wait", "shorter"),
        (502, "Bad gateway", "wait a moment", "shorter prompt"),
        (500, "something odd happened", "If the same request fails again", "wait and"),
    ],
)
def test_a_server_error_quotes_the_server_and_advises_by_kind(status, said, must, must_not):
    error = _status_error(
        openai.InternalServerError, status, {"error": {"message": said, "code": status}}
    )
    line = explain_error(error)
    assert said.rstrip(".")[:40] in line
    assert must in line and must_not not in line


def test_a_server_error_message_is_redacted_and_shortened():
    body = {"error": {"message": "oops " * 80 + "Bearer sk-" + "z" * 40}}
    line = explain_error(_status_error(openai.InternalServerError, 500, body))
    assert "zzzz" not in line and len(line) < 500


def test_the_course_recordings_hold_nothing_shaped_like_a_key():
    # the wider secret patterns must not flag the course's own recordings
    library = helpers.modes.client.load_library()
    flagged = [
        r.path.name for r in library.recordings if redact(r.path.read_text()) != r.path.read_text()
    ]
    assert flagged == []


def test_recordings_written_are_redacted_with_the_header_key(tmp_path):
    body = {"model": "m", "messages": _ask("my key is plain-secret-value please")}
    document = build_recording(
        method="POST",
        endpoint="chat/completions",
        body=body,
        response={"status": 200, "body": chat_completion(body, "ok")},
        origin="recorded",
    )
    path = write_recording(tmp_path, document, secrets=("plain-secret-value",))
    assert "plain-secret-value" not in path.read_text()
    assert json.loads(path.read_text())["metadata"]["origin"] == "recorded"
