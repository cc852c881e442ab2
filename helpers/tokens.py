"""How a model sees text: as tokens, not letters (notebook 02).

A chat model never reads letters. Its tokenizer first cuts the text into pieces from a
fixed vocabulary (common words whole, rarer words in parts, anything else byte by byte),
and the model reads the number of each piece. Asked how many r's "strawberry" has, the
model sees a few numbers, not ten letters: it can only count them if it has learned how
each piece is spelled. Writing the word out letter by letter first (a step!) helps.

The tokenizer here is Qwen2's, which Qwen3 uses too (the local mode's default model,
Qwen3-0.6B, reads exactly these tokens); OpenAI's models use vocabularies of their own, so
their pieces differ, but the idea is the same. Its vocabulary and merge rules ship with the
course in `data/tokenizer/` (0.7 MB; where they come from and their licence: the README
there), so it works offline; Hugging Face's `tokenizers` library does the cutting.

    helpers.show_tokens("How many r's are in strawberry?")
"""

from __future__ import annotations

import gzip
import json
import textwrap
from functools import lru_cache
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers
from tokenizers.models import BPE

DATA_FILE = Path(__file__).resolve().parent / "data" / "tokenizer" / "qwen2-tokenizer.json.gz"
FIRST_MERGED = 256
"""Tokens 0-255 are the byte alphabet; token 256 + i is made by merge rule number i."""

SPLIT_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
"""How Qwen2 cuts text into words before any merging (the pattern of its tokenizer.json):
English contractions, a run of letters with at most one sign before it, one digit at a
time, a run of punctuation, and runs of spaces or line breaks. No token crosses these cuts."""

SPACE_MARK = "␣"
WIDTH = 74


def _byte_alphabet() -> dict[str, int]:
    """The character byte-level BPE writes for each byte, mapped back to the byte.

    Printable Latin-1 bytes stand for themselves; the others (spaces, control bytes, ...)
    are moved to the characters from U+0100 on, in order, so every token is visible text.
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAC + 1), *range(0xAE, 0xFF + 1)]
    others = [byte for byte in range(256) if byte not in printable]
    alphabet = {chr(byte): byte for byte in printable}
    alphabet.update({chr(256 + n): byte for n, byte in enumerate(others)})
    return alphabet


_BYTE_OF = _byte_alphabet()


@lru_cache(maxsize=1)
def load_tokenizer() -> Tokenizer:
    """Qwen2's tokenizer (Qwen3's too), from the vocabulary that ships with the course.

    A `tokenizers.Tokenizer`: `.encode(text).ids` gives the token numbers the model reads,
    `.decode(ids)` the text back. Loaded once (about a second), then reused.
    """
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as file:
        data = json.load(file)
    tokens: list[str] = data["tokens"]
    vocabulary = {token: number for number, token in enumerate(tokens)}
    merges = [
        (tokens[FIRST_MERGED + n][:left], tokens[FIRST_MERGED + n][left:])
        for n, left in enumerate(data["splits"])
    ]
    tokenizer = Tokenizer(BPE(vocab=vocabulary, merges=merges))
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(SPLIT_PATTERN), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    return tokenizer


def token_pieces(text: str) -> list[tuple[int, str]]:
    """Each token of `text` as (its number, the text it stands for).

    A token that holds only part of a character (an emoji is often cut in two) is shown
    as its bytes, like `\\xf0\\x9f`.
    """
    tokenizer = load_tokenizer()
    pieces = []
    for number in tokenizer.encode(text).ids:
        raw = bytes(_BYTE_OF[char] for char in tokenizer.id_to_token(number) or "")
        pieces.append((number, raw.decode("utf-8", errors="backslashreplace")))
    return pieces


def _visible(piece: str) -> str:
    """A piece with its spaces and line breaks made visible."""
    shown = piece.encode("unicode_escape").decode("ascii") if not piece.isprintable() else piece
    return shown.replace(" ", SPACE_MARK)


def show_tokens(text: str) -> None:
    """Print how the model sees `text`: its tokens, one [box] each, and their numbers."""
    pieces = token_pieces(text)
    count = f"{len(pieces)} token{'s' if len(pieces) != 1 else ''}"
    note = f" ({SPACE_MARK} is a space)" if " " in text else ""
    print(f"{count}{note}:")
    boxes = " ".join(f"[{_visible(piece)}]" for _, piece in pieces)
    print(textwrap.fill(boxes, WIDTH, initial_indent="  ", subsequent_indent="  "))
    numbers = ", ".join(str(number) for number, _ in pieces)
    print(textwrap.fill(numbers, WIDTH, initial_indent="  ids: ", subsequent_indent="       "))
