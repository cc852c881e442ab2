"""Getting a key or a server into this session, safely.

The key is typed with `getpass` (not echoed, not saved in the notebook) and kept
only in this kernel's environment, where the OpenAI SDK looks for it. It is
never printed. Under a non-interactive run (nbconvert, nbval, CI) nothing can
be typed, so we stay offline without an error.
"""

from __future__ import annotations

import getpass
import os

from helpers.modes.settings import resolve_mode

KEY_PROMPT = "Paste your OpenAI API key and press Enter (or just press Enter to stay offline): "


def ask_for_key(prompt: str = KEY_PROMPT) -> None:
    """Ask for an OpenAI key without echoing it, and say which mode is now on.

    The key goes into `os.environ["OPENAI_API_KEY"]` of this process only: not
    into the notebook, a file or the output. Restarting the kernel forgets it.
    """
    if os.environ.get("OPENAI_API_KEY"):
        print("A key is already set in this session (OPENAI_API_KEY); not asking again.")
        return
    try:
        key = getpass.getpass(prompt).strip()
    except (NotImplementedError, EOFError, OSError):
        # ipykernel raises StdinNotImplementedError (a NotImplementedError) when
        # nobody can type: a scripted run. That is fine: stay offline.
        print("Nobody can type a key in this run (it is not interactive), so we stay offline.")
        return
    if not key:
        print("No key entered: staying in offline mode.")
        return
    os.environ["OPENAI_API_KEY"] = key
    mode = resolve_mode()
    print(f"Key stored for this session only (it is not printed or saved). Mode: {mode}.")
    if mode == "offline":
        print("HOMEMADE_O1_MODE=offline is set, so the key is not used until you unset it.")


def use_local_server(base_url: str = "http://localhost:11434/v1", model: str = "llama3.2") -> None:
    """Point this session at an OpenAI-compatible server, e.g. Ollama.

    Sets `OPENAI_BASE_URL` and `HOMEMADE_O1_MODEL` for this kernel only. Make new
    clients with `helpers.get_client()` afterwards; old ones keep their settings.
    """
    os.environ["OPENAI_BASE_URL"] = base_url.rstrip("/")
    os.environ["HOMEMADE_O1_MODEL"] = model
    print(f"Using {base_url} with model {model}. Mode: {resolve_mode()}.")


def forget_key() -> None:
    """Remove the key (and a local server and its model) from this session: back to offline."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "HOMEMADE_O1_MODEL"):
        os.environ.pop(name, None)
    print(f"Key and server forgotten for this session. Mode: {resolve_mode()}.")
