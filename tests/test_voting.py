"""Self-consistency: normalising results, the vote, and sampling with n or separate calls."""

from __future__ import annotations

import json

import openai
import pytest

from helpers.modes.wire import chat_completion, error_body
from helpers.more_calls.voting import (
    majority_vote,
    normalize_result,
    read_sample,
    self_consistency,
)
from tests.support.server import JsonReply, StubServer, replies_in_order


def answer(result, steps=("a step",)):
    return json.dumps({"steps": list(steps), "result": result})


def choices(*texts, finish_reason="stop"):
    """A reply handler returning one choice per text (a server that honours n)."""
    return lambda request: JsonReply(
        chat_completion(request.body, list(texts), finish_reason=finish_reason)
    )


def one(text):
    return lambda request: JsonReply(chat_completion(request.body, text))


def vote_with(replies, **kwargs):
    with StubServer(replies_in_order(replies)) as server:
        client = openai.OpenAI(base_url=server.url, api_key="test", max_retries=0)
        vote = self_consistency("How many packs?", client=client, model="m", **kwargs)
    return vote, [request.body for request in server.requests]


# ---- normalising ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ("9", "9"),
        ("9 packs", "9"),
        ("nine", "9"),
        ("**9**", "9"),
        ("$9.00", "9"),
        ("He must buy 9 packs.", "9"),
        ("9.90", "9.9"),
        ("$21.37", "21.37"),
        ("1,000", "1000"),
        ("-4", "-4"),
        (3, "3"),
        (2.5, "2.5"),
        ("12:15", "12:15"),
        ("12:15 p.m.", "12:15 p m"),
        ("1/2", "1/2"),
        ("2024-03-26", "2024-03-26"),
        ("The Eiffel Tower.", "eiffel tower"),
        ("  Paris!  ", "paris"),
        ("3 or 4", "3 or 4"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_result(result, expected):
    assert normalize_result(result) == expected


def test_different_answers_stay_different():
    assert normalize_result("9") != normalize_result("90")
    assert normalize_result("12:15") != normalize_result("12:51")
    assert normalize_result("Paris") != normalize_result("Lyon")


# ---- the vote ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("results", "expected"),
    [
        (["9", "9 packs", "nine", "8", "9"], ("9", 4)),
        (["8", "9", "9", "8"], ("8", 2)),  # a tie goes to the answer seen first
        (["Paris", "Lyon", "paris."], ("Paris", 2)),
        (["", "   ", "3"], ("3", 1)),  # empty results do not vote
        ([" 7 "], ("7", 1)),
        ([], (None, 0)),
        (["", None], (None, 0)),
    ],
)
def test_majority_vote(results, expected):
    assert majority_vote(results) == expected


def test_majority_vote_takes_a_custom_normaliser():
    assert majority_vote(["A", "a", "b"], normalize=str) == ("A", 1)


def test_read_sample_marks_what_it_cannot_read():
    assert read_sample(answer("9")).key == "9"
    assert "cut off" in read_sample(answer("9"), finish_reason="length").problem
    assert "refused" in read_sample("", refusal="I can't help").problem
    assert read_sample("no JSON here").reasoning is None
    assert "no final result" in read_sample(answer("")).problem
    assert read_sample(answer("?!")).problem == "the result is empty"


# ---- sampling ---------------------------------------------------------------------
def test_one_call_with_n_when_the_server_supports_it():
    vote, bodies = vote_with(
        [choices(answer("8"), answer("9"), answer("9 packs"), answer("nine"), answer("9"))]
    )
    assert len(bodies) == 1 and bodies[0]["n"] == 5 and bodies[0]["temperature"] == 0.8
    assert bodies[0]["response_format"] == {"type": "json_object"}
    assert (vote.answer, vote.key, vote.count, vote.readable) == ("9", "9", 4, 5)
    assert vote.how == "one call with n=5"
    assert vote.describe() == "4 of 5 samples agree on 9"
    assert vote.agreement == pytest.approx(0.8)
    assert len(vote.calls) == 1 and vote.usage.calls == 1
    assert [s.result for s in vote.samples] == ["8", "9", "9 packs", "nine", "9"]


def test_separate_calls_when_the_server_rejects_n():
    rejected = JsonReply(
        error_body("'n' is not supported", code="unsupported_parameter"), status=400
    )
    vote, bodies = vote_with([rejected] + [one(answer(r)) for r in ("9", "9", "8")], samples=3)
    assert len(bodies) == 4 and bodies[0]["n"] == 3
    assert all("n" not in body for body in bodies[1:])
    assert vote.how == "3 separate calls (the server refused n=3: 'n' is not supported)"
    assert vote.fell_back
    assert (vote.answer, vote.count) == ("9", 2) and len(vote.calls) == 3


def test_the_missing_samples_are_made_up_when_the_server_ignores_n():
    vote, bodies = vote_with([one(answer("9"))] + [one(answer("9"))] * 3, samples=4)
    assert bodies[0]["n"] == 4 and all("n" not in body for body in bodies[1:])
    assert len(bodies) == 4 and len(vote.samples) == 4
    assert vote.how == "one call with n=4 that returned 1, then 3 separate calls"


def test_separate_calls_on_request():
    vote, bodies = vote_with([one(answer(r)) for r in ("9", "8", "9")], samples=3, use_n=False)
    assert len(bodies) == 3 and all("n" not in body for body in bodies)
    assert bodies[0] == bodies[1] == bodies[2]
    assert vote.how == "3 separate calls"
    assert vote.usage.prompt_tokens == 3 * vote.calls[0].prompt_tokens


def test_unreadable_samples_are_skipped_and_counted():
    vote, _ = vote_with([choices(answer("9"), "Sorry, no JSON today.", answer("9"))], samples=3)
    assert (vote.answer, vote.count, vote.readable, vote.unreadable) == ("9", 2, 2, 1)
    assert vote.describe() == "2 of 2 samples agree on 9 (1 more could not be read)"
    assert "could not be read" in vote.to_text()


def test_cut_off_samples_do_not_vote():
    vote, _ = vote_with([choices(answer("9"), answer("8"), finish_reason="length")], samples=2)
    assert vote.answer is None and vote.count == 0 and vote.unreadable == 2
    assert vote.describe() == "none of the 2 samples could be read, so there is no vote"


def test_a_tie_is_reported():
    vote, _ = vote_with([choices(answer("8"), answer("9"))], samples=2)
    assert vote.tied and vote.answer == "8"
    assert "a tie" in vote.describe()


def test_other_errors_are_not_mistaken_for_a_missing_n():
    unauthorised = JsonReply(error_body("bad key", "invalid_request_error"), status=401)
    with pytest.raises(openai.AuthenticationError):
        vote_with([unauthorised])


def test_a_custom_normaliser_and_options_reach_the_vote():
    vote, bodies = vote_with(
        [choices(answer("Yes"), answer("yes"), answer("YES!"))],
        samples=3,
        normalize=lambda r: str(r).strip("!").lower(),
        temperature=1.0,
        max_tokens=300,
    )
    assert bodies[0]["temperature"] == 1.0 and bodies[0]["max_tokens"] == 300
    assert (vote.key, vote.count) == ("yes", 3)


def test_samples_must_be_positive():
    with pytest.raises(ValueError, match="samples"):
        self_consistency("q", client=object(), model="m", samples=0)


def test_the_repr_is_short():
    vote, _ = vote_with([choices(answer("9"), answer("9"))], samples=2)
    assert repr(vote) == "Vote('9', 2 of 2, 'one call with n=2')"
