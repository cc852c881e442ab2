"""Which file the local model is: a path on disk, or a file in a Hugging Face hub repository.

`HOMEMADE_O1_LOCAL_MODEL` holds either a path to a `.gguf` file or a hub reference
`owner/repo/file.gguf` (the default). A hub file counts as "here" once it is in the
hub's own cache (`~/.cache/huggingface/hub` unless `HF_HUB_CACHE` or `HF_HOME` say
otherwise), which is where the downloader puts it.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_LOCAL_MODEL = "Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf"
BIGGER_LOCAL_MODEL = "Qwen/Qwen3-1.7B-GGUF/Qwen3-1.7B-Q8_0.gguf"


@dataclass(frozen=True)
class HubFile:
    """One file in a model repository on the Hugging Face hub."""

    repo_id: str  # "owner/repo"
    filename: str  # may contain folders inside the repository

    def __str__(self) -> str:
        return f"{self.repo_id}/{self.filename}"


def parse_model_setting(setting: str) -> Path | HubFile:
    """Read a model setting: an existing file or a path-looking text is a path, else a hub file.

    `owner/repo/file.gguf` (three or more parts, not starting with `/`, `.` or `~`)
    is a hub reference unless a file of that name exists here.
    """
    text = setting.strip()
    path = Path(text).expanduser()
    looks_like_path = text.startswith(("/", ".", "~")) or "\\" in text or ":" in text
    parts = text.split("/")
    if path.is_file() or looks_like_path or len(parts) < 3 or not all(parts):
        return path
    return HubFile("/".join(parts[:2]), "/".join(parts[2:]))


def model_id(setting: str) -> str:
    """The model's name in replies: its file name without `.gguf`."""
    target = parse_model_setting(setting)
    name = target.name if isinstance(target, Path) else Path(target.filename).name
    return name[: -len(".gguf")] if name.lower().endswith(".gguf") else name


def runtime_installed() -> bool:
    """True when llama-cpp-python can be imported (checked without importing it)."""
    return importlib.util.find_spec("llama_cpp") is not None


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache folder, read from the environment now.

    The same rule as `huggingface_hub` (`HF_HUB_CACHE`, else `HF_HOME/hub`, else
    `~/.cache/huggingface/hub`), but read at every call rather than once at import,
    so a setting changed in a running kernel (or a test) counts.
    """
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(name, "").strip():
            return Path(os.path.expandvars(os.environ[name].strip())).expanduser()
    home = os.environ.get("HF_HOME", "").strip()
    if not home:
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
        home = os.path.join(xdg, "huggingface")
    return Path(os.path.expandvars(home)).expanduser() / "hub"


def cached_hub_file(hub_file: HubFile, cache_dir: Path | None = None) -> Path | None:
    """The hub file's path in the local hub cache, or None when it was never downloaded."""
    if importlib.util.find_spec("huggingface_hub") is None:
        return None
    from huggingface_hub import try_to_load_from_cache

    folder = cache_dir if cache_dir is not None else hub_cache_dir()
    found = try_to_load_from_cache(hub_file.repo_id, hub_file.filename, cache_dir=folder)
    return Path(found) if isinstance(found, str) else None


def find_model_file(setting: str) -> Path | None:
    """The model file on this computer, or None when it is not here (yet)."""
    target = parse_model_setting(setting)
    if isinstance(target, HubFile):
        return cached_hub_file(target)
    return target if target.is_file() else None


def local_model_ready(setting: str | None = None) -> bool:
    """True when local mode can start now: llama-cpp-python installed and the model here."""
    if not runtime_installed():
        return False
    if setting is None:
        from helpers.modes.settings import local_model_setting

        setting = local_model_setting()
    return find_model_file(setting) is not None
