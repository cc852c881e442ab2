"""The tokenizer notebook 02 shows: Qwen2's, from the vocabulary that ships with the course.

`tests/data/ggml-vocab-qwen2.gguf.inp` and `.out` are llama.cpp's own tokenizer test for
this vocabulary (copied from its `models/` folder, MIT licence): texts, and the token ids
llama.cpp's reference tokenizer gives them (no special tokens added). Our tokenizer must
give the same ids for every one.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

import helpers
from helpers.tokens import DATA_FILE, load_tokenizer, show_tokens, token_pieces

DATA = Path(__file__).parent / "data"
SEPARATOR = "\n__ggml_vocab_test__\n"


def llama_cpp_cases() -> list[tuple[str, list[int]]]:
    raw = (DATA / "ggml-vocab-qwen2.gguf.inp").read_text(encoding="utf-8")
    texts = raw.removesuffix(SEPARATOR).split(SEPARATOR)  # as llama.cpp's test reads them
    lines = (DATA / "ggml-vocab-qwen2.gguf.out").read_text(encoding="utf-8").split("\n")[:-1]
    assert len(texts) == len(lines) > 40
    return [(text, [int(n) for n in line.split()]) for text, line in zip(texts, lines)]


CASES = llama_cpp_cases()


@pytest.mark.parametrize("text, expected", CASES, ids=[f"case{n}" for n in range(len(CASES))])
def test_same_ids_as_llama_cpp(text: str, expected: list[int]) -> None:
    assert load_tokenizer().encode(text).ids == expected


def test_decoding_gives_the_text_back() -> None:
    tokenizer = load_tokenizer()
    for text, _ in CASES:
        assert tokenizer.decode(tokenizer.encode(text).ids) == text


def test_pieces_join_to_the_text() -> None:
    pieces = token_pieces("How many r's are in strawberry?")
    assert "".join(piece for _, piece in pieces) == "How many r's are in strawberry?"
    assert (72600, " strawberry") in pieces  # one token for the whole word, in a sentence
    assert [piece for _, piece in token_pieces("strawberry")] == ["str", "aw", "berry"]


def test_part_of_a_character_is_shown_as_bytes() -> None:
    # the llama is cut into three tokens (llama.cpp's case " this is 🦙.cpp")
    pieces = token_pieces(" 🦙.cpp")
    assert [number for number, _ in pieces] == [11162, 99, 247, 13, 10821]
    assert [piece for _, piece in pieces] == [" \\xf0\\x9f", "\\xa6", "\\x99", ".", "cpp"]


def test_show_tokens_prints_boxes_and_ids(capsys: pytest.CaptureFixture[str]) -> None:
    show_tokens("strawberry")
    assert capsys.readouterr().out == ("3 tokens:\n  [str] [aw] [berry]\n  ids: 495, 672, 15357\n")
    show_tokens("a\nb  c " * 12)
    out = capsys.readouterr().out
    assert out.startswith("61 tokens (␣ is a space):\n  [a] [\\n] [b] [␣] [␣c]")
    assert max(len(line) for line in out.splitlines()) <= 74


def test_public_and_documented() -> None:
    assert helpers.show_tokens is show_tokens
    assert helpers.load_tokenizer is load_tokenizer


def test_data_file_names_its_source_and_licence() -> None:
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as file:
        data = json.load(file)
    assert "ggml-vocab-qwen2.gguf" in data["source"]
    assert "Apache License 2.0" in data["licence"]
    assert len(data["tokens"]) == 151643 == 256 + len(data["splits"])
    readme = (DATA_FILE.parent / "README.md").read_text(encoding="utf-8")
    assert "Apache" in readme and "MIT" in readme
    assert (DATA_FILE.parent / "LICENSE-Apache-2.0.txt").is_file()
    assert DATA_FILE.stat().st_size < 1_000_000
