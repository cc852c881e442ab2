"""search_notes finds the right note, explains empty results, and is deterministic."""

import re
from pathlib import Path

import pytest

from helpers.tools.files import read_file
from helpers.tools.search import LIBRARY_DIR, BM25Index, load_notes, search_notes, tokenize


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("height of the Eiffel Tower", "eiffel-tower.md"),
        ("How many r in strawberry", "strawberry.md"),
        ("majority voting", "self-consistency.md"),
        ("Wilson confidence interval", "wilson-interval.md"),
        ("population of Paris", "paris.md"),
        ("reasoning tokens price", "token-pricing.md"),
        ("Thought Action Observation loop", "react.md"),
        ("when was Python 3 released", "python-language.md"),
        ("distance from Earth to the Moon", "moon.md"),
        ("SPEED OF LIGHT", "speed-of-light.md"),
        ("first ascent of Everest", "mount-everest.md"),
        ("response_format json_object", "json-mode.md"),
        ("tallest building in the world", "burj-khalifa.md"),
    ],
)
def test_relevant_note_ranks_first(query: str, expected_first: str) -> None:
    first_line = search_notes(query).splitlines()[0]
    assert first_line.endswith(f"({expected_first})")


def test_result_format_has_title_snippet_and_file_name() -> None:
    lines = search_notes("Eiffel Tower height", k=2).splitlines()
    assert lines[0] == "1. Eiffel Tower (eiffel-tower.md)"
    assert lines[1].startswith("   Height: 330 metres")
    assert lines[2].startswith("2. ")
    assert len(lines) == 4


def test_snippets_are_short() -> None:
    for line in search_notes("tokens", k=10).splitlines():
        assert len(line) <= 3 + 220


def test_k_limits_the_number_of_results() -> None:
    assert len(re.findall(r"^\d+\. ", search_notes("the", k=1), re.M)) == 0  # only a stopword
    assert len(re.findall(r"^\d+\. ", search_notes("tokens", k=1), re.M)) == 1
    assert len(re.findall(r"^\d+\. ", search_notes("a e i o u s t n r", k=100), re.M)) <= 10


@pytest.mark.parametrize("query", ["", "   ", "the of and", "!!!"])
def test_empty_query_gives_a_helpful_message(query: str) -> None:
    assert search_notes(query).startswith("Error: the query is empty. Give a few keywords")


def test_no_hit_lists_what_the_library_covers() -> None:
    result = search_notes("zebra quantum xylophone")
    assert result.startswith("No notes match 'zebra quantum xylophone'.")
    assert "Eiffel Tower" in result


def test_bad_k_is_an_error_not_an_exception() -> None:
    assert search_notes("moon", k="two").startswith("Error: k must be")  # type: ignore[arg-type]


def test_results_are_deterministic() -> None:
    assert search_notes("tokens reasoning") == search_notes("tokens reasoning")


def test_ties_are_broken_by_file_name(tmp_path: Path) -> None:
    for name in ("b.md", "a.md", "c.md"):
        (tmp_path / name).write_text("# Same\nidentical words here\n", encoding="utf-8")
    index = BM25Index(load_notes(tmp_path))
    assert [note.doc_id for _, note in index.rank("identical words")] == ["a.md", "b.md", "c.md"]


def test_bm25_prefers_the_note_about_the_term(tmp_path: Path) -> None:
    (tmp_path / "about.md").write_text("# Giraffe\nThe giraffe is tall. Giraffe facts.\n")
    (tmp_path / "mention.md").write_text("# Zoo\nThe zoo has lions, bears and one giraffe.\n")
    (tmp_path / "other.md").write_text("# Lions\nLions live in groups.\n")
    ranked = BM25Index(load_notes(tmp_path)).rank("giraffe")
    assert [note.doc_id for _, note in ranked] == ["about.md", "mention.md"]


def test_tokenize_is_case_insensitive_and_strips_plurals() -> None:
    assert tokenize("The Tokens, the TOKEN!") == ["token", "token"]
    assert tokenize("glass") == ["glass"]


def test_every_library_note_is_short_titled_and_sourced() -> None:
    notes = sorted(LIBRARY_DIR.glob("*.md"))
    assert 12 <= len(notes) <= 20
    for path in notes:
        text = path.read_text(encoding="utf-8")
        assert len(text) < 1500, path.name
        assert text.startswith("# "), path.name
        assert re.search(r"^Source: .+", text, re.M), path.name


def test_found_file_names_can_be_opened_with_read_file() -> None:
    first = search_notes("Burj Khalifa", k=1).splitlines()[0]
    doc_id = first[first.rindex("(") + 1 : -1]
    assert "828 metres" in read_file(doc_id)
