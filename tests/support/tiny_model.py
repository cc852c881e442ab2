"""Make a tiny random-weight chat model, so tests can run llama.cpp without downloading one.

The model is a GGUF file of the Qwen3 architecture (the family of the real models the
project uses), shrunk to 2 layers of width 64 with a 4096-token vocabulary. Its weights
are random numbers, so what it writes is gibberish; but it is a real model for llama.cpp:
it loads in llama-cpp-python and in ``llama-server``, it has a byte-level BPE tokenizer,
the ChatML special tokens, the ``<think>`` and ``<tool_call>`` tokens and a Jinja chat
template that renders tools, tool calls and tool results the way Qwen3 templates do.

The weights are random but steered a little (see ``_random_weights``): the model never
writes special tokens other than <|im_end|> on its own and always writes valid UTF-8;
once it has written <tool_call> it goes on with a newline, and after </tool_call> it ends
its turn. So a test can get a tool call with ``logit_bias={SPECIAL_TOKEN_IDS["<tool_call>"]:
40}`` and end a reply at once with ``logit_bias={SPECIAL_TOKEN_IDS["<|im_end|>"]: 100}``.

Everything is made locally in a few seconds: the tokenizer is trained with the
``tokenizers`` package on text that this module generates itself, and the file is written
with the ``gguf`` package. The same seed gives the same file.

Usage from Python::

    from tiny_model import make_tiny_model
    path = make_tiny_model(tmp_path)

or from a shell (prints the path of the file)::

    python tiny_model.py OUT_DIR [--seed N]

Tested with ``gguf==0.19.0``, ``tokenizers==0.23.3`` and ``numpy``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import uuid
from pathlib import Path

import numpy as np

# Bump this when anything below changes the file, so cached files are not reused.
FORMAT_VERSION = 2

# Shape of the model. Head size 16 times 4 query heads gives the width of 64;
# 2 key/value heads make it use grouped-query attention like Qwen3 does.
N_LAYER = 2
N_EMBD = 64
N_HEAD = 4
N_HEAD_KV = 2
HEAD_DIM = N_EMBD // N_HEAD
N_FF = 192
VOCAB_SIZE = 4096
CONTEXT_LENGTH = 4096
ROPE_FREQ_BASE = 1_000_000.0
RMS_NORM_EPS = 1e-6

# Special tokens, appended after the learned vocabulary (as in Qwen's tokenizers).
# "Control" tokens are never printed as text by llama.cpp; the "user defined" ones
# (<think>, <tool_call>, ...) are, so that reasoning and tool calls can be parsed.
EOS_TOKEN = "<|endoftext|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
CONTROL_TOKENS = [EOS_TOKEN, IM_START, IM_END]
USER_DEFINED_TOKENS = [
    "<think>",
    "</think>",
    "<tool_call>",
    "</tool_call>",
    "<tool_response>",
    "</tool_response>",
]
SPECIAL_TOKENS = CONTROL_TOKENS + USER_DEFINED_TOKENS
SPECIAL_TOKEN_IDS = {
    token: VOCAB_SIZE - len(SPECIAL_TOKENS) + index for index, token in enumerate(SPECIAL_TOKENS)
}

# The pre-tokenizer split used by Qwen2/Qwen3 (llama.cpp knows it as the "qwen2" pre-tokenizer).
# Training with the same split keeps our tokenizer consistent with how llama.cpp cuts text.
QWEN2_SPLIT_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# The chat template, stored in the GGUF as ``tokenizer.chat_template``.
# ChatML turns; a "# Tools" system section when ``tools`` is given; tool calls written as
# <tool_call>{"name": ..., "arguments": ...}</tool_call>; tool results sent back in a user
# turn inside <tool_response> tags; reasoning kept only for the turns after the last user
# message; and ``enable_thinking=false`` pre-fills an empty <think></think> block.
CHAT_TEMPLATE = """\
{#- ChatML template of the homemade-o1 tiny test model (Qwen3-style tools and thinking). -#}
{%- set ns = namespace(last_user=-1) -%}
{%- for message in messages -%}
    {%- if message.role == 'user' -%}
        {%- set ns.last_user = loop.index0 -%}
    {%- endif -%}
{%- endfor -%}
{%- if messages and messages[0].role == 'system' and messages[0].content is string -%}
    {%- set system_text = messages[0].content -%}
{%- else -%}
    {%- set system_text = '' -%}
{%- endif -%}
{%- if tools -%}
    {{- '<|im_start|>system\\n' -}}
    {%- if system_text -%}
        {{- system_text + '\\n\\n' -}}
    {%- endif -%}
    {{- '# Tools\\n\\nYou can call functions to help with the request.\\n\\n' -}}
    {{- 'Here are their signatures, one JSON object per line, between <tools></tools> tags:' -}}
    {{- '\\n<tools>' -}}
    {%- for tool in tools -%}
        {{- '\\n' + (tool | tojson) -}}
    {%- endfor -%}
    {{- '\\n</tools>\\n\\nTo call a function, write its name and arguments as a JSON object ' -}}
    {{- 'between <tool_call></tool_call> tags:\\n' -}}
    {{- '<tool_call>\\n{"name": <function-name>, "arguments": <args-json-object>}' -}}
    {{- '\\n</tool_call>' -}}
    {{- '<|im_end|>\\n' -}}
{%- elif system_text -%}
    {{- '<|im_start|>system\\n' + system_text + '<|im_end|>\\n' -}}
{%- endif -%}
{%- for message in messages -%}
    {%- if message.content is string -%}
        {%- set content = message.content -%}
    {%- else -%}
        {%- set content = '' -%}
    {%- endif -%}
    {%- if message.role == 'user' or (message.role == 'system' and not loop.first) -%}
        {{- '<|im_start|>' + message.role + '\\n' + content + '<|im_end|>\\n' -}}
    {%- elif message.role == 'assistant' -%}
        {%- set reasoning = '' -%}
        {%- if message.reasoning_content is string -%}
            {%- set reasoning = message.reasoning_content -%}
        {%- elif '</think>' in content -%}
            {%- set reasoning = content.split('</think>')[0].split('<think>')[-1] -%}
            {%- set content = content.split('</think>')[-1] -%}
        {%- endif -%}
        {%- set reasoning = reasoning.strip('\\n') -%}
        {%- set content = content.lstrip('\\n') -%}
        {{- '<|im_start|>assistant\\n' -}}
        {%- if loop.index0 > ns.last_user and (loop.last or reasoning) -%}
            {{- '<think>\\n' + reasoning + '\\n</think>\\n\\n' -}}
        {%- endif -%}
        {{- content -}}
        {%- if message.tool_calls -%}
            {%- for call in message.tool_calls -%}
                {%- if call.function -%}
                    {%- set call = call.function -%}
                {%- endif -%}
                {%- if content or not loop.first -%}
                    {{- '\\n' -}}
                {%- endif -%}
                {{- '<tool_call>\\n{"name": "' + call.name + '", "arguments": ' -}}
                {%- if call.arguments is string -%}
                    {{- call.arguments -}}
                {%- else -%}
                    {{- call.arguments | tojson -}}
                {%- endif -%}
                {{- '}\\n</tool_call>' -}}
            {%- endfor -%}
        {%- endif -%}
        {{- '<|im_end|>\\n' -}}
    {%- elif message.role == 'tool' -%}
        {%- if loop.first or messages[loop.index0 - 1].role != 'tool' -%}
            {{- '<|im_start|>user' -}}
        {%- endif -%}
        {{- '\\n<tool_response>\\n' + content + '\\n</tool_response>' -}}
        {%- if loop.last or messages[loop.index0 + 1].role != 'tool' -%}
            {{- '<|im_end|>\\n' -}}
        {%- endif -%}
    {%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{- '<|im_start|>assistant\\n' -}}
    {%- if enable_thinking is defined and enable_thinking is false -%}
        {{- '<think>\\n\\n</think>\\n\\n' -}}
    {%- endif -%}
{%- endif -%}
"""

# A few sentences of plain English, the seed of the tokenizer's training text.
_PARAGRAPH = """\
A language model reads a conversation one token at a time and guesses what comes next.
When it is asked to think first, it writes its reasoning between think tags, then gives
the answer. When it needs a tool, it writes a call with the name of the function and its
arguments as JSON, waits for the result, and carries on. This small model was made for
tests: its weights are random, so it does not know anything, but it speaks the same
format as the real ones. The user asks a question; the assistant answers it. Please
check the weather in Paris, add two numbers, search the documents, read the file, and
tell me whether the result is true or false. What is the capital of France? How many
apples are left if you eat three of the seven? Let us solve the problem step by step.
"""

# Pieces of made-up words (space separated; "-" stands for "nothing").
_ONSETS = "- b c d f g h k l m n p r s t v w st tr pl gr sh ch th br"
_VOWELS = "a e i o u ai ea ou io"
_CODAS = "- - - n r s t l m nd st ng"


def _training_text() -> str:
    """Return the text the tokenizer learns from, the same on every machine.

    It mixes the paragraph above, made-up words built from English-like syllables (so
    that there is enough variety to learn 4096 tokens), numbers, and the JSON and chat
    snippets that tests will send. It uses its own fixed random generator: the
    tokenizer does not depend on the model's seed.
    """
    rng = random.Random(20240917)
    words = _PARAGRAPH.split()
    onsets, vowels, codas = ([p.strip("-") for p in s.split()] for s in (_ONSETS, _VOWELS, _CODAS))
    syllables = [o + v + c for o in onsets for v in vowels for c in codas]

    def made_up_word() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randint(1, 3)))

    lines = [_PARAGRAPH] * 20
    for _ in range(6000):
        sentence = []
        for _ in range(rng.randint(4, 14)):
            roll = rng.random()
            if roll < 0.45:
                sentence.append(rng.choice(words))
            elif roll < 0.9:
                sentence.append(made_up_word())
            else:
                sentence.append(str(rng.randint(0, 9999)))
        text = " ".join(sentence)
        lines.append(text[0].upper() + text[1:] + rng.choice([".", "?", "!", ",", ":"]))
        if rng.random() < 0.1:
            call = {"name": made_up_word(), "arguments": {made_up_word(): rng.randint(0, 99)}}
            lines.append("<tool_call>\n" + json.dumps(call) + "\n</tool_call>")
        if rng.random() < 0.05:
            lines.append(json.dumps({"answer": made_up_word(), "ok": rng.random() < 0.5}))
    return "\n".join(lines)


def _train_tokenizer() -> tuple[list[str], list[int], list[str]]:
    """Train a byte-level BPE tokenizer and return (tokens, token types, merges).

    The learned part has ``VOCAB_SIZE - len(SPECIAL_TOKENS)`` entries (256 byte symbols
    plus merges); the special tokens take the last ids.
    """
    from gguf import TokenType
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_SPLIT_PATTERN), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE - len(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_training_text().splitlines(), trainer=trainer)

    model = json.loads(tokenizer.to_str())["model"]
    vocab: dict[str, int] = model["vocab"]
    tokens = sorted(vocab, key=vocab.__getitem__)
    if [vocab[t] for t in tokens] != list(range(len(tokens))):
        message = "the trained vocabulary does not have contiguous ids"
        raise RuntimeError(message)
    if len(tokens) != VOCAB_SIZE - len(SPECIAL_TOKENS):
        message = f"the tokenizer learned {len(tokens)} tokens, not enough text"
        raise RuntimeError(message)
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]

    types = [int(TokenType.NORMAL)] * len(tokens)
    tokens += SPECIAL_TOKENS
    types += [int(TokenType.CONTROL)] * len(CONTROL_TOKENS)
    types += [int(TokenType.USER_DEFINED)] * len(USER_DEFINED_TOKENS)
    return tokens, types, merges


def _byte_decoder() -> dict[str, int]:
    """Map each character of the byte-level alphabet back to the byte it stands for.

    Byte-level BPE writes every byte as a printable character (GPT-2's convention, which
    ``tokenizers`` and llama.cpp share): printable Latin-1 bytes stand for themselves, the
    others are shifted to code points from 256 up.
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAC + 1), *range(0xAE, 0xFF + 1)]
    shifted = [b for b in range(256) if b not in printable]
    mapping = {chr(b): b for b in printable}
    mapping |= {chr(256 + i): b for i, b in enumerate(shifted)}
    return mapping


def _unwanted_tokens(tokens: list[str]) -> list[int]:
    """Return the ids the model should (almost) never write on its own.

    These are the special tokens other than <|im_end|>, so that random text never opens a
    reasoning block or a tool call by accident, and the byte tokens that are not valid
    UTF-8 on their own or are control characters (other than tab and newline), so that
    every reply decodes to clean text. (llama-cpp-python's streaming also slows down a
    lot when it is fed bytes that do not decode.)
    """
    decode = _byte_decoder()
    unwanted = []
    for token_id, token in enumerate(tokens):
        if token in SPECIAL_TOKENS:
            if token != IM_END:
                unwanted.append(token_id)
            continue
        data = bytes(decode[char] for char in token)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            unwanted.append(token_id)
            continue
        if any((ord(char) < 32 and char not in "\t\n") or ord(char) == 127 for char in text):
            unwanted.append(token_id)
    return unwanted


def _token_id_of(text: str, tokens: list[str]) -> int:
    """Return the id of the single token that spells ``text`` (ASCII) in byte-level form."""
    encode = {byte: char for char, byte in _byte_decoder().items()}
    return tokens.index("".join(encode[b] for b in text.encode("utf-8")))


def _random_weights(seed: int, tokens: list[str]) -> dict[str, np.ndarray]:
    """Return the model's tensors by GGUF name, drawn from a generator seeded with ``seed``.

    Arrays are float32 in PyTorch layout (out_features, in_features); the gguf writer
    turns that into ggml's reversed dimension order. Norm weights are ones.

    The weights are random except for three "steering" channels of the residual stream.
    Attention and feed-forward blocks never write to them (their rows in ``attn_output``
    and ``ffn_down`` are zero), so at every position they hold exactly what the token
    embedding put there, and the output matrix reads them like biases:

    * channel 0 is a constant in every embedding; through it the unwanted tokens (see
      ``_unwanted_tokens``) get a strongly negative logit everywhere;
    * channel 1 is set only in the embedding of <tool_call>: the next token is a newline;
    * channel 2 is set only in the embedding of </tool_call>: the next token is <|im_end|>.

    So the model writes clean random text, and a test that makes it open a tool call (for
    example with ``logit_bias``) gets a well-formed call that ends the turn.
    """
    rng = np.random.default_rng(seed)

    def matrix(rows: int, cols: int, std: float) -> np.ndarray:
        return rng.normal(0.0, std, size=(rows, cols)).astype(np.float32)

    def ones(n: int) -> np.ndarray:
        return np.ones(n, dtype=np.float32)

    std = 1.0 / np.sqrt(N_EMBD)
    embedding = matrix(VOCAB_SIZE, N_EMBD, 1.0)
    output = matrix(VOCAB_SIZE, N_EMBD, 0.5)

    # Steering channels (see the docstring). After the final RMS norm a channel holding 8
    # reads about 3 to 6, so a weight of 8 gives a logit shift of roughly 25 to 50, far
    # above the spread of the random logits (their standard deviation is about 4).
    embedding[:, :3] = 0.0
    output[:, :3] = 0.0
    embedding[:, 0] = 8.0
    output[_unwanted_tokens(tokens), 0] = -8.0
    embedding[tokens.index("<tool_call>"), 1] = 8.0
    output[_token_id_of("\n", tokens), 1] = 8.0
    embedding[tokens.index("</tool_call>"), 2] = 8.0
    output[tokens.index(IM_END), 2] = 8.0

    tensors = {
        "token_embd.weight": embedding,
        "output_norm.weight": ones(N_EMBD),
        "output.weight": output,
    }
    for layer in range(N_LAYER):
        block = f"blk.{layer}"
        attn_output = matrix(N_EMBD, N_HEAD * HEAD_DIM, std)
        ffn_down = matrix(N_EMBD, N_FF, 1.0 / np.sqrt(N_FF))
        attn_output[:3] = 0.0  # keep the steering channels untouched
        ffn_down[:3] = 0.0
        tensors |= {
            f"{block}.attn_norm.weight": ones(N_EMBD),
            f"{block}.attn_q.weight": matrix(N_HEAD * HEAD_DIM, N_EMBD, std),
            f"{block}.attn_k.weight": matrix(N_HEAD_KV * HEAD_DIM, N_EMBD, std),
            f"{block}.attn_v.weight": matrix(N_HEAD_KV * HEAD_DIM, N_EMBD, std),
            f"{block}.attn_q_norm.weight": ones(HEAD_DIM),
            f"{block}.attn_k_norm.weight": ones(HEAD_DIM),
            f"{block}.attn_output.weight": attn_output,
            f"{block}.ffn_norm.weight": ones(N_EMBD),
            f"{block}.ffn_gate.weight": matrix(N_FF, N_EMBD, std),
            f"{block}.ffn_up.weight": matrix(N_FF, N_EMBD, std),
            f"{block}.ffn_down.weight": ffn_down,
        }
    return tensors


def _write_gguf(path: Path, seed: int, chat_template: str = CHAT_TEMPLATE) -> None:
    """Write the complete model (metadata, tokenizer, template, weights) to ``path``."""
    import gguf

    tokens, types, merges = _train_tokenizer()
    writer = gguf.GGUFWriter(path, arch="qwen3")

    writer.add_name("homemade-o1 tiny random Qwen3")
    writer.add_description(
        f"Random weights (seed {seed}) for tests; made by tiny_model.py v{FORMAT_VERSION}."
    )
    writer.add_context_length(CONTEXT_LENGTH)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYER)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD_KV)
    writer.add_key_length(HEAD_DIM)
    writer.add_value_length(HEAD_DIM)
    writer.add_rope_freq_base(ROPE_FREQ_BASE)
    writer.add_layer_norm_rms_eps(RMS_NORM_EPS)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)

    writer.add_tokenizer_model("gpt2")  # llama.cpp's name for byte-level BPE
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_eos_token_id(tokens.index(IM_END))  # a chat turn ends with <|im_end|>
    writer.add_pad_token_id(tokens.index(EOS_TOKEN))
    writer.add_bos_token_id(tokens.index(EOS_TOKEN))
    writer.add_add_bos_token(False)
    writer.add_chat_template(chat_template)

    for name, array in _random_weights(seed, tokens).items():
        writer.add_tensor(name, array)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def make_tiny_model(folder: Path, *, seed: int = 0, chat_template: str | None = None) -> Path:
    """Return the path of a tiny random-weight Qwen3 GGUF in ``folder``, making it if needed.

    The file name holds the format version and the seed, so an existing file made by
    the same version with the same seed is reused as is. A new file is written under a
    temporary name and renamed when complete, so a half-written model is never picked
    up, even when several processes race to make it. ``chat_template`` replaces the
    built-in template (tests use it for models without tools or thinking); the file
    name then also carries a short hash of it.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tag = ""
    if chat_template is not None:
        tag = "-t" + hashlib.sha256(chat_template.encode()).hexdigest()[:8]
    path = folder / f"tiny-qwen3-v{FORMAT_VERSION}-seed{seed}{tag}.gguf"
    if path.is_file():
        return path

    # A name unique to this call, in the same folder so that the rename is atomic.
    temp = folder / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    try:
        _write_gguf(temp, seed, chat_template or CHAT_TEMPLATE)
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def main() -> None:
    """Command line: make the model in OUT_DIR and print its path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder to write the .gguf file into")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random weights")
    args = parser.parse_args()
    print(make_tiny_model(args.out_dir, seed=args.seed))


if __name__ == "__main__":
    main()
