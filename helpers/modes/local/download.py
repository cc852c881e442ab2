"""Download a local model from the Hugging Face hub into the hub's own cache.

`huggingface_hub.hf_hub_download` does the work: a progress bar, a resumable
download (an interrupted one continues where it stopped), and the standard cache
(`~/.cache/huggingface/hub`, or `HF_HUB_CACHE` / `HF_HOME`), so other tools find the
file too. After the download the file's header is checked: it must be a complete
GGUF file with a chat template. Every failure is one line saying what to try.

From a terminal (this is what `make local` runs)::

    python -m helpers.modes.local.download                  # the default model
    python -m helpers.modes.local.download Qwen/Qwen3-1.7B-GGUF/Qwen3-1.7B-Q8_0.gguf
"""

from __future__ import annotations

import argparse
import errno
import os
import shutil
import sys
from pathlib import Path

import httpx2

from helpers.modes.local.errors import DownloadError, LocalModelError
from helpers.modes.local.files import HubFile, cached_hub_file, hub_cache_dir, parse_model_setting
from helpers.modes.local.model_file import ModelFileInfo, format_size, read_model_info
from helpers.modes.local.setup_note import clear_note, write_note

RETRY = "Try again later with `make local`; until then the notebooks replay recordings offline."
RETRY_IN_A_NOTEBOOK = "helpers.use_local_model() tries again from a notebook."


def _hub() -> object:
    try:
        import huggingface_hub
    except ImportError:
        raise DownloadError(
            "Downloading a model needs huggingface_hub: run `make local` "
            "(or `pip install -e .[local]`)."
        ) from None
    return huggingface_hub


def _cache_folder(cache_dir: Path | None) -> Path:
    return Path(cache_dir) if cache_dir is not None else hub_cache_dir()


def _explain(error: BaseException, target: HubFile, cache: Path) -> str:
    """One line saying why downloading `target` failed."""
    from huggingface_hub import errors as hub_errors

    if isinstance(error, hub_errors.GatedRepoError):
        return f"{target.repo_id} is gated on the hub: accept its licence there and log in first."
    if isinstance(error, hub_errors.RepositoryNotFoundError):
        return (
            f"No repository {target.repo_id!r} on the hub (check the spelling: "
            "HOMEMADE_O1_LOCAL_MODEL is owner/repo/file.gguf)."
        )
    if isinstance(error, hub_errors.RevisionNotFoundError):
        return f"{target.repo_id} has no such revision on the hub."
    if isinstance(error, hub_errors.RemoteEntryNotFoundError):
        return f"{target.repo_id} has no file {target.filename!r} (check the file name)."
    if isinstance(error, hub_errors.OfflineModeIsEnabled) or (
        isinstance(error, hub_errors.LocalEntryNotFoundError) and "disabled" in str(error)
    ):
        return "HF_HUB_OFFLINE is set, so nothing can be downloaded: unset it and try again."
    if isinstance(error, hub_errors.LocalEntryNotFoundError):
        cause = error.__cause__
        if isinstance(cause, hub_errors.HfHubHTTPError) and cause.response is not None:
            return f"The hub answered HTTP {cause.response.status_code}."
        return "Cannot reach the model hub (no network?)."
    if isinstance(error, (httpx2.RemoteProtocolError, httpx2.ReadError)):
        return "The connection kept dropping during the download (it was resumed 5 times)."
    if isinstance(error, httpx2.TransportError) or isinstance(error, ConnectionError):
        return "Cannot reach the model hub (no network?)."
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return (
            f"Not enough disk space in {cache} for the model: free some space, or set "
            "HF_HOME to a disk with room."
        )
    if isinstance(error, hub_errors.HfHubHTTPError):
        status = error.response.status_code if error.response is not None else "?"
        return f"The hub answered HTTP {status}."
    first_line = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {first_line}"


def _check_space(target: HubFile, cache: Path, endpoint: str | None) -> None:
    """Fail early, with the sizes, when the model cannot fit on the cache's disk."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    metadata = get_hf_file_metadata(hf_hub_url(target.repo_id, target.filename, endpoint=endpoint))
    folder = cache
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    if metadata.size is not None and metadata.size > free:
        raise DownloadError(
            f"Not enough disk space: {target.filename} needs {format_size(metadata.size)}, "
            f"only {format_size(free)} free in {folder}. Free some space, or set HF_HOME "
            "to a disk with room."
        )


def download_model(
    setting: str | None = None,
    *,
    cache_dir: Path | None = None,
    endpoint: str | None = None,
) -> ModelFileInfo:
    """Make sure the model is on this computer, downloading it if needed; return its header.

    Args:
        setting: a hub reference `owner/repo/file.gguf` or a path (default: the
            `HOMEMADE_O1_LOCAL_MODEL` setting, else the default model).
        cache_dir, endpoint: another hub cache folder or hub address (tests use these).

    Raises `DownloadError` (one line) when the download fails, and `LocalModelError`
    when the file is there but is not a usable GGUF chat model.
    """
    if setting is None:
        from helpers.modes.settings import local_model_setting

        setting = local_model_setting()
    target = parse_model_setting(setting)
    if isinstance(target, Path):
        return read_model_info(target)  # a file on disk: nothing to download
    hub = _hub()
    cached = cached_hub_file(target, cache_dir)
    if cached is not None:
        return read_model_info(cached)  # downloaded before: no network needed
    cache = _cache_folder(cache_dir)
    endpoint = endpoint or os.environ.get("HF_ENDPOINT", "").strip() or None
    try:
        _check_space(target, cache, endpoint)
        path = hub.hf_hub_download(  # type: ignore[attr-defined]
            target.repo_id, target.filename, cache_dir=cache, endpoint=endpoint
        )
    except DownloadError:
        raise
    except Exception as error:  # the hub client raises many kinds; each gets one line
        reason = _explain(error, target, cache)
        raise DownloadError(f"Could not download {target}: {reason} {RETRY}", reason) from None
    return read_model_info(path)


def main(argv: list[str] | None = None) -> int:
    """Command line: download a model and say where it is; one line on failure."""
    parser = argparse.ArgumentParser(description="Download the local model for Homemade o1.")
    parser.add_argument(
        "model", nargs="?", help="owner/repo/file.gguf or a path (default: the setting)"
    )
    parser.add_argument(
        "--note-on-failure",
        action="store_true",
        help="on failure, leave a one-line note for describe_mode() and exit 0 (Binder's build)",
    )
    args = parser.parse_args(argv)
    try:
        info = download_model(args.model)
    except LocalModelError as error:
        print(str(error), file=sys.stderr)
        if args.note_on_failure:
            reason = error.reason if isinstance(error, DownloadError) else str(error)
            write_note(f"its download failed at setup: {reason} {RETRY_IN_A_NOTEBOOK}")
            return 0
        return 1
    clear_note()
    size = format_size(info.size_bytes)
    print(f"Local model ready: {info.short_name} ({info.quantization}, {size}) at {info.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
