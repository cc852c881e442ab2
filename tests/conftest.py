"""Test setup shared by every test, including the notebooks that nbval runs.

Environment variables set here at import time are inherited by the kernels nbval
starts, so every notebook under test runs offline with no pacing, even on a
machine that has a real key.
"""

import os
import tempfile

import pytest

# the local-mode fixtures (the tiny model), for tests/test_local_*.py
from tests.support.local_model import local_mode, model_folder, tiny_model_file  # noqa: F401

for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
    os.environ.pop(name, None)
for name in ("HOMEMADE_O1_RECORDINGS", "HOMEMADE_O1_MODEL", "HOMEMADE_O1_DRAFTS"):
    os.environ.pop(name, None)
for name in ("HOMEMADE_O1_LOCAL_MODEL", "HOMEMADE_O1_THREADS", "HOMEMADE_O1_LOCAL_CONTEXT"):
    os.environ.pop(name, None)
os.environ["HOMEMADE_O1_MODE"] = "offline"
os.environ["HOMEMADE_O1_PACE"] = "0"
# An empty model cache, so a model downloaded on this computer never changes a test.
os.environ["HF_HUB_CACHE"] = tempfile.mkdtemp(prefix="homemade-o1-test-hub-")
# A key file of the tests' own, so a key saved with ask_for_key() on this computer is never
# read (or deleted) by a test.
os.environ["HOMEMADE_O1_KEY_FILE"] = os.path.join(
    tempfile.mkdtemp(prefix="homemade-o1-test-key-"), "session-key.json"
)

# tests/browser/ holds a notebook the browser test opens in JupyterLab; nbval must not run it.
collect_ignore_glob = ["browser/*.ipynb"]


@pytest.fixture(autouse=True)
def restore_environment():
    """Undo any environment change a test makes (helpers such as use_local_server set
    variables on purpose), so later tests and notebook kernels start clean."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def recordings_folder(tmp_path, monkeypatch):
    """An empty folder of recordings that offline mode replays from (and record mode writes
    to), with no pacing. Add answers with `tests.support.recordings.add_recording`."""
    folder = tmp_path / "recordings"
    folder.mkdir()
    monkeypatch.setenv("HOMEMADE_O1_RECORDINGS", str(folder))
    monkeypatch.setenv("HOMEMADE_O1_MODE", "offline")
    monkeypatch.setenv("HOMEMADE_O1_PACE", "0")
    return folder
