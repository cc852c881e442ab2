r"""Turn JSON-ish text into Python values, repairing it one rung at a time.

The ladder, cheapest and strictest first (`load_json`):

0. Keep backslashes that are obviously LaTeX or Markdown (see below).
1. `json.loads` exactly as written.
2. `json.loads(strict=False)`: allows raw newlines and tabs inside strings.
3. Targeted repairs we can name: comments, Python literals, trailing and missing commas.
4. `json_repair`, the well-kept library, for everything else (single or curly quotes,
   bare keys, unescaped inner quotes).

Every rung that was needed is recorded by name, so a learner can see what was fixed.

**The backslash rule.** In JSON `\f \b \n \r \t` are escapes, so a model writing
`"\frac{1}{2}"` would get a form feed. Chat models write LaTeX far more often than
control characters, so, for each backslash that is not itself escaped:

* `\"`, `\\`, `\/` and `\u` + four hex digits are JSON escapes, as usual.
* `\b` and `\f` are always kept as a backslash and a letter (`\beta`, `\frac`,
  a regex `\b`): no model means "backspace" or "form feed".
* `\n`, `\r`, `\t` are read the LaTeX way only when the whole run of letters after
  the backslash is a LaTeX command name (`\nabla`, `\neq`, `\right`, `\theta`,
  `\times`), just as LaTeX itself reads a command name as the longest run of
  letters. So `"\nThe next line"` (run "nThe") is still a newline. One- and
  two-letter names that are also plausible "newline + word" (`\nu`, `\ne`, `\ni`,
  `\to`, `\rm`) count as LaTeX only after a space, `$`, `(`, `{`, `[`, `^`, `_`,
  `=` or at the start of a string; after a letter, digit or full stop they are a
  newline, tab or return.
* `\'` (not valid JSON, but common) is read as an apostrophe inside a double-quoted
  string; inside a single-quoted one it is left for json_repair, which reads it so.
* Any other backslash (`\sqrt`, `\(`, `\_`, `\d`) is not valid JSON; it is kept as
  written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import json_repair

# LaTeX command names that begin with the JSON escape letters n, r and t.
LATEX_NRT_COMMANDS: frozenset[str] = frozenset(
    """
    nabla natural ne neq nearrow neg negthinspace newline newcommand newpage ni nmid nleq ngeq
    nless ngtr nleqslant ngeqslant nsubseteq nsupseteq nsubset nsupset not notin nu nwarrow
    nexists nparallel nsim ncong nolimits noindent normalsize nonumber nleftarrow nrightarrow
    nLeftarrow nRightarrow nleftrightarrow nvdash nVdash nprec nsucc ntriangleleft
    ntriangleright newenvironment nobreak numberwithin nequiv napprox
    rangle rceil rfloor right rightarrow rightleftharpoons rightharpoonup rightharpoondown
    rightrightarrows rightsquigarrow rightthreetimes rightleftarrows rho rm rbrace rbrack
    rVert rvert root rtimes rgroup rmoustache ref renewcommand raisebox rule rlap risingdotseq
    tau theta times to top text textbf textit textrm texttt textsf textnormal textstyle
    textcolor textsc textup textsl textsuperscript textsubscript textdegree tfrac tbinom
    tilde triangle triangleleft triangleright trianglelefteq trianglerighteq triangleq
    triangledown tan tanh therefore thickapprox thicksim thinspace thickspace tiny tt
    twoheadrightarrow twoheadleftarrow tag tfrac textwidth top
    """.split()
)
_SHORT_NAME_OK_AFTER = frozenset(' \t$({[^_="')
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|[nrt][A-Za-z]*|.)", re.DOTALL)


class JsonObject(dict[str, Any]):
    """A JSON object that also remembers every key/value pair in document order.

    It behaves like the dict `json.loads` returns (a repeated key keeps its last
    value), but `pairs` keeps all of them: some models write `"step": ...` once per
    step in one object.
    """

    def __init__(self, pairs: list[tuple[str, Any]] | None = None) -> None:
        pairs = list(pairs or [])
        super().__init__(pairs)
        self.pairs: list[tuple[str, Any]] = pairs

    @classmethod
    def from_value(cls, value: Any) -> Any:
        """Convert plain dicts (for example from json_repair) into JsonObjects, recursively."""
        if isinstance(value, dict):
            return cls([(str(key), cls.from_value(item)) for key, item in value.items()])
        if isinstance(value, list):
            return [cls.from_value(item) for item in value]
        return value


@dataclass
class LoadedJson:
    """A value read from JSON text plus the names of the repairs that were needed.

    `used_library` is True when only the json_repair rung could read it.
    """

    value: Any
    repairs: list[str] = field(default_factory=list)
    used_library: bool = False


def _is_latex_name(name: str, before: str) -> bool:
    if name not in LATEX_NRT_COMMANDS:
        return False
    return len(name) > 2 or before == "" or before in _SHORT_NAME_OK_AFTER


def protect_latex_backslashes(text: str) -> str:
    r"""Double the backslashes that JSON would misread, so LaTeX and Markdown survive.

    `"\frac{1}{2}"` becomes `"\\frac{1}{2}"` (which decodes to `\frac{1}{2}`), while
    `"line one\nline two"` is left alone. See the module docstring for the full rule.
    """
    if "\\" not in text:
        return text
    quoted: list[tuple[int, int]] | None = None  # double-quoted strings, found when needed

    def in_double_quotes(where: int) -> bool:
        nonlocal quoted
        if quoted is None:
            quoted, position = [], 0
            for piece, is_string in split_strings(text):
                if is_string:
                    quoted.append((position, position + len(piece)))
                position += len(piece)
        return any(start < where < end for start, end in quoted)

    def fix(match: re.Match[str]) -> str:
        body = match.group(1)
        first = body[0]
        if first in '"\\/' or (first == "u" and len(body) == 5):
            return match.group(0)
        if first == "'":
            # don\'t -> don't in a "double-quoted" string; in a 'single-quoted' one the
            # backslash is what keeps the string whole, so it stays for json_repair.
            return "'" if in_double_quotes(match.start()) else match.group(0)
        if first in "nrt":
            before = text[match.start() - 1] if match.start() else ""
            return "\\\\" + body if _is_latex_name(body, before) else match.group(0)
        return "\\\\" + body

    return _ESCAPE.sub(fix, text)


def split_strings(text: str) -> list[tuple[str, bool]]:
    """Cut text into pieces, each flagged True when it is a double-quoted string (quotes included).

    Repairs use this to change only what lies outside strings.
    """
    pieces: list[tuple[str, bool]] = []
    index = 0
    length = len(text)
    while index < length:
        quote = text.find('"', index)
        if quote < 0:
            pieces.append((text[index:], False))
            break
        if quote > index:
            pieces.append((text[index:quote], False))
        end = quote + 1
        while end < length and text[end] != '"':
            end += 2 if text[end] == "\\" else 1
        pieces.append((text[quote : end + 1], True))
        index = end + 1
    return pieces


def _outside_strings(text: str, change: Any) -> str:
    return "".join(piece if quoted else change(piece) for piece, quoted in split_strings(text))


_PYTHON_LITERAL = re.compile(r"(?<=[:\[,])(\s*)(True|False|None)(?=\s*[,}\]])")
_PYTHON_SPELLING = {"True": "true", "False": "false", "None": "null"}
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_NEEDS_COMMA_AFTER = re.compile(r"(?:[}\]]|:\s*(?:-?\d[\d.eE+-]*|true|false|null)|^)(\s+)$")


_ODD_SPACE = re.compile("[\u00a0\u2000-\u200b\u202f\u3000]")
_FULL_WIDTH = str.maketrans({"：": ":", "，": ",", "｛": "{", "｝": "}", "［": "[", "］": "]"})


def normalize_odd_characters(text: str) -> str:
    """Outside strings, turn non-breaking spaces into spaces and full-width `：，{}` into ASCII."""
    return _outside_strings(text, lambda piece: _ODD_SPACE.sub(" ", piece).translate(_FULL_WIDTH))


def remove_comments(text: str) -> str:
    """Remove `// line` and `/* block */` comments that sit outside strings.

    A `//` counts only after a space, a line start or `,{[`, so `http://...` in
    unquoted text survives. Quotes inside a comment do not start a string.
    """
    out: list[str] = []
    index = 0
    length = len(text)
    in_string = False
    while index < length:
        char = text[index]
        if in_string:
            out.append(text[index : index + 2] if char == "\\" else char)
            index += 2 if char == "\\" else 1
            in_string = char != '"'
            continue
        if text.startswith("/*", index):
            end = text.find("*/", index + 2)
            index = length if end < 0 else end + 2
            continue
        if text.startswith("//", index) and (index == 0 or text[index - 1] in " \t\n,{["):
            end = text.find("\n", index)
            index = length if end < 0 else end
            continue
        in_string = char == '"'
        out.append(char)
        index += 1
    return "".join(out)


def convert_python_literals(text: str) -> str:
    """Turn Python's `True`, `False`, `None` values into JSON's `true`, `false`, `null`."""
    return _outside_strings(
        text,
        lambda piece: _PYTHON_LITERAL.sub(
            lambda m: m.group(1) + _PYTHON_SPELLING[m.group(2)], piece
        ),
    )


def remove_trailing_commas(text: str) -> str:
    """Remove a comma that comes right before a closing `}` or `]`."""
    return _outside_strings(text, lambda piece: _TRAILING_COMMA.sub(r"\1", piece))


def insert_missing_commas(text: str) -> str:
    """Add the comma a model forgot between two members (`"a": "x"\\n"b": "y"`)."""
    pieces = split_strings(text)
    out: list[str] = []
    for position, (piece, quoted) in enumerate(pieces):
        if not quoted:
            piece = re.sub(r"([}\]])(\s*)(?=[{\[])", r"\1,\2", piece)
            follows_string = position > 0 and pieces[position - 1][1]
            next_is_string = position + 1 < len(pieces) and pieces[position + 1][1]
            if next_is_string and position > 0:
                match = _NEEDS_COMMA_AFTER.search(piece)
                if match and (match.start() > 0 or follows_string):
                    piece = piece[: match.start(1)] + "," + piece[match.start(1) :]
        out.append(piece)
    return "".join(out)


#: Rung 3, in order: (name recorded in `repairs`, function).
TARGETED_REPAIRS: tuple[tuple[str, Any], ...] = (
    ("replaced odd spaces or full-width punctuation", normalize_odd_characters),
    ("removed comments", remove_comments),
    ("converted Python True/False/None", convert_python_literals),
    ("removed trailing comma", remove_trailing_commas),
    ("inserted missing comma", insert_missing_commas),
)


def _raw_control_names(text: str) -> list[str]:
    names = []
    strings = "".join(piece for piece, quoted in split_strings(text) if quoted)
    if "\n" in strings or "\r" in strings:
        names.append("escaped raw newline in a string")
    if "\t" in strings:
        names.append("escaped raw tab in a string")
    if not names:
        names.append("escaped a raw control character in a string")
    return names


def _loads(text: str, strict: bool) -> Any:
    return json.loads(text, object_pairs_hook=JsonObject, strict=strict)


_DOUBLE_QUOTED = r'"(?:\\.|[^"\\])*"'
_KEY_OR_BRACKET = re.compile(
    rf"""({_DOUBLE_QUOTED}|'[^'\n]*'|“[^”\n]*”)(?=\s*:)|[{{}}\[\]]|{_DOUBLE_QUOTED}""",
    re.DOTALL,
)


def _number_repeated_step_keys(text: str) -> str:
    """Rename a bare `"step"` key repeated in one object to "step 1", "step 2", ...

    json_repair builds plain dicts, which keep only the last of repeated keys.
    """
    stack: list[int] = []
    keys: dict[int, list[tuple[int, int]]] = {}
    for match in _KEY_OR_BRACKET.finditer(text):
        piece = match.group(0)
        if piece in ("{", "["):
            stack.append(match.start() if piece == "{" else -1)
        elif piece in ("}", "]"):
            if stack:
                stack.pop()
        elif match.group(1) and stack and piece[1:-1].strip().lower() == "step":
            keys.setdefault(stack[-1], []).append(match.span())
    renames = [
        (span, number)
        for owner, spans in keys.items()
        if owner >= 0 and len(spans) > 1
        for number, span in enumerate(spans, start=1)
    ]
    for (begin, finish), number in sorted(renames, reverse=True):
        text = f'{text[:begin]}"step {number}"{text[finish:]}'
    return text


_SINGLE_QUOTED = re.compile(r"(?:^|[{\[,:])\s*'")
_BARE_KEY = re.compile(r"(?:^|[{,])\s*[A-Za-z_][\w\- ]*\s*:")


def _name_library_repairs(text: str, log: list[dict[str, str]]) -> list[str]:
    outside = "".join(piece for piece, quoted in split_strings(text) if not quoted)
    names = []
    if "“" in outside or "”" in outside:
        names.append("replaced curly quotes with straight quotes")
    elif _SINGLE_QUOTED.search(outside):
        names.append("replaced single quotes with double quotes")
    elif _BARE_KEY.search(outside):
        names.append("quoted bare keys")
    if any("misplaced quote" in entry.get("text", "") for entry in log):
        names.append("escaped inner double quotes")
    return names or ["rebuilt the JSON with json_repair"]


def repair_json(text: str) -> LoadedJson:
    """Read badly broken JSON with the json_repair library (the last rung).

    Repeated bare `"step"` keys are numbered first so none is lost. Note that
    json_repair will also "finish" text that was cut off mid-string: check for
    truncation before calling this (the parser does).

    Raises:
        ValueError: json_repair found nothing usable.
    """
    prepared = _number_repeated_step_keys(text)
    repaired = json_repair.loads(prepared, logging=True)
    assert isinstance(repaired, tuple), "logging=True returns (value, log)"
    value, log = repaired
    if value in ("", None, [], {}):
        raise ValueError("json_repair found no JSON value")
    return LoadedJson(
        JsonObject.from_value(value), _name_library_repairs(text, log), used_library=True
    )


def _strict_then_lenient(text: str, repairs: list[str]) -> LoadedJson | None:
    """`text` read as strict JSON, else with raw control characters allowed in strings
    (naming them as repairs); None when neither reads it."""
    try:
        return LoadedJson(_loads(text, strict=True), repairs)
    except ValueError:
        pass
    try:
        value = _loads(text, strict=False)
    except ValueError:
        return None
    return LoadedJson(value, repairs + _raw_control_names(text))


def load_json(text: str) -> LoadedJson:
    """Read JSON text with the repair ladder (see the module docstring).

    Objects come back as `JsonObject` (a dict that also keeps repeated keys).

    Raises:
        ValueError: not even json_repair could read the text.
    """
    repairs: list[str] = []
    protected = protect_latex_backslashes(text)
    if protected != text:
        repairs.append("kept LaTeX backslashes")
    loaded = _strict_then_lenient(protected, repairs)
    if loaded is not None:
        return loaded
    repaired = protected
    for name, repair in TARGETED_REPAIRS:
        changed = repair(repaired)
        if changed != repaired:
            repairs.append(name)
            repaired = changed
    loaded = _strict_then_lenient(repaired, repairs)
    if loaded is not None:
        return loaded
    loaded = repair_json(repaired)
    return LoadedJson(loaded.value, repairs + loaded.repairs, used_library=True)
