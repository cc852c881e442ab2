"""The one line `describe_mode()` prints in local mode, and where the model file is."""

from __future__ import annotations

from pathlib import Path

from helpers.modes.local.errors import LocalModelError
from helpers.modes.local.files import find_model_file, runtime_installed
from helpers.modes.local.model_file import format_size, read_model_info
from helpers.modes.local.runtime import INSTALL_HINT
from helpers.modes.settings import local_model_setting, local_threads


def missing_model_message(setting: str) -> str:
    """What to do when the model named by `setting` is not on this computer."""
    return (
        f"No local model yet: {setting} is not on this computer. Run `make local` (or "
        "helpers.use_local_model()) to download it once, or set HOMEMADE_O1_LOCAL_MODEL "
        "to a .gguf file."
    )


def local_model_path() -> Path:
    """The configured model's file; `LocalModelError` (what to do) when local mode cannot start."""
    if not runtime_installed():
        raise LocalModelError(INSTALL_HINT)
    setting = local_model_setting()
    path = find_model_file(setting)
    if path is None:
        raise LocalModelError(missing_model_message(setting))
    return path


def local_summary() -> str:
    """`Mode: LOCAL. Qwen3-0.6B (Q8_0, 639 MB) on this computer's CPU, 4 threads; ...`."""
    try:
        info = read_model_info(local_model_path())
    except LocalModelError as error:
        return f"Mode: LOCAL, but not ready. {error}"
    threads = local_threads()
    plural = "s" if threads != 1 else ""
    return (
        f"Mode: LOCAL. {info.short_name} ({info.quantization}, {format_size(info.size_bytes)}) "
        f"on this computer's CPU, {threads} thread{plural}; no network, no key."
    )
