"""Choosing local mode, describing it, and getting the model: settings, errors, the downloader.

The downloader is tested without the internet: against a stand-in hub on 127.0.0.1
(`tests/support/fake_hub.py`) that serves the tiny model, a closed port (no network),
and `HF_HUB_OFFLINE`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import helpers
from helpers.modes.client import get_client, mode_summary
from helpers.modes.local import download as download_module
from helpers.modes.local.download import download_model
from helpers.modes.local.errors import DownloadError, LocalModelError
from helpers.modes.local.files import HubFile, model_id, parse_model_setting
from helpers.modes.local.model_file import format_size, read_model_info
from helpers.modes.local.setup_note import read_note, write_note
from helpers.modes.settings import ConfigurationError, available_cores, local_threads, resolve_mode
from tests.support.fake_hub import FakeHub, closed_port_url
from tests.support.local_model import require

ROOT = Path(__file__).resolve().parent.parent
HUB_NAME = "someone/Tiny-GGUF/tiny-Q8_0.gguf"


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No key, no mode, an empty hub cache and note folder of this test's own."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "HOMEMADE_O1_MODE", "HOMEMADE_O1_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("HOMEMADE_O1_LOCAL_MODEL", raising=False)
    return tmp_path


# ---- settings -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf",
         HubFile("Qwen/Qwen3-0.6B-GGUF", "Qwen3-0.6B-Q8_0.gguf")),
        ("org/repo/sub/dir/m.gguf", HubFile("org/repo", "sub/dir/m.gguf")),
        ("/models/m.gguf", Path("/models/m.gguf")),
        ("./m.gguf", Path("m.gguf")),
        ("m.gguf", Path("m.gguf")),
        ("C:\\models\\m.gguf", Path("C:\\models\\m.gguf")),
    ],
)  # fmt: skip
def test_a_model_setting_is_a_path_or_a_hub_file(setting, expected):
    assert parse_model_setting(setting) == expected


def test_an_existing_file_wins_over_a_hub_reading(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "m.gguf").write_bytes(b"GGUF")
    assert parse_model_setting("a/b/m.gguf") == Path("a/b/m.gguf")


def test_the_model_name_is_the_file_name():
    assert model_id("Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf") == "Qwen3-0.6B-Q8_0"


def test_threads_default_to_the_cores_this_process_may_use(monkeypatch):
    monkeypatch.delenv("HOMEMADE_O1_THREADS", raising=False)
    assert local_threads() == available_cores() <= len(os.sched_getaffinity(0))
    monkeypatch.setenv("HOMEMADE_O1_THREADS", "3")
    assert local_threads() == 3
    monkeypatch.setenv("HOMEMADE_O1_THREADS", "many")
    with pytest.raises(ConfigurationError, match="HOMEMADE_O1_THREADS"):
        local_threads()


def test_a_container_cpu_quota_caps_the_cores(monkeypatch):
    from helpers.modes import settings

    monkeypatch.setattr(settings, "_cgroup_cpu_quota", lambda: 1.0)
    assert available_cores() == 1


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf"])
def test_a_bad_timeout_is_a_clear_error(monkeypatch, value):
    from helpers.modes.settings import call_timeout

    monkeypatch.setenv("HOMEMADE_O1_TIMEOUT", value)
    with pytest.raises(ConfigurationError, match="HOMEMADE_O1_TIMEOUT"):
        call_timeout()


# ---- choosing the mode --------------------------------------------------------------
def test_a_downloaded_model_makes_local_the_automatic_choice(clean_env, tiny_model_file):
    assert resolve_mode() == "offline"  # nothing downloaded yet
    with FakeHub({HUB_NAME: tiny_model_file.read_bytes()}) as hub:
        download_model(HUB_NAME, endpoint=hub.url)
    os.environ["HOMEMADE_O1_LOCAL_MODEL"] = HUB_NAME
    assert resolve_mode() == "local"
    assert helpers.default_model() == "tiny-Q8_0"
    os.environ["OPENAI_API_KEY"] = "test-key-not-a-real-one"
    assert resolve_mode() == "live"  # a key still wins
    os.environ["HOMEMADE_O1_MODE"] = "offline"
    assert resolve_mode() == "offline"  # and an explicit mode wins over everything


def test_a_model_file_given_by_path_makes_local_the_automatic_choice(clean_env, tiny_model_file):
    os.environ["HOMEMADE_O1_LOCAL_MODEL"] = str(tiny_model_file)
    assert resolve_mode() == "local"
    os.environ["HOMEMADE_O1_LOCAL_MODEL"] = str(clean_env / "missing.gguf")
    assert resolve_mode() == "offline"


def test_without_llama_cpp_python_the_automatic_choice_stays_offline(
    clean_env, tiny_model_file, monkeypatch
):
    from helpers.modes.local import files

    monkeypatch.setattr(files, "runtime_installed", lambda: False)
    os.environ["HOMEMADE_O1_LOCAL_MODEL"] = str(tiny_model_file)
    assert resolve_mode() == "offline"


# ---- describing it ------------------------------------------------------------------
def test_describe_mode_names_the_model_its_size_and_threads(local_mode, capsys):
    helpers.describe_mode()
    size = format_size(local_mode.stat().st_size)
    assert capsys.readouterr().out == (
        f"Mode: LOCAL. {local_mode.stem} (F32, {size}) on this computer's CPU, 1 thread; "
        "no network, no key.\n"
    )


def test_the_size_is_read_from_the_file_not_written_in_the_code():
    assert format_size(639_446_688) == "639 MB"
    assert format_size(1_834_426_016) == "1.83 GB"
    assert format_size(2_619_264) == "2.6 MB"


def test_describe_mode_says_what_is_missing(clean_env, capsys):
    os.environ["HOMEMADE_O1_MODE"] = "local"
    helpers.describe_mode()
    line = capsys.readouterr().out
    assert line.startswith("Mode: LOCAL, but not ready.") and "make local" in line
    assert line.count("\n") == 1


def test_the_offline_line_gives_the_reason_local_mode_could_not_be_set_up(clean_env):
    write_note("Could not download Qwen3-0.6B: Cannot reach the model hub (no network?).")
    assert "Local model not available: Could not download" in mode_summary()
    os.environ["HOMEMADE_O1_MODE"] = "offline"  # chosen on purpose: no excuse needed
    assert "Local model not available" not in mode_summary()


def test_the_offline_line_is_unchanged_without_a_note(clean_env):
    assert read_note() is None
    assert mode_summary().endswith("(model name sent: gpt-4o-mini).")


# ---- errors -------------------------------------------------------------------------
def test_local_mode_without_a_model_says_how_to_get_one(clean_env):
    os.environ["HOMEMADE_O1_LOCAL_MODEL"] = str(clean_env / "nowhere.gguf")
    with pytest.raises(LocalModelError, match="make local") as caught:
        get_client("local")
    assert "\n" not in str(caught.value)


def test_local_mode_without_llama_cpp_python_says_how_to_install_it(clean_env, monkeypatch):
    from helpers.modes.local import summary

    monkeypatch.setattr(summary, "runtime_installed", lambda: False)
    with pytest.raises(LocalModelError, match=r"pip install -e \.\[local\]"):
        get_client("local")


def test_a_file_that_is_not_gguf_is_a_clear_error(tmp_path):
    path = tmp_path / "notes.gguf"
    path.write_text("just some text, not a model")
    with pytest.raises(LocalModelError, match="not a GGUF model file"):
        read_model_info(path)


def test_a_cut_off_model_file_is_a_clear_error(tmp_path, tiny_model_file):
    path = tmp_path / "cut.gguf"
    path.write_bytes(tiny_model_file.read_bytes()[:1_500_000])
    with pytest.raises(LocalModelError, match="incomplete|damaged or cut off") as caught:
        read_model_info(path)
    assert "make local" in str(caught.value)


def test_a_cut_off_model_file_fails_the_first_call_clearly(local_mode, tmp_path, monkeypatch):
    import openai  # noqa: F401  (the error must not become an SDK connection error)

    path = tmp_path / "cut.gguf"
    path.write_bytes(local_mode.read_bytes()[:1_500_000])
    monkeypatch.setenv("HOMEMADE_O1_LOCAL_MODEL", str(path))
    client = get_client("local")
    with pytest.raises(LocalModelError, match="incomplete|damaged"):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])


def test_a_model_without_a_chat_template_is_refused(tmp_path):
    gguf = require("gguf")
    path = tmp_path / "bare.gguf"
    writer = gguf.GGUFWriter(path, arch="llama")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(LocalModelError, match="no chat template"):
        read_model_info(path)


def test_switching_models_in_a_session_uses_the_new_one(local_mode, model_folder, monkeypatch):
    from tests.support.local_model import PLAIN_TEMPLATE
    from tests.support.tiny_model import make_tiny_model

    first = get_client("local").models.list().data[0].id
    other = make_tiny_model(model_folder, chat_template=PLAIN_TEMPLATE)
    monkeypatch.setenv("HOMEMADE_O1_LOCAL_MODEL", str(other))
    assert get_client("local").models.list().data[0].id == other.stem != first


# ---- use_local_model() --------------------------------------------------------------
def test_use_local_model_with_a_file_switches_to_local(clean_env, tiny_model_file, capsys):
    helpers.use_local_model(str(tiny_model_file), threads=2)
    assert resolve_mode() == "local" and os.environ["HOMEMADE_O1_THREADS"] == "2"
    assert capsys.readouterr().out.startswith("Mode: LOCAL. tiny-qwen3")


def test_use_local_model_downloads_once_then_switches(clean_env, tiny_model_file, monkeypatch):
    with FakeHub({HUB_NAME: tiny_model_file.read_bytes()}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        helpers.use_local_model(HUB_NAME)
        helpers.use_local_model(HUB_NAME)
        downloads = [r for r in hub.requests if r[0] == "GET"]
    assert len(downloads) == 1 and resolve_mode() == "local"


def test_use_local_model_that_cannot_download_says_why_and_changes_nothing(
    clean_env, capsys, monkeypatch
):
    require("llama_cpp")
    require("huggingface_hub")
    monkeypatch.setenv("HF_ENDPOINT", closed_port_url())
    helpers.use_local_model(HUB_NAME)
    out = capsys.readouterr().out
    assert "Cannot reach the model hub" in out and out.count("\n") == 1
    assert resolve_mode() == "offline"


def test_use_local_model_without_llama_cpp_python_says_how_to_install(
    clean_env, capsys, monkeypatch
):
    from helpers.modes.local import files

    monkeypatch.setattr(files, "runtime_installed", lambda: False)
    helpers.use_local_model("x/y/z.gguf")
    assert "make local" in capsys.readouterr().out and resolve_mode() == "offline"


def test_a_local_server_replaces_local_mode(clean_env, tiny_model_file, capsys):
    helpers.use_local_model(str(tiny_model_file))
    helpers.use_local_server("http://localhost:11434/v1", "llama3.2")
    assert resolve_mode() == "live"


# ---- the downloader -----------------------------------------------------------------
def test_a_download_lands_in_the_hub_cache_and_is_checked(clean_env, tiny_model_file):
    with FakeHub({HUB_NAME: tiny_model_file.read_bytes()}) as hub:
        info = download_model(HUB_NAME, endpoint=hub.url)
    assert info.path.read_bytes() == tiny_model_file.read_bytes()
    assert Path(os.environ["HF_HUB_CACHE"]) in info.path.parents
    assert info.quantization == "F32" and info.chat_template


def test_a_download_that_drops_is_resumed_where_it_stopped(clean_env, tiny_model_file, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "DOWNLOAD_CHUNK_SIZE", 65536)
    data = tiny_model_file.read_bytes()
    with FakeHub({HUB_NAME: data}, cut_after=len(data) // 2) as hub:
        info = download_model(HUB_NAME, endpoint=hub.url)
    ranges = [r[2] for r in hub.requests if r[0] == "GET"]
    assert ranges[0] is None and ranges[1].startswith("bytes=") and ranges[1] != "bytes=0-"
    assert info.path.read_bytes() == data


def test_a_model_already_downloaded_needs_no_network(clean_env, tiny_model_file):
    with FakeHub({HUB_NAME: tiny_model_file.read_bytes()}) as hub:
        download_model(HUB_NAME, endpoint=hub.url)
    info = download_model(HUB_NAME, endpoint=closed_port_url())
    assert info.size_bytes == tiny_model_file.stat().st_size


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("someone/Tiny-GGUF/other.gguf", "has no file 'other.gguf'"),
        ("nobody/Nothing-GGUF/tiny.gguf", "No repository 'nobody/Nothing-GGUF'"),
    ],
)
def test_a_wrong_name_is_one_clear_line(clean_env, tiny_model_file, name, words):
    with FakeHub({HUB_NAME: tiny_model_file.read_bytes()}) as hub:
        with pytest.raises(DownloadError) as caught:
            download_model(name, endpoint=hub.url)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_no_network_is_one_clear_line(clean_env):
    require("huggingface_hub")
    with pytest.raises(DownloadError, match=r"Cannot reach the model hub \(no network\?\)"):
        download_model(HUB_NAME, endpoint=closed_port_url())


def test_hub_offline_mode_is_one_clear_line(clean_env, monkeypatch):
    hub_constants = require("huggingface_hub.constants")
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(DownloadError, match="HF_HUB_OFFLINE is set"):
        download_model(HUB_NAME, endpoint=closed_port_url())


def test_no_disk_space_is_one_clear_line_before_downloading(
    clean_env, tiny_model_file, monkeypatch
):
    monkeypatch.setattr(
        download_module.shutil,
        "disk_usage",
        lambda path: shutil._ntuple_diskusage(10**9, 10**9, 1000),
    )
    with FakeHub({HUB_NAME: tiny_model_file.read_bytes()}) as hub:
        with pytest.raises(
            DownloadError, match="Not enough disk space: tiny-Q8_0.gguf needs 2.6 MB"
        ):
            download_model(HUB_NAME, endpoint=hub.url)
    assert not [r for r in hub.requests if r[0] == "GET"]


def test_a_downloaded_file_that_is_not_a_chat_model_is_refused(clean_env):
    require("huggingface_hub")
    with FakeHub({HUB_NAME: b"GGUF" + b"\0" * 64}) as hub:
        with pytest.raises(LocalModelError, match="damaged or cut off|not a GGUF|no chat template"):
            download_model(HUB_NAME, endpoint=hub.url)


def run_downloader(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "helpers.modes.local.download", *args],
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_the_download_command_fails_in_one_line_and_can_leave_a_note(clean_env):
    require("huggingface_hub")
    env = {"HF_ENDPOINT": closed_port_url()}
    failed = run_downloader(HUB_NAME, env=env)
    assert failed.returncode == 1 and failed.stdout == ""
    assert failed.stderr.strip().count("\n") == 0 and "Cannot reach" in failed.stderr
    noted = run_downloader(HUB_NAME, "--note-on-failure", env=env)
    assert noted.returncode == 0 and "Cannot reach" in (read_note() or "")


def test_the_download_command_reports_the_model_and_clears_the_note(clean_env, tiny_model_file):
    write_note("old failure")
    with FakeHub({HUB_NAME: tiny_model_file.read_bytes()}) as hub:
        done = run_downloader(HUB_NAME, env={"HF_ENDPOINT": hub.url})
    assert done.returncode == 0, done.stderr
    # the quantisation comes from the header (F32), not from the file's name
    assert done.stdout.startswith("Local model ready: tiny-Q8_0 (F32, 2.6 MB) at ")
    assert read_note() is None
