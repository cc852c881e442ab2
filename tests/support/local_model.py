"""Shared pieces for the local-mode tests: the tiny model, and skipping when its tools are missing.

The tests that run the real local mode need llama-cpp-python (the `[local]` extra)
and, to make the tiny model, `gguf` and `tokenizers`. Without them those tests skip
with the reason, except when `HOMEMADE_O1_REQUIRE_LOCAL=1` (CI sets it): then a
missing package is a failure, so CI cannot pass by skipping.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

import pytest

# A chat template with no thinking switch and no tools section (a plain ChatML model).
PLAIN_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)
# A template whose reply always starts inside a <think> block (like Qwen3 "thinking" models).
OPENS_THINKING_TEMPLATE = PLAIN_TEMPLATE.replace(
    "'<|im_start|>assistant\\n'", "'<|im_start|>assistant\\n<think>\\n'"
).replace("{%- for message", "{#- enable_thinking is always on -#}{%- for message")


def require(module: str) -> ModuleType:
    """Import `module`, or skip the test (fail under HOMEMADE_O1_REQUIRE_LOCAL=1)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        reason = f"{module} is not installed (pip install -e '.[local]' -r requirements-dev.txt)"
        if os.environ.get("HOMEMADE_O1_REQUIRE_LOCAL") == "1":
            pytest.fail(f"HOMEMADE_O1_REQUIRE_LOCAL=1 but {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def model_folder(tmp_path_factory) -> Path:
    """One folder of tiny models for the whole test session."""
    return tmp_path_factory.mktemp("tiny-models")


@pytest.fixture(scope="session")
def tiny_model_file(model_folder) -> Path:
    """The tiny random-weight Qwen3 model (2 layers, width 64), made once per session."""
    for module in ("llama_cpp", "gguf", "tokenizers"):
        require(module)
    from tests.support.tiny_model import make_tiny_model

    return make_tiny_model(model_folder)


@pytest.fixture
def local_mode(tiny_model_file, monkeypatch) -> Path:
    """Local mode on the tiny model, one thread (repeatable results), for this test."""
    monkeypatch.setenv("HOMEMADE_O1_MODE", "local")
    monkeypatch.setenv("HOMEMADE_O1_LOCAL_MODEL", str(tiny_model_file))
    monkeypatch.setenv("HOMEMADE_O1_THREADS", "1")
    monkeypatch.delenv("HOMEMADE_O1_LOCAL_CONTEXT", raising=False)
    monkeypatch.delenv("HOMEMADE_O1_TIMEOUT", raising=False)
    return tiny_model_file
