"""Local mode's cost: speed through the OpenAI SDK vs llama-cpp-python alone, and memory.

A report, not a test. It measures, on one GGUF model (by default the tiny random
model the tests make, so it runs anywhere in seconds):

1. tokens per second through `helpers.get_client("local")`, plain and streamed, and
   the same request sent to llama-cpp-python directly (`Llama.create_chat_completion`)
   with the same model, prompt, seed, sampling and threads. The end-of-turn token is
   banned with `logit_bias` so every run writes exactly `--tokens` tokens. Runs are
   interleaved and the median is kept, because other programs share the CPU.
2. the peak resident memory (RSS) of a fresh Python process that loaded the model
   through local mode and answered one question, next to what the model's header
   predicts: file size + KV cache (layers x KV heads x (key + value size) x 2 bytes x
   context).

It can also make a *stand-in* for a real model: random weights with exactly the
published shapes of Qwen3-0.6B (28 layers, width 1024, 16 query and 8 KV heads of
128, feed-forward 3072, 151,936-token vocabulary, tied embeddings) quantised to Q8_0
like the official file. Its text is gibberish, but it costs the same memory and the
same time per token as the real model, so its numbers say what the real one costs on
this computer without downloading it.

    python scripts/bench_local.py                      # the tiny model
    python scripts/bench_local.py --stand-in qwen3-0.6b --tokens 64 --runs 3
    python scripts/bench_local.py --model path/to/Qwen3-0.6B-Q8_0.gguf --tokens 128
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, cast

if TYPE_CHECKING:
    from llama_cpp.llama_types import (
        CreateChatCompletionResponse,
        CreateChatCompletionStreamResponse,
    )
    from openai.types.chat import ChatCompletionMessageParam

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MESSAGES: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Explain, step by step, how to add 17 and 25."}
]


def tiny_model() -> Path:
    from tests.support.tiny_model import make_tiny_model

    return make_tiny_model(Path(tempfile.gettempdir()) / "homemade-o1-bench-models")


# Published shapes (the model's config.json); see docs/local-model.md.
STAND_INS = {
    "qwen3-0.6b": dict(layers=28, width=1024, heads=16, kv_heads=8, head_size=128, ffn=3072,
                       vocab=151_936, context=40_960),
}  # fmt: skip


def stand_in_model(name: str) -> Path:
    """A random-weight Q8_0 GGUF with the shapes of `name` (made once, then reused)."""
    import gguf
    import numpy as np

    from tests.support import tiny_model

    shape = STAND_INS[name]
    folder = Path(tempfile.gettempdir()) / "homemade-o1-bench-models"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"stand-in-{name}-v2-Q8_0.gguf"
    if path.is_file():
        return path
    print(f"making {path.name} (random weights, real shapes; a minute or two)...", flush=True)
    tokens, types, merges = tiny_model._train_tokenizer()
    # fill the vocabulary with plain words (" zz0", " zz1", ... in byte-level spelling), so
    # that every token the random model picks is printable text, as with a real model
    padding = shape["vocab"] - len(tokens)
    tokens += [f"\u0120zz{i}" for i in range(padding)]
    types += [int(gguf.TokenType.NORMAL)] * padding
    rng = np.random.default_rng(0)
    q8 = gguf.GGMLQuantizationType.Q8_0

    def matrix(rows: int, cols: int) -> np.ndarray:
        data = rng.standard_normal((rows, cols), dtype=np.float32) / np.float32(np.sqrt(cols))
        return gguf.quants.quantize(data, q8)

    temp = path.with_suffix(".tmp")
    writer = gguf.GGUFWriter(temp, arch="qwen3")
    writer.add_name(f"random stand-in for {name}")
    writer.add_context_length(shape["context"])
    writer.add_embedding_length(shape["width"])
    writer.add_block_count(shape["layers"])
    writer.add_feed_forward_length(shape["ffn"])
    writer.add_head_count(shape["heads"])
    writer.add_head_count_kv(shape["kv_heads"])
    writer.add_key_length(shape["head_size"])
    writer.add_value_length(shape["head_size"])
    writer.add_rope_freq_base(1_000_000.0)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_eos_token_id(tokens.index(tiny_model.IM_END))
    writer.add_bos_token_id(tokens.index(tiny_model.EOS_TOKEN))
    writer.add_add_bos_token(False)
    writer.add_chat_template(tiny_model.CHAT_TEMPLATE)
    width, heads, kv = shape["width"], shape["heads"], shape["kv_heads"]
    head, ffn = shape["head_size"], shape["ffn"]
    ones = np.ones(width, dtype=np.float32)
    writer.add_tensor("token_embd.weight", matrix(shape["vocab"], width), raw_dtype=q8)
    writer.add_tensor("output_norm.weight", ones)  # no output.weight: tied, as in Qwen3-0.6B
    for layer in range(shape["layers"]):
        block = f"blk.{layer}"
        for part, rows, cols in (
            ("attn_q", heads * head, width), ("attn_k", kv * head, width),
            ("attn_v", kv * head, width), ("attn_output", width, heads * head),
            ("ffn_gate", ffn, width), ("ffn_up", ffn, width), ("ffn_down", width, ffn),
        ):  # fmt: skip
            writer.add_tensor(f"{block}.{part}.weight", matrix(rows, cols), raw_dtype=q8)
        for part, size in (("attn_norm", width), ("ffn_norm", width), ("attn_q_norm", head),
                           ("attn_k_norm", head)):  # fmt: skip
            writer.add_tensor(f"{block}.{part}.weight", np.ones(size, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    temp.replace(path)
    return path


class Sampling(TypedDict):
    """The sampling settings both ways are given."""

    temperature: float
    top_p: float
    seed: int


def end_of_turn_ban(llama) -> dict[str, int]:
    return {str(llama.token_eos()): -100}  # the API's logit_bias values are integers


def bench_speed(model: Path, threads: int, tokens: int, runs: int) -> dict[str, list[float]]:
    """Tokens per second of each way, `runs` times each, interleaved."""
    import llama_cpp

    os.environ.update(
        HOMEMADE_O1_MODE="local",
        HOMEMADE_O1_LOCAL_MODEL=str(model),
        HOMEMADE_O1_THREADS=str(threads),
        HOMEMADE_O1_TIMEOUT="3600",
    )
    from helpers.modes.client import get_client
    from helpers.modes.local.runtime import loaded_model

    client = get_client("local")
    client.chat.completions.create(model="m", messages=MESSAGES, max_tokens=2)  # load it
    ours = loaded_model()
    assert ours is not None  # the call above loaded it
    direct = llama_cpp.Llama(
        model_path=str(model), n_ctx=ours.context, n_threads=threads,
        n_threads_batch=threads, verbose=False,
    )  # fmt: skip
    ban = end_of_turn_ban(direct)
    sampling = Sampling(temperature=0.8, top_p=0.95, seed=1)

    def timed(call) -> float:
        started = time.perf_counter()
        produced = call()
        elapsed = time.perf_counter() - started
        if produced != tokens:
            raise RuntimeError(f"expected {tokens} tokens, got {produced}")
        return tokens / elapsed

    def sdk_plain() -> int:
        reply = client.chat.completions.create(
            model="m", messages=MESSAGES, max_tokens=tokens, logit_bias=ban, **sampling
        )
        if reply.usage is None:
            raise RuntimeError("the reply came without usage")
        return reply.usage.completion_tokens

    def sdk_stream() -> int:
        stream = client.chat.completions.create(
            model="m", messages=MESSAGES, max_tokens=tokens, logit_bias=ban, stream=True,
            stream_options={"include_usage": True}, **sampling,
        )  # fmt: skip
        usage = None
        for chunk in stream:
            usage = chunk.usage or usage
        if usage is None:
            raise RuntimeError("the stream ended without a usage chunk")
        return usage.completion_tokens

    direct_options: dict[str, Any] = dict(
        messages=MESSAGES, max_tokens=tokens, logit_bias={int(k): v for k, v in ban.items()},
        top_k=40, min_p=0.05, repeat_penalty=1.0, **sampling,
    )  # fmt: skip

    # create_chat_completion is typed to return a reply or a stream; which one is set by
    # `stream`, so each way below casts to the one it asked for
    def direct_plain() -> int:
        reply = cast(
            "CreateChatCompletionResponse", direct.create_chat_completion(**direct_options)
        )
        return reply["usage"]["completion_tokens"]

    def direct_stream() -> int:
        count = 0
        chunks = cast(
            "Iterator[CreateChatCompletionStreamResponse]",
            direct.create_chat_completion(stream=True, **direct_options),
        )
        for chunk in chunks:
            if chunk["choices"] and "content" in chunk["choices"][0]["delta"]:
                count += 1  # one chunk per token here (plain text, no stop strings)
        return count

    ways = {
        "llama-cpp-python, plain": direct_plain,
        "get_client('local'), plain": sdk_plain,
        "llama-cpp-python, stream": direct_stream,
        "get_client('local'), stream": sdk_stream,
    }
    results: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(runs):
        for name, call in ways.items():
            results[name].append(timed(call))
    return results


MEMORY_PROBE = """
import json
import helpers, llama_cpp
def status(key):  # bytes, from /proc/self/status (VmRSS: now, VmHWM: the peak so far)
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
client = helpers.get_client("local")
before = status("VmRSS")
client.chat.completions.create(
    model="m", messages=[{"role": "user", "content": "Hello"}], max_tokens=16)
from helpers.modes.local.runtime import loaded_model
model = loaded_model()
print(json.dumps({
    "rss_before_bytes": before,
    "rss_after_bytes": status("VmRSS"),
    "peak_rss_bytes": status("VmHWM"),
    "context": model.context,
    "kv_cache_bytes": model.info.kv_cache_bytes(model.context),
    "file_bytes": model.info.size_bytes,
}))
"""


def probe(script: str, model: Path, threads: int) -> dict:
    env = {
        **os.environ,
        "HOMEMADE_O1_MODE": "local",
        "HOMEMADE_O1_LOCAL_MODEL": str(model),
        "HOMEMADE_O1_THREADS": str(threads),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def mb(size: float) -> str:
    return f"{size / 2**20:,.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a .gguf file (default: the tiny test model)")
    parser.add_argument("--stand-in", choices=sorted(STAND_INS), help="a same-shape random model")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tokens", type=int, default=512, help="tokens per run")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    model = args.model or (stand_in_model(args.stand_in) if args.stand_in else tiny_model())
    print(f"model: {model.name} ({model.stat().st_size:,} bytes), threads: {args.threads}, "
          f"{args.tokens} tokens per run, median of {args.runs} runs")  # fmt: skip

    speeds = bench_speed(model, args.threads, args.tokens, args.runs)
    median = {name: statistics.median(values) for name, values in speeds.items()}
    print()
    print(f"{'way':<30} {'tokens/s (median)':>18} {'min':>9} {'max':>9} {'vs direct':>10}")
    for name, values in speeds.items():
        kind = name.split(", ")[1]
        ratio = median[name] / median[f"llama-cpp-python, {kind}"]
        print(
            f"{name:<30} {median[name]:>18,.0f} {min(values):>9,.0f} {max(values):>9,.0f} "
            f"{ratio:>9.2f}x"
        )

    memory = probe(MEMORY_PROBE, model, args.threads)
    kv = memory["kv_cache_bytes"]
    predicted = memory["file_bytes"] + kv
    before, after = memory["rss_before_bytes"], memory["rss_after_bytes"]
    rows = [
        ("model file (memory-mapped)", memory["file_bytes"]),
        (f"KV cache at {memory['context']} tokens (f16, computed from the header)", kv),
        ("computed: file + KV cache", predicted),
        ("measured: RSS with Python, SDK, helpers, llama_cpp, no model", before),
        ("measured: RSS after loading the model and one answer", after),
        ("measured: the model's part (after minus before)", after - before),
        ("measured: peak RSS of that process", memory["peak_rss_bytes"]),
    ]  # fmt: skip
    print()
    print(f"{'memory (MiB = 2**20 bytes)':<66} {'size':>12}")
    for label, size in rows:
        print(f"{label:<66} {mb(size):>12}")


if __name__ == "__main__":
    main()
