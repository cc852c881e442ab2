"""Write helpers/data/tokenizer/qwen2-tokenizer.json.gz from llama.cpp's Qwen2 vocabulary file.

    python scripts/make_tokenizer_data.py PATH/TO/ggml-vocab-qwen2.gguf

Where the vocabulary file comes from: llama-cpp-python's source package on PyPI vendors
llama.cpp, whose test folder holds vocabulary-only GGUF files:

    pip download --no-binary :all: --no-deps llama-cpp-python==0.3.36
    tar xzf llama_cpp_python-0.3.36.tar.gz
    # -> llama_cpp_python-0.3.36/vendor/llama.cpp/models/ggml-vocab-qwen2.gguf

`ggml-vocab-qwen2.gguf` holds the tokenizer of Qwen2 (also Qwen3's): 151,643 ordinary
tokens, 151,387 merge rules, and special tokens. We keep the ordinary tokens and the merge
rules, and store them compactly: merge number i always makes token 256 + i (the script
checks it), so each rule is stored as one number, the length of its left part. Result:
about 0.7 MB instead of the 5.9 MB file. `helpers/tokens.py` loads it with the `tokenizers`
library, and `tests/test_tokens.py` checks it against llama.cpp's own expected token ids.

Needs the `gguf` package (in requirements-dev.txt).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

from gguf import GGUFReader

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "helpers" / "data" / "tokenizer" / "qwen2-tokenizer.json.gz"
FIRST_MERGED = 256  # tokens 0..255 are the byte alphabet; every later one comes from a merge
SOURCE = (
    "llama.cpp models/ggml-vocab-qwen2.gguf, as vendored in llama-cpp-python 0.3.36's "
    "source package on PyPI"
)
LICENCE = (
    "Qwen2 tokenizer vocabulary and merges: Apache License 2.0 (Qwen team, Alibaba Cloud); "
    "llama.cpp's file: MIT. See helpers/data/tokenizer/README.md."
)


def read_strings(reader: GGUFReader, name: str) -> list[str]:
    field = reader.fields[name]
    return [bytes(field.parts[index]).decode("utf-8") for index in field.data]


def read_ints(reader: GGUFReader, name: str) -> list[int]:
    field = reader.fields[name]
    return [int(field.parts[index][0]) for index in field.data]


def compact(gguf_path: Path) -> dict:
    reader = GGUFReader(gguf_path)
    pre = bytes(reader.fields["tokenizer.ggml.pre"].parts[-1]).decode()
    if pre != "qwen2":
        raise SystemExit(f"{gguf_path} is a {pre!r} vocabulary, not qwen2")
    tokens = read_strings(reader, "tokenizer.ggml.tokens")
    types = read_ints(reader, "tokenizer.ggml.token_type")
    merges = read_strings(reader, "tokenizer.ggml.merges")
    ordinary = [token for token, kind in zip(tokens, types) if kind == 1]  # 1: normal
    if tokens[: len(ordinary)] != ordinary:
        raise SystemExit("the ordinary tokens do not come first: this script needs updating")
    splits = []
    for number, rule in enumerate(merges):
        left, right = rule.split(" ")
        if left + right != ordinary[FIRST_MERGED + number]:
            raise SystemExit(f"merge {number} ({rule!r}) does not make token {256 + number}")
        splits.append(len(left))
    if FIRST_MERGED + len(splits) != len(ordinary):
        raise SystemExit("some ordinary tokens come from no merge: this script needs updating")
    return {"source": SOURCE, "licence": LICENCE, "tokens": ordinary, "splits": splits}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gguf", type=Path, help="the path of ggml-vocab-qwen2.gguf")
    args = parser.parse_args(argv)
    data = compact(args.gguf)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(gzip.compress(text, compresslevel=9, mtime=0))  # same bytes every run
    print(
        f"wrote {OUT.relative_to(ROOT)}: {len(data['tokens'])} tokens, {OUT.stat().st_size} bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
