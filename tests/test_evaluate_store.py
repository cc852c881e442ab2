"""The JSONL results store: torn lines, duplicates, the lock, atomic rewrites."""

from __future__ import annotations

import json
import sys
import threading

import pytest

from helpers.evaluation.store import ResultsFileError, ResultStore, read_results, result_key


def result(problem, strategy="cot", sample=0, **extra):
    return {"problem_id": problem, "strategy": strategy, "sample": sample, **extra}


def write_lines(path, *lines, end="\n"):
    path.write_text("\n".join(lines) + end, encoding="utf-8")


def test_results_are_appended_one_line_each_and_read_back(tmp_path):
    path = tmp_path / "r.jsonl"
    with ResultStore(path) as store:
        assert store.append(result("p1"))
        assert store.append(result("p1", sample=1))
    assert [result_key(r) for r in read_results(path)] == [("p1", "cot", 0), ("p1", "cot", 1)]
    with ResultStore(path) as store:
        assert store.keys == {("p1", "cot", 0), ("p1", "cot", 1)}


def test_a_key_is_never_written_twice(tmp_path):
    path = tmp_path / "r.jsonl"
    with ResultStore(path) as store:
        assert store.append(result("p1", value=1))
        assert not store.append(result("p1", value=2))
    assert read_results(path) == [result("p1", value=1)]


def test_appends_from_many_threads_never_duplicate(tmp_path):
    path = tmp_path / "r.jsonl"
    with ResultStore(path, fsync=False) as store:

        def add():
            for number in range(50):
                store.append(result(f"p{number}"))

        threads = [threading.Thread(target=add) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    rows = read_results(path)
    assert len(rows) == 50 and len({result_key(r) for r in rows}) == 50


def test_a_line_cut_off_by_a_kill_is_dropped_and_the_file_repaired(tmp_path):
    path = tmp_path / "r.jsonl"
    write_lines(path, json.dumps(result("p1")), '{"problem_id": "p2", "strat', end="")
    with ResultStore(path) as store:
        assert store.torn_line_dropped and store.keys == {("p1", "cot", 0)}
        store.append(result("p3"))
    assert [r["problem_id"] for r in read_results(path)] == ["p1", "p3"]
    assert path.read_text(encoding="utf-8").count("\n") == 2


def test_a_complete_last_line_without_its_newline_is_kept(tmp_path):
    path = tmp_path / "r.jsonl"
    write_lines(path, json.dumps(result("p1")), json.dumps(result("p2")), end="")
    with ResultStore(path) as store:
        assert len(store.rows) == 2 and not store.torn_line_dropped
        store.append(result("p3"))
    assert [r["problem_id"] for r in read_results(path)] == ["p1", "p2", "p3"]


def test_a_broken_line_in_the_middle_is_an_error_not_a_silent_loss(tmp_path):
    path = tmp_path / "r.jsonl"
    write_lines(path, json.dumps(result("p1")), "not json", json.dumps(result("p2")))
    with pytest.raises(ResultsFileError, match="line 2"):
        ResultStore(path).open()
    write_lines(path, json.dumps({"no": "key"}))
    with pytest.raises(ResultsFileError, match="line 1"):
        ResultStore(path).open()


def test_duplicates_joined_in_by_hand_are_dropped_keeping_the_first(tmp_path):
    path = tmp_path / "r.jsonl"
    write_lines(path, json.dumps(result("p1", v=1)), json.dumps(result("p1", v=2)))
    with ResultStore(path) as store:
        assert store.duplicates_dropped == 1
    assert read_results(path) == [result("p1", v=1)]


def test_forget_removes_results_from_memory_and_file(tmp_path):
    path = tmp_path / "r.jsonl"
    with ResultStore(path) as store:
        for name in ("p1", "p2", "p3"):
            store.append(result(name))
        assert store.forget([("p2", "cot", 0)]) == 1
        store.append(result("p4"))
        assert store.append(result("p2"))  # may be written again once forgotten
    assert [r["problem_id"] for r in read_results(path)] == ["p1", "p3", "p4", "p2"]
    assert not [
        p
        for p in tmp_path.iterdir()
        if p.name.startswith(".r.jsonl.") and not p.name.endswith(".lock")
    ]  # no temporary file left behind


@pytest.mark.skipif(sys.platform == "win32", reason="the lock is POSIX only")
def test_a_second_run_cannot_write_to_the_same_file(tmp_path):
    path = tmp_path / "r.jsonl"
    with ResultStore(path):
        with pytest.raises(ResultsFileError, match="Another run"):
            ResultStore(path).open()
    with ResultStore(path):  # released on close
        pass


def test_memory_only_store_needs_no_file(tmp_path):
    with ResultStore(None) as store:
        assert store.append(result("p1")) and not store.append(result("p1"))
    assert list(tmp_path.iterdir()) == []
