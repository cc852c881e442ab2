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

    python scripts/bench_local.py                      # the tiny model
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MESSAGES = [{"role": "user", "content": "Explain, step by step, how to add 17 and 25."}]


def tiny_model() -> Path:
    from tests.support.tiny_model import make_tiny_model

    return make_tiny_model(Path(tempfile.gettempdir()) / "homemade-o1-bench-models")


def end_of_turn_ban(llama) -> dict[str, float]:
    return {str(llama.token_eos()): -100.0}


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
    direct = llama_cpp.Llama(
        model_path=str(model), n_ctx=ours.context, n_threads=threads,
        n_threads_batch=threads, verbose=False,
    )  # fmt: skip
    ban = end_of_turn_ban(direct)
    sampling = dict(temperature=0.8, top_p=0.95, seed=1)

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
        return reply.usage.completion_tokens

    def sdk_stream() -> int:
        stream = client.chat.completions.create(
            model="m", messages=MESSAGES, max_tokens=tokens, logit_bias=ban, stream=True,
            stream_options={"include_usage": True}, **sampling,
        )  # fmt: skip
        usage = None
        for chunk in stream:
            usage = chunk.usage or usage
        return usage.completion_tokens

    direct_options = dict(
        messages=MESSAGES, max_tokens=tokens, logit_bias={int(k): v for k, v in ban.items()},
        top_k=40, min_p=0.05, repeat_penalty=1.0, **sampling,
    )  # fmt: skip

    def direct_plain() -> int:
        return direct.create_chat_completion(**direct_options)["usage"]["completion_tokens"]

    def direct_stream() -> int:
        count = 0
        for chunk in direct.create_chat_completion(stream=True, **direct_options):
            if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
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
import json, os, resource, sys
import helpers
reply = helpers.get_client("local").chat.completions.create(
    model="m", messages=[{"role": "user", "content": "Hello"}], max_tokens=16)
from helpers.modes.local.runtime import loaded_model
model = loaded_model()
print(json.dumps({
    "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    "context": model.context,
    "kv_cache_bytes": model.info.kv_cache_bytes(model.context),
    "file_bytes": model.info.size_bytes,
}))
"""
BASELINE_PROBE = """
import json, resource
import helpers, openai, llama_cpp
helpers.get_client("offline")
print(json.dumps({"peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
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
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tokens", type=int, default=512, help="tokens per run")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    model = args.model or tiny_model()
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
    baseline = probe(BASELINE_PROBE, model, args.threads)
    predicted = memory["file_bytes"] + memory["kv_cache_bytes"]
    print()
    print(f"{'memory':<58} {'bytes':>14}")
    rows = [
        ("model file (memory-mapped)", memory["file_bytes"]),
        (f"KV cache at {memory['context']} tokens (f16, from the header)", memory["kv_cache_bytes"]),
        ("predicted: file + KV cache", predicted),
        ("measured: peak RSS, Python + SDK + llama_cpp, no model", baseline["peak_rss_bytes"]),
        ("measured: peak RSS after loading and one answer", memory["peak_rss_bytes"]),
        ("  of which the model's part (peak minus no-model)", memory["peak_rss_bytes"] - baseline["peak_rss_bytes"]),
    ]  # fmt: skip
    for label, size in rows:
        print(f"{label:<58} {mb(size):>14}")


if __name__ == "__main__":
    main()
