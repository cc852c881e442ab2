"""Getting a key, a server or a local model into this session, safely.

`ask_for_key()` asks for the key with `getpass` (not echoed, not saved in the
notebook) and saves it in a file only your user can read, outside the project
(`helpers/modes/key_file.py`), so every notebook of the session uses it: each
notebook has its own kernel, and a key kept in one kernel's memory would be lost to
the next. `forget_key()` deletes it. The key is never printed, and it is not put in
this process's environment, so programs a notebook starts do not inherit it. Under a
non-interactive run (nbconvert, nbval, CI) nothing can be typed, so we stay offline
without an error. `use_local_model()` switches to a model run on this computer
(downloading it once if needed).
"""

from __future__ import annotations

import getpass
import os

from helpers.modes.key_file import KeyFileError, delete_key, load_key, save_key
from helpers.modes.settings import resolve_mode

KEY_PROMPT = "Paste your OpenAI API key and press Enter (or just press Enter to stay offline): "


def ask_for_key(prompt: str = KEY_PROMPT) -> None:
    """Ask for an OpenAI key without echoing it, save it for the session, say the mode.

    The key is saved for 24 hours in a file only your user can read, outside the
    project folder (see `helpers/modes/key_file.py`), so notebooks 01-07 use it too.
    It is not put in the notebook, an output or this process's environment.
    `helpers.forget_key()` deletes it at once.
    """
    if os.environ.get("OPENAI_API_KEY", "").strip():
        print("A key is already set (OPENAI_API_KEY); not asking again.")
        return
    try:
        saved = load_key()
    except KeyFileError as error:
        print(error)
        return
    if saved is not None:
        print(
            f"A key you typed earlier is saved ({saved.hours_left():.0f} h left); not asking "
            "again. helpers.forget_key() deletes it."
        )
        return
    try:
        key = getpass.getpass(prompt).strip()
    except (NotImplementedError, EOFError, OSError):
        # ipykernel raises StdinNotImplementedError (a NotImplementedError) when
        # nobody can type: a scripted run. That is fine: stay offline.
        print("Nobody can type a key in this run (it is not interactive), so we stay offline.")
        return
    if not key:
        print("No key entered: nothing changes.")
        return
    try:
        save_key(key)
    except OSError as error:
        # No writable home folder: keep the key in this kernel only, as a fallback.
        os.environ["OPENAI_API_KEY"] = key
        print(
            f"The key could not be saved for the other notebooks ({error.strerror}); this "
            "notebook uses it until its kernel restarts."
        )
    else:
        print(
            "Key saved for this session: every notebook on this computer uses it for 24 h. "
            "It is not printed, not in any notebook and not in the project folder; "
            "helpers.forget_key() deletes it."
        )
    mode = resolve_mode()
    print(f"Mode: {mode}. Make the client again (client = helpers.get_client()).")
    if mode != "live":
        print(f"HOMEMADE_O1_MODE={mode} is set, so the key is not used until you unset it.")


def use_local_server(base_url: str = "http://localhost:11434/v1", model: str = "llama3.2") -> None:
    """Point this session at an OpenAI-compatible server, e.g. Ollama.

    Sets `OPENAI_BASE_URL` and `HOMEMADE_O1_MODEL` for this kernel only. Make new
    clients with `helpers.get_client()` afterwards; old ones keep their settings.
    """
    os.environ["OPENAI_BASE_URL"] = base_url.rstrip("/")
    os.environ["HOMEMADE_O1_MODEL"] = model
    if os.environ.get("HOMEMADE_O1_MODE", "").strip().lower() == "local":
        os.environ.pop("HOMEMADE_O1_MODE")  # a server replaces the in-process model
    print(f"Using {base_url} with model {model}. Mode: {resolve_mode()}.")


def use_local_model(
    model: str | None = None, *, threads: int | None = None, download: bool = True
) -> None:
    """Answer from a small open model run on this computer: no key, no network after one download.

    Args:
        model: a `.gguf` file, or `owner/repo/file.gguf` on the Hugging Face hub
            (default: `HOMEMADE_O1_LOCAL_MODEL`, else Qwen3-0.6B).
        threads: CPU threads to use (default: every core this kernel may use).
        download: download the model (once, with a progress bar) if it is not here yet.

    Sets `HOMEMADE_O1_MODE=local` (and the other settings) for this kernel only and
    prints the new mode; if local mode cannot start, prints one line saying why and
    changes nothing.
    """
    from helpers.modes.client import mode_summary
    from helpers.modes.local.download import download_model
    from helpers.modes.local.errors import LocalModelError
    from helpers.modes.local.files import find_model_file, runtime_installed
    from helpers.modes.local.runtime import INSTALL_HINT
    from helpers.modes.local.summary import missing_model_message
    from helpers.modes.settings import local_model_setting

    if not runtime_installed():
        print(INSTALL_HINT)
        return
    setting = model or local_model_setting()
    if find_model_file(setting) is None:
        if not download:
            print(missing_model_message(setting))
            return
        try:
            download_model(setting)
        except LocalModelError as error:
            print(error)
            return
    if model:
        os.environ["HOMEMADE_O1_LOCAL_MODEL"] = model
    if threads:
        os.environ["HOMEMADE_O1_THREADS"] = str(threads)
    os.environ["HOMEMADE_O1_MODE"] = "local"
    os.environ.pop("HOMEMADE_O1_MODEL", None)  # requests name the local model
    print(mode_summary())


def use_offline() -> None:
    """Go back to the recorded answers (offline replay) in this notebook.

    Sets `HOMEMADE_O1_MODE=offline` for this kernel only: a saved key, a server or a
    local model stay where they are, and `helpers.use_local_model()` or unsetting the
    mode brings them back. Make the client again afterwards.
    """
    os.environ["HOMEMADE_O1_MODE"] = "offline"
    from helpers.modes.client import mode_summary

    print(mode_summary())


def forget_key() -> None:
    """Delete the saved key and forget a key, server or model set in this session.

    Every notebook stops using the saved key (their next `get_client()` goes back
    to the automatic choice: a local model if one is downloaded, else offline).
    """
    had_file = delete_key()
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "HOMEMADE_O1_MODEL"):
        os.environ.pop(name, None)
    what = "The saved key is deleted" if had_file else "No saved key"
    print(f"{what}; key and server forgotten in this notebook. Mode: {resolve_mode()}.")
