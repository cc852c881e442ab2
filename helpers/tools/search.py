"""`search_notes`: keyword search over the small offline library in `helpers/data/library/`.

The library is a folder of short markdown notes written for this course: one
`# Title` line, a few paragraphs, and a `Source:` line. Ranking is Okapi BM25,
written out below in a few dozen lines so a learner can read all of it:

- words are lower-cased and split on anything that is not a letter or digit,
  a handful of very common words are dropped, and a plural "s" is cut off;
- the title counts twice, so a note *about* a topic beats a note that only
  mentions it;
- ties are broken by file name, so the same query always gives the same text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LIBRARY_DIR = Path(__file__).resolve().parent.parent / "data" / "library"
"""The folder of notes that `search_notes` and the default `read_file` use."""

MAX_RESULTS = 10
SNIPPET_CHARS = 220

_STOPWORDS = frozenset(
    "a an and are as at be by did do does for from how in is it its of on or that the this to "
    "was what when where which who why with".split()
)
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Note:
    """One document of the library."""

    doc_id: str
    title: str
    text: str


def tokenize(text: str) -> list[str]:
    """Lower-case words without stopwords, with a trailing plural 's' removed."""
    words = _WORD.findall(text.lower())
    return [_stem(word) for word in words if word not in _STOPWORDS]


def _stem(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def load_notes(folder: Path) -> list[Note]:
    """Read every `.md` and `.txt` file of `folder` (not its subfolders), sorted by name."""
    notes = []
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".md", ".txt") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        first_line = text.strip().splitlines()[0] if text.strip() else path.stem
        notes.append(Note(doc_id=path.name, title=first_line.lstrip("# ").strip(), text=text))
    return notes


class BM25Index:
    """Okapi BM25 over a list of notes (k1=1.5, b=0.75, the usual defaults)."""

    def __init__(self, notes: list[Note], k1: float = 1.5, b: float = 0.75) -> None:
        self.notes = notes
        self.k1 = k1
        self.b = b
        # the title is added once more so that it weighs double
        self.term_counts = [Counter(tokenize(note.title + "\n" + note.text)) for note in notes]
        self.lengths = [sum(counts.values()) for counts in self.term_counts]
        self.average_length = sum(self.lengths) / len(notes) if notes else 0.0
        document_frequency = Counter(term for counts in self.term_counts for term in counts)
        total = len(notes)
        self.idf = {
            term: math.log(1 + (total - df + 0.5) / (df + 0.5))
            for term, df in document_frequency.items()
        }

    def rank(self, query: str) -> list[tuple[float, Note]]:
        """All notes with a score above zero, best first; ties sorted by file name."""
        terms = tokenize(query)
        scored = []
        for note, counts, length in zip(self.notes, self.term_counts, self.lengths, strict=True):
            score = 0.0
            for term in terms:
                frequency = counts.get(term, 0)
                if frequency:
                    norm = self.k1 * (1 - self.b + self.b * length / self.average_length)
                    score += self.idf[term] * frequency * (self.k1 + 1) / (frequency + norm)
            if score > 0:
                scored.append((score, note))
        scored.sort(key=lambda pair: (-round(pair[0], 9), pair[1].doc_id))
        return scored


@lru_cache(maxsize=8)
def _index_for(folder: Path) -> BM25Index:
    return BM25Index(load_notes(folder))


def snippet(note: Note, query: str, limit: int = SNIPPET_CHARS) -> str:
    """The paragraph of `note` that best matches `query`, cut to `limit` characters.

    Words of the note's title are ignored when possible: for "height of the Eiffel
    Tower" the paragraph that mentions the height is more useful than the one that
    repeats the name.
    """
    wanted = set(tokenize(query))
    wanted = (wanted - set(tokenize(note.title))) or wanted
    body = note.text.strip().split("\n", 1)[-1]
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip()]
    paragraphs = [p for p in paragraphs if not p.startswith("Source:")] or paragraphs or [""]
    best = max(paragraphs, key=lambda p: len(wanted & set(tokenize(p))))
    return best if len(best) <= limit else best[: limit - 3].rstrip() + "..."


def search_notes(query: str, k: int = 3) -> str:
    """Search the offline library of course notes and encyclopedia facts (tokens, pricing,
    JSON mode, chain of thought, self-consistency, ReAct, Wilson interval, famous buildings,
    mountains, cities, dates...). Returns the best matches, each with its title, a short
    snippet and its file name, which read_file can open in full.
    Example: search_notes("height of the Eiffel Tower").

    Args:
        query: A few keywords or a short question, for example "Burj Khalifa height".
        k: How many results to return (1 to 10, default 3).
    """
    if not isinstance(query, str) or not tokenize(query):
        return 'Error: the query is empty. Give a few keywords, e.g. "Mount Everest height".'
    if isinstance(k, bool) or not isinstance(k, int):
        return "Error: k must be a whole number from 1 to 10."
    count = max(1, min(k, MAX_RESULTS))
    index = _index_for(LIBRARY_DIR)
    ranked = index.rank(query)[:count]
    if not ranked:
        return (
            f"No notes match {query!r}. Try other keywords or fewer of them. "
            f"The library covers: {', '.join(note.title for note in index.notes)}."
        )
    lines = []
    for number, (_, note) in enumerate(ranked, start=1):
        lines.append(f"{number}. {note.title} ({note.doc_id})\n   {snippet(note, query)}")
    return "\n".join(lines)
