"""Turn the conversation into the prompt text, with the model's own chat template.

Every chat model is trained on its own way of writing a conversation (roles, turn
markers, how tools and tool results look, where thinking goes). The GGUF file
carries that recipe as a Jinja template; llama-cpp-python's `Jinja2ChatFormatter`
renders it the way Hugging Face's `apply_chat_template` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from helpers.modes.local.errors import RequestError
from helpers.modes.local.request import ChatRequest
from helpers.modes.local.runtime import LoadedModel

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
TOOL_OPEN, TOOL_CLOSE = "<tool_call>", "</tool_call>"


@dataclass(frozen=True)
class Prompt:
    """The rendered prompt and what the reply will look like."""

    text: str
    tokens: list[int]
    thinking: bool  # the model may write a <think> block first
    opens_in_thinking: bool  # the template already opened the <think> block


def _formatter(model: LoadedModel) -> Any:
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    llama = model.llama
    text_of = llama._model.token_get_text  # the special tokens' text, e.g. "<|im_end|>"
    bos = llama.token_bos()
    return Jinja2ChatFormatter(
        template=model.info.chat_template,
        eos_token=text_of(llama.token_eos()),
        bos_token=text_of(bos) if bos >= 0 else "",
    )


def render_prompt(model: LoadedModel, chat: ChatRequest) -> Prompt:
    """Render and tokenize the request's conversation; raise `RequestError` if it cannot be.

    Thinking (for a template with an `enable_thinking` switch, like Qwen3's) is on only
    when the request asks with `reasoning_effort` low, medium or high.
    """
    extra: dict[str, Any] = {}
    thinking = False
    if model.info.has_thinking_switch:
        thinking = bool(chat.thinking)
        extra["enable_thinking"] = thinking
    tools = chat.tools if chat.tools_active else None
    try:
        text = _formatter(model)(messages=chat.messages, tools=tools, **extra).prompt
    except Exception as error:  # a template may raise anything (raise_exception, jinja2 errors)
        raise RequestError(
            f"The model's chat template cannot write these messages: {error}", "messages"
        ) from None
    llama = model.llama
    tokens = llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)
    bos = llama.token_bos()
    if llama._model.add_bos_token() and bos >= 0 and tokens[:1] != [bos]:
        tokens.insert(0, bos)
    tail = text.rstrip()
    opens_in_thinking = tail.endswith(THINK_OPEN)
    return Prompt(
        text=text,
        tokens=tokens,
        thinking=thinking or opens_in_thinking,
        opens_in_thinking=opens_in_thinking,
    )


def check_fits(model: LoadedModel, prompt: Prompt) -> None:
    """Refuse a prompt that leaves no room in the context window (HTTP 400, as the API does)."""
    if len(prompt.tokens) >= model.context:
        raise RequestError(
            f"This model's maximum context length is {model.context} tokens. However, your "
            f"messages resulted in {len(prompt.tokens)} tokens. Please reduce the length of the "
            "messages (or raise HOMEMADE_O1_LOCAL_CONTEXT).",
            "messages",
            "context_length_exceeded",
        )
