"""An install check: is everything here that the notebooks need?

From a notebook: `helpers.print_checkup()`. From a terminal, in the project folder:

    python -m helpers.checks.checkup

Each check prints OK, WARN or FAIL, and a fix for anything that is not OK.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from helpers.modes.settings import ConfigurationError, default_model, resolve_mode
from helpers.token_limits import PING_TOKENS, with_token_limit

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

# helpers.modes.client needs openai; it is imported inside the checks that use it, so a
# missing package shows up as a FAIL line with a fix, not as a traceback.
MISSING_PACKAGES_FIX = "install the packages first: pip install -r requirements.txt"

PING_MESSAGES: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Reply with the single word: pong"}
]
MIN_PYTHON = (3, 10)
PACKAGES = {
    # import name: (distribution name, required major version, fix)
    "openai": ("openai", 3, "pip install -r requirements.txt"),
    "ipywidgets": ("ipywidgets", 8, "pip install -r requirements.txt"),
    "json_repair": ("json-repair", None, "pip install -r requirements.txt"),
    "pydantic": ("pydantic", 2, "pip install -r requirements.txt"),
    "matplotlib": ("matplotlib", 3, "pip install -r requirements.txt"),
}


@dataclass
class Check:
    """The outcome of one check."""

    name: str
    status: str  # "OK", "WARN" or "FAIL"
    detail: str
    fix: str = ""

    def __str__(self) -> str:
        line = f"[{self.status:4}] {self.name}: {self.detail}"
        return line + (f"\n       fix: {self.fix}" if self.fix and self.status != "OK" else "")


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] >= MIN_PYTHON:
        return Check("Python", "OK", version)
    return Check(
        "Python",
        "FAIL",
        f"{version} is too old",
        "install Python 3.10 or newer, then make a fresh environment",
    )


def check_package(module: str) -> Check:
    distribution, major, fix = PACKAGES[module]
    try:
        # find it without importing it (importing matplotlib alone takes ~0.3 s)
        if importlib.util.find_spec(module) is None:
            raise ModuleNotFoundError(module)
        version = importlib.metadata.version(distribution)
    except Exception as error:  # a broken install can raise almost anything
        return Check(distribution, "FAIL", f"not installed ({type(error).__name__})", fix)
    if major is not None and int(version.split(".")[0]) != major:
        return Check(distribution, "FAIL", f"{version}, but {major}.x is needed", fix)
    return Check(distribution, "OK", version)


def check_widget_frontend() -> Check:
    """Widgets need ipywidgets in the kernel and jupyterlab_widgets next to JupyterLab."""
    try:
        version = importlib.metadata.version("jupyterlab_widgets")
    except importlib.metadata.PackageNotFoundError:
        return Check(
            "widget front end",
            "WARN",
            "jupyterlab_widgets is not in this environment",
            "if the slider in 00_start_here does not show, run "
            "pip install jupyterlab_widgets where JupyterLab runs, then reload the page",
        )
    return Check("widget front end", "OK", f"jupyterlab_widgets {version} (JupyterLab 4 ready)")


def check_mode() -> Check:
    try:
        from helpers.modes.client import mode_summary
    except ImportError as error:
        return Check("mode", "FAIL", f"cannot load the client ({error})", MISSING_PACKAGES_FIX)
    try:
        summary = mode_summary()
        if resolve_mode() == "local":
            from helpers.modes.local.errors import LocalModelError
            from helpers.modes.local.summary import local_model_path

            try:
                local_model_path()
            except LocalModelError as error:  # no runtime, or no model file yet
                detail = "LOCAL, but the local model cannot start"
                return Check("mode", "FAIL", detail, str(error).splitlines()[0])
        return Check("mode", "OK", summary)
    except ConfigurationError as error:
        return Check("mode", "FAIL", str(error), "fix the setting named above")


def _is_served(model: str, served: list[str]) -> bool:
    """Whether a server offers `model`; Ollama lists `llama3.2:latest` and answers to `llama3.2`."""
    return model in served or f"{model}:latest" in served


def check_model() -> Check:
    """Ask the server (or the local model) which models it has, and whether the default
    model is one of them."""
    model = default_model()
    try:
        mode = resolve_mode()
    except ConfigurationError:
        return Check("model", "WARN", "not checked until the mode above is fixed")
    if mode == "offline":
        return Check("model", "OK", f"{model} (offline, the recordings answer any model name)")
    try:
        import openai

        from helpers.modes.client import get_client
    except ImportError as error:
        return Check("model", "FAIL", f"cannot load the client ({error})", MISSING_PACKAGES_FIX)
    if mode == "local":
        return _check_local_model(model)
    try:
        # Plain live mode, also when recording: a model list is not worth a recording.
        client = get_client(mode="live", timeout=10, max_retries=0)
        served = sorted(entry.id for entry in client.models.list())
    except openai.APIStatusError as error:
        # The server answered but gave no list: some servers have no /models endpoint,
        # others want a key first. The round trip below tells whether the model answers.
        return Check(
            "model",
            "OK" if error.status_code in (404, 405, 501) else "WARN",
            f"{model} (the server's model list is not available: HTTP {error.status_code})",
            "see the round trip below",
        )
    except openai.APIConnectionError as error:  # no server answered (or not in time)
        return Check(
            "model",
            "WARN",
            f"{model} not checked: no server answered ({type(error).__name__})",
            "see the round trip below for what to try",
        )
    except Exception as error:  # an answer that is not a model list
        return Check(
            "model",
            "WARN",
            f"{model} not checked: the model list could not be read ({type(error).__name__})",
            "see the round trip below",
        )
    if not served or _is_served(model, served):
        return Check("model", "OK", f"{model} is served here ({len(served)} models in all)")
    shown = ", ".join(served[:6]) + (", ..." if len(served) > 6 else "")
    return Check(
        "model",
        "WARN",
        f"this server has no model called {model!r}; it has: {shown}",
        f"pick one: set HOMEMADE_O1_MODEL={served[0]} (or another from the list) "
        "before starting Jupyter, or run helpers.use_local_server(url, model=...)",
    )


def _check_local_model(model: str) -> Check:
    """Local mode: ask the local model's own client for its model list (no network)."""
    from helpers.modes.client import get_client

    try:
        served = sorted(entry.id for entry in get_client(mode="local").models.list())
    except Exception as error:  # no runtime, or the model file is missing or unreadable
        detail = f"{model} could not be loaded ({type(error).__name__}): see the mode above"
        return Check("model", "WARN", detail)
    if model in served:
        return Check("model", "OK", f"{model} is loaded on this computer (local mode)")
    # HOMEMADE_O1_MODEL names another model: the local one answers any name a request sends
    loaded = ", ".join(served) or "the local model"
    return Check("model", "OK", f"{loaded} is loaded here and answers requests for {model!r}")


def check_round_trip() -> Check:
    """Send one tiny request (to the model, or to the offline recordings)."""
    try:
        from helpers.errors import explain_error
        from helpers.modes.client import get_client
    except ImportError as error:
        return Check(
            "round trip", "FAIL", f"cannot load the client ({error})", MISSING_PACKAGES_FIX
        )
    try:
        client = get_client(timeout=30, max_retries=1)
        start = time.perf_counter()
        model = default_model()
        limit = with_token_limit({}, client, model, PING_TOKENS)
        reply = client.chat.completions.create(model=model, messages=PING_MESSAGES, **limit)
        seconds = time.perf_counter() - start
    except Exception as error:
        return Check("round trip", "FAIL", "no answer", explain_error(error))
    text = (reply.choices[0].message.content or "").strip()
    where = "the recordings" if resolve_mode() == "offline" else "the model"
    if "pong" not in text.lower():
        return Check(
            "round trip",
            "WARN",
            f"{where} answered {text!r}, not 'pong'",
            "the connection works; the model just did not follow the instruction",
        )
    return Check("round trip", "OK", f"{where} answered {text!r} in {seconds:.1f} s")


def run_checkup(round_trip: bool = True) -> list[Check]:
    """Run every check and return the results (nothing is printed)."""
    checks = [check_python()]
    checks += [check_package(module) for module in PACKAGES]
    checks += [check_widget_frontend(), check_mode()]
    if round_trip:
        checks += [check_model(), check_round_trip()]
    return checks


def _report(checks: list[Check]) -> bool:
    for check in checks:
        print(check)
    failed = [c for c in checks if c.status == "FAIL"]
    print("All set!" if not failed else f"{len(failed)} problem(s): see the fixes above.")
    return not failed


def print_checkup(round_trip: bool = True) -> None:
    """Run every check and print one line each, with a fix for each problem."""
    _report(run_checkup(round_trip))


if __name__ == "__main__":
    sys.exit(0 if _report(run_checkup()) else 1)
