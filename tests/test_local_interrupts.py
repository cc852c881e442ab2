"""Local mode stops when asked: kernel interrupts, readers that give up, and the deadline.

Signals are sent to a child Python process (a KeyboardInterrupt that escaped a test
would stop the whole pytest run); the script prints what happened as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import openai
import pytest

from helpers.modes.client import get_client
from helpers.modes.local.errors import LocalTimeoutError, StreamTakenOverError
from helpers.modes.local.runtime import loaded_model

ROOT = Path(__file__).resolve().parent.parent
ASK = [{"role": "user", "content": "Count the apples, slowly."}]


def no_end():
    """A logit bias that forbids the end-of-turn token: the tiny model writes until stopped."""
    from tests.support.tiny_model import SPECIAL_TOKEN_IDS

    return {str(SPECIAL_TOKEN_IDS["<|im_end|>"]): -100}


def ask(**options):
    options.setdefault("model", "m")
    options.setdefault("messages", ASK)
    return get_client("local").chat.completions.create(**options)


PRELUDE = """
import asyncio, json, os, signal, sys, threading, time
import helpers
from tests.support.tiny_model import SPECIAL_TOKEN_IDS
NO_END = {str(SPECIAL_TOKEN_IDS["<|im_end|>"]): -100}
ASK = [{"role": "user", "content": "Count the apples, slowly."}]
client = helpers.get_client("local")
def reference():
    reply = client.chat.completions.create(model="m", messages=ASK, max_tokens=12, seed=3)
    return reply.choices[0].message.content
before = reference()
sent = {}
def interrupt_soon(delay=0.5):
    def fire():
        sent["at"] = time.monotonic()
        os.kill(os.getpid(), signal.SIGINT)
    threading.Timer(delay, fire).start()
# a long job: four choices of up to 4096 tokens each, never ending on their own
LONG = dict(model="m", messages=ASK, n=4, logit_bias=NO_END, seed=1)
"""


def run_script(body: str, model: Path) -> dict:
    script = PRELUDE + textwrap.dedent(body)
    env = {
        **os.environ,
        "HOMEMADE_O1_MODE": "local",
        "HOMEMADE_O1_LOCAL_MODEL": str(model),
        "HOMEMADE_O1_THREADS": "1",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "stderr": done.stderr[-3000:]}


CALL_AND_REPORT = """
try:
    client.chat.completions.create(**LONG)
    outcome = "finished"
except KeyboardInterrupt:
    outcome = "interrupted"
stopped_after = time.monotonic() - sent.get("at", time.monotonic())
print(json.dumps({"outcome": outcome, "stopped_after": stopped_after,
                  "same_after": reference() == before}))
"""


def test_an_interrupt_stops_a_call_at_once_and_the_model_stays_usable(tiny_model_file):
    result = run_script("interrupt_soon()" + CALL_AND_REPORT, tiny_model_file)
    assert result["outcome"] == "interrupted", result
    # a token of the tiny model takes milliseconds; the margin is for a busy test machine
    assert result["stopped_after"] < 1.0, result
    assert result["same_after"], result


# llama.cpp runs logits processors (logit_bias, logprobs) through a C callback, and an
# exception cannot leave one: Python prints it and drops it. An interrupt that lands there
# (under load it does, now and then) must still stop the call. Here it is made to land
# there every time: the processor itself sends the signal on the 20th token.
INTERRUPT_INSIDE_THE_CALLBACK = """
from helpers.modes.local import sampler
calls = {"n": 0}
real_bias = sampler._LogitBias.__call__
def bias_then_interrupt(self, input_ids, scores):
    calls["n"] += 1
    if calls["n"] == 20:
        sent["at"] = time.monotonic()
        os.kill(os.getpid(), signal.SIGINT)
    return real_bias(self, input_ids, scores)
sampler._LogitBias.__call__ = bias_then_interrupt
"""
# Without the guard around each processor, the interrupt escapes our code and is dropped
# inside llama-cpp-python's own callback code; the cancel flag must still stop the call.
NO_GUARD = """
sampler._Guarded.__call__ = lambda self, input_ids, scores: self.processor(input_ids, scores)
"""


def test_an_interrupt_inside_a_llama_cpp_callback_still_stops_the_call(tiny_model_file):
    result = run_script(INTERRUPT_INSIDE_THE_CALLBACK + CALL_AND_REPORT, tiny_model_file)
    assert result["outcome"] == "interrupted", result
    assert result["stopped_after"] < 1.0, result
    assert result["same_after"], result
    assert "Exception ignored" not in result["stderr"], result  # caught, not printed


def test_an_interrupt_dropped_by_the_callback_still_stops_the_call(tiny_model_file):
    script = INTERRUPT_INSIDE_THE_CALLBACK + NO_GUARD + CALL_AND_REPORT
    result = run_script(script, tiny_model_file)
    assert "KeyboardInterrupt" in result["stderr"], result  # it was dropped by the callback
    assert result["outcome"] == "interrupted", result
    assert result["stopped_after"] < 1.0, result
    assert result["same_after"], result


def test_an_interrupt_inside_the_callback_stops_a_stream(tiny_model_file):
    read_a_stream = CALL_AND_REPORT.replace(
        "client.chat.completions.create(**LONG)",
        "for chunk in client.chat.completions.create(stream=True, **LONG):\n        pass",
    )
    assert read_a_stream != CALL_AND_REPORT
    result = run_script(INTERRUPT_INSIDE_THE_CALLBACK + NO_GUARD + read_a_stream, tiny_model_file)
    assert result["outcome"] == "interrupted", result
    assert result["stopped_after"] < 1.0, result
    assert result["same_after"], result


# asyncio.run() cancels its task on an interrupt; Jupyter's kernel does not (the task just
# stops being run), which is what a bare event loop does too. Both must free the model.
RUNNERS = {
    "asyncio.run": "asyncio.run(main())",
    "a bare event loop, as in Jupyter": "asyncio.new_event_loop().run_until_complete(main())",
}


@pytest.mark.parametrize("runner", RUNNERS)
def test_an_interrupt_stops_an_async_stream_and_frees_the_model(tiny_model_file, runner):
    result = run_script(
        """
        async def main():
            aclient = helpers.get_async_client("local")
            stream = await aclient.chat.completions.create(stream=True, **LONG)
            async for chunk in stream:
                pass
        interrupt_soon()
        try:
            RUN
            outcome = "finished"
        except KeyboardInterrupt:
            outcome = "interrupted"
        started = time.monotonic()
        same = reference() == before  # waits for the model if the worker still had it
        print(json.dumps({"outcome": outcome, "next_call_took": time.monotonic() - started,
                          "same_after": same}))
        """.replace("RUN", RUNNERS[runner]),
        tiny_model_file,
    )
    assert result["outcome"] == "interrupted", result
    assert result["next_call_took"] < 2.0, result  # not the rest of the job (seconds)
    assert result["same_after"], result


@pytest.mark.parametrize("runner", RUNNERS)
def test_an_interrupt_stops_an_async_call_running_in_a_worker_thread(tiny_model_file, runner):
    result = run_script(
        """
        async def main():
            await helpers.get_async_client("local").chat.completions.create(**LONG)
        interrupt_soon()
        try:
            RUN
            outcome = "finished"
        except KeyboardInterrupt:
            outcome = "interrupted"
        started = time.monotonic()
        same = reference() == before
        print(json.dumps({"outcome": outcome, "next_call_took": time.monotonic() - started,
                          "same_after": same}))
        """.replace("RUN", RUNNERS[runner]),
        tiny_model_file,
    )
    assert result["outcome"] == "interrupted", result
    assert result["next_call_took"] < 2.0, result
    assert result["same_after"], result


def test_a_stream_abandoned_half_way_does_not_block_the_next_call(local_mode):
    before = ask(max_tokens=12, seed=3).choices[0].message.content
    stream = ask(max_tokens=500, seed=1, stream=True, logit_bias=no_end())
    with pytest.raises(KeyboardInterrupt):
        for number, _chunk in enumerate(stream):
            if number == 3:
                raise KeyboardInterrupt  # as if the kernel was interrupted in the reading loop
    assert loaded_model().gate.busy  # the abandoned stream still holds the model...
    assert ask(max_tokens=12, seed=3).choices[0].message.content == before  # ...until now
    with pytest.raises(StreamTakenOverError, match="newer call took the local model"):
        next(iter(stream))


def test_closing_a_stream_early_gives_the_model_back(local_mode):
    with ask(max_tokens=500, seed=1, stream=True, logit_bias=no_end()) as stream:
        next(iter(stream))
        assert loaded_model().gate.busy
    assert not loaded_model().gate.busy


def test_a_call_past_the_deadline_is_an_sdk_timeout(local_mode, monkeypatch):
    monkeypatch.setenv("HOMEMADE_O1_TIMEOUT", "0.3")
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError) as caught:
        ask(n=4, seed=1, logit_bias=no_end())
    assert time.monotonic() - started < 3  # not the seconds 4 x 4096 tokens take, no retries
    assert isinstance(caught.value.__cause__, LocalTimeoutError)
    assert "HOMEMADE_O1_TIMEOUT" in str(caught.value.__cause__)
    assert not loaded_model().gate.busy


def test_a_stream_past_the_deadline_raises_a_timeout_then_the_model_is_free(
    local_mode, monkeypatch
):
    monkeypatch.setenv("HOMEMADE_O1_TIMEOUT", "0.3")
    received = []
    with pytest.raises(openai.APITimeoutError) as caught:
        for chunk in ask(n=4, seed=1, logit_bias=no_end(), stream=True):
            received.append(chunk)
    assert isinstance(caught.value.__cause__, LocalTimeoutError)
    assert len(received) > 1  # what came before the deadline was delivered
    assert ask(max_tokens=3).choices[0].finish_reason == "length"


def test_a_stream_left_by_a_thread_that_ended_does_not_block_others(local_mode):
    import threading

    def read_a_little():
        stream = ask(max_tokens=500, seed=1, stream=True, logit_bias=no_end())
        next(iter(stream))
        leftovers.append(stream)  # kept alive, never closed, and the thread ends

    leftovers: list = []
    worker = threading.Thread(target=read_a_little)
    worker.start()
    worker.join()
    assert loaded_model().gate.busy
    assert ask(max_tokens=3).choices[0].finish_reason == "length"


def test_a_generation_paused_longer_than_a_call_may_take_loses_the_model():
    import threading

    from helpers.modes.local.runtime import ModelGate

    gate = ModelGate()
    taken = threading.Event()
    release = threading.Event()

    def hold_and_pause():
        gate.acquire()
        taken.set()
        release.wait(10)  # alive, but paused between tokens

    holder = threading.Thread(target=hold_and_pause)
    holder.start()
    taken.wait(5)
    started = time.monotonic()
    turn = gate.acquire(stale_after=0.3)
    assert 0.25 < time.monotonic() - started < 3 and gate.needs_reset
    gate.release(turn)
    release.set()
    holder.join()
