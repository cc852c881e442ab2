"""Checkers for the exercises of 00_start_here."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from helpers.exercises.core import checker
from helpers.modes.settings import resolve_mode


@checker("00.1")
def check_00_1(first_reply: Any) -> str | None:
    """a chat completion from client.chat.completions.create whose text contains 'pong'
    (with a model on your computer or a server: any reply of at most 5 tokens)

    Hint: Use client = helpers.get_client(), then client.chat.completions.create(...) with
    model=helpers.default_model() and messages=helpers.checks.checkup.PING_MESSAGES
    (max_tokens=5). Store the whole reply object, not just its text.
    """
    if isinstance(first_reply, str):
        return "That is a string; store the whole reply object the client returned."
    try:
        text = first_reply.choices[0].message.content or ""
    except (AttributeError, IndexError, TypeError):
        return f"Expected a chat completion object, got {type(first_reply).__name__}."
    if "pong" in text.lower():
        return None
    if resolve_mode() == "offline":  # the recorded answer to the ping says pong
        return f"The reply says {text!r}; it should contain 'pong'."
    written = getattr(getattr(first_reply, "usage", None), "completion_tokens", None)
    if not isinstance(written, int) or written > 5:
        return f"The reply has {written} tokens: pass max_tokens=5 to keep it to one word."
    # A real model that did not say the word: the code is right, the model is not.
    print(
        f"(The model answered {text.strip()!r}, not 'pong': your call is right, the model "
        "did not follow the instruction. Small models often do not.)"
    )
    return None


@checker("00.2")
def check_00_2(local_server_settings: Any) -> str | None:
    """a function local_server_settings(port, model) returning OPENAI_BASE_URL
    (http://localhost:<port>/v1) and HOMEMADE_O1_MODEL

    Hint: Return a dict with two keys. The base URL of an OpenAI-compatible server is the server
    address followed by /v1, for example http://localhost:11434/v1 for Ollama.
    """
    if not callable(local_server_settings):
        return "local_server_settings should be a function."
    for port, model in ((11434, "llama3.2"), (8080, "qwen2.5:7b")):
        settings = local_server_settings(port, model)
        if not isinstance(settings, dict):
            return f"It returned {type(settings).__name__}, not a dict."
        missing = {"OPENAI_BASE_URL", "HOMEMADE_O1_MODEL"} - settings.keys()
        if missing:
            return f"The dict is missing {', '.join(sorted(missing))}."
        url = urlparse(str(settings["OPENAI_BASE_URL"]))
        if url.scheme != "http" or url.hostname not in ("localhost", "127.0.0.1"):
            return (
                f"For port {port} the base URL {settings['OPENAI_BASE_URL']!r} should "
                "start with http://localhost."
            )
        if url.port != port:
            return f"For port {port} the base URL uses port {url.port}."
        if url.path.rstrip("/") != "/v1":
            return f"The base URL should end in /v1 (got path {url.path!r})."
        if settings["HOMEMADE_O1_MODEL"] != model:
            return f"HOMEMADE_O1_MODEL should be the model asked for ({model!r})."
    return None
