"""A key typed once follows the learner: the key file (helpers/modes/key_file.py).

The key is saved outside the project, readable by its owner only, for 24 hours; every
notebook's kernel reads it; `forget_key()` deletes it; it is never printed and never
lands in the environment, a notebook or the repository. tests/conftest.py points
HOMEMADE_O1_KEY_FILE at a folder of the tests' own.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import helpers
from helpers.modes import key_file, keys
from helpers.modes.redaction import redact
from helpers.modes.settings import resolve_mode

SECRET = "sk-test-" + "followsthelearner" * 2
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def key_path(tmp_path, monkeypatch):
    path = tmp_path / "config" / "homemade-o1" / "session-key.json"
    monkeypatch.setenv("HOMEMADE_O1_KEY_FILE", str(path))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("HOMEMADE_O1_MODE", raising=False)
    return path


def test_a_saved_key_is_private_and_read_back(key_path):
    path = key_file.save_key(SECRET)
    assert path == key_path
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    saved = key_file.load_key()
    assert saved is not None and saved.api_key == SECRET
    assert 23.9 < saved.hours_left() <= 24
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left


def test_the_key_file_lives_outside_the_project_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv("HOMEMADE_O1_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert key_file.key_file_path() == tmp_path / "xdg" / "homemade-o1" / "session-key.json"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert not key_file.key_file_path().is_relative_to(ROOT)


def test_an_expired_key_is_not_used_and_is_deleted(key_path):
    key_file.save_key(SECRET, lifetime=0.05)
    time.sleep(0.1)
    assert key_file.load_key() is None
    assert not key_path.exists()
    assert resolve_mode() != "live"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_key_file_others_can_read_is_refused(key_path, capsys):
    key_file.save_key(SECRET)
    key_path.chmod(0o644)
    with pytest.raises(key_file.KeyFileError, match="chmod 600"):
        key_file.load_key()
    assert key_file.saved_key() is None  # so it is never used
    assert resolve_mode() != "live"
    keys.ask_for_key()  # says what is wrong instead of asking
    assert "chmod 600" in capsys.readouterr().out


def test_a_file_that_is_not_a_key_file_is_refused(key_path):
    key_path.parent.mkdir(parents=True)
    key_path.write_text("not json")
    key_path.chmod(0o600)
    with pytest.raises(key_file.KeyFileError, match="forget_key"):
        key_file.load_key()


def test_a_saved_key_chooses_live_mode_and_is_sent_but_not_in_the_environment(key_path):
    assert resolve_mode() != "live"
    key_file.save_key(SECRET)
    assert resolve_mode() == "live"
    assert helpers.get_client().api_key == SECRET
    assert helpers.api_key() == SECRET
    assert "OPENAI_API_KEY" not in os.environ
    summary = helpers.mode_summary()
    assert "ask_for_key()" in summary and "forget_key()" in summary and SECRET not in summary


def test_the_environment_key_wins_and_describe_mode_says_so(key_path, monkeypatch):
    key_file.save_key(SECRET)
    from_environment = "sk-" + "from-the-environment-0123456789"  # split: no key-shaped text
    monkeypatch.setenv("OPENAI_API_KEY", from_environment)
    assert helpers.get_client().api_key == from_environment
    assert "key from OPENAI_API_KEY" in helpers.mode_summary()


def test_a_saved_key_of_any_shape_is_redacted(key_path):
    odd = "my-own-proxy-token-42-" + "x" * 10  # not shaped like an OpenAI key
    key_file.save_key(odd)
    assert odd not in redact(f"the server said: bad key {odd}")


def test_ask_for_key_does_not_ask_again_while_a_key_is_saved(key_path, monkeypatch, capsys):
    key_file.save_key(SECRET)

    def must_not_ask(prompt):
        raise AssertionError("asked again")

    monkeypatch.setattr(keys.getpass, "getpass", must_not_ask)
    keys.ask_for_key()
    assert "not asking again" in capsys.readouterr().out


def test_forget_key_deletes_the_file(key_path, capsys):
    key_file.save_key(SECRET)
    keys.forget_key()
    assert not key_path.exists()
    assert "saved key is deleted" in capsys.readouterr().out
    assert resolve_mode() != "live"


def test_without_a_writable_home_the_key_stays_in_this_kernel(key_path, monkeypatch, capsys):
    def cannot_save(api_key, lifetime=key_file.KEY_LIFETIME):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(keys, "save_key", cannot_save)
    monkeypatch.setattr(keys.getpass, "getpass", lambda prompt: SECRET)
    keys.ask_for_key()
    out = capsys.readouterr().out
    assert "could not be saved" in out and SECRET not in out
    assert os.environ["OPENAI_API_KEY"] == SECRET


# ---- two real kernels: a key typed in one is used by the other ---------------------------
def _run(client, code: str, stdin: str | None = None) -> str:
    """Run code in a kernel; answer one input request with `stdin`; return all output text."""
    msg_id = client.execute(code, allow_stdin=stdin is not None)
    if stdin is not None:
        request = client.get_stdin_msg(timeout=60)
        assert request["msg_type"] == "input_request"
        assert request["content"]["password"], "the key must be asked with getpass"
        client.input(stdin)
    texts = []
    while True:
        message = client.get_iopub_msg(timeout=60)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if kind == "stream":
            texts.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            texts.append(str(content["data"]))
        elif kind == "error":
            texts.append("\n".join(content["traceback"]))
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(texts)


def test_a_key_typed_in_one_kernel_is_used_by_another_until_forgotten(key_path, monkeypatch):
    jupyter_client = pytest.importorskip("jupyter_client")
    monkeypatch.setenv("HOMEMADE_O1_LOCAL_MODEL", str(key_path.parent / "no-model.gguf"))
    digest = hashlib.sha256(SECRET.encode()).hexdigest()
    started = []
    try:
        kernels = []
        for _ in range(2):
            manager, client = jupyter_client.manager.start_new_kernel(
                kernel_name="python3", cwd=str(ROOT / "notebooks")
            )
            started.append((manager, client))
            kernels.append(client)
        notebook_00, notebook_01 = kernels
        outputs = [_run(notebook_00, "import helpers\nhelpers.describe_mode()")]
        assert "Mode: OFFLINE" in outputs[-1]
        outputs.append(_run(notebook_00, "helpers.ask_for_key()", stdin=SECRET))
        assert "Key saved" in outputs[-1]
        check = (
            "import hashlib, os, helpers\n"
            "helpers.describe_mode()\n"
            "print(hashlib.sha256(helpers.get_client().api_key.encode()).hexdigest())\n"
            "print('in environment:', 'OPENAI_API_KEY' in os.environ)"
        )
        outputs.append(_run(notebook_01, check))
        assert "Mode: LIVE" in outputs[-1] and "ask_for_key()" in outputs[-1]
        assert digest in outputs[-1] and "in environment: False" in outputs[-1]
        outputs.append(_run(notebook_01, "helpers.forget_key()"))
        assert not key_path.exists()
        outputs.append(_run(notebook_00, "helpers.describe_mode()"))
        assert "Mode: OFFLINE" in outputs[-1]
        assert all(SECRET not in text for text in outputs)
    finally:
        for manager, client in started:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    # and nowhere in the project: not in a tracked file, not in an untracked one
    found = subprocess.run(
        ["git", "grep", "--untracked", "-l", "-F", SECRET],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert found.stdout == "", f"the key is in {found.stdout}"


def test_use_offline_goes_back_to_the_recordings_and_keeps_the_key(key_path, capsys):
    key_file.save_key(SECRET)
    assert resolve_mode() == "live"
    helpers.use_offline()
    assert resolve_mode() == "offline"
    assert "Mode: OFFLINE" in capsys.readouterr().out
    assert key_path.exists()  # the saved key is kept for when the learner goes back
