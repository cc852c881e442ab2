"""The files around the code stay true to it: the map of helpers/, the declared packages,
the licences and the citation. Each test names what to update when it fails."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import helpers

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest brings tomli
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
HELPERS = ROOT / "helpers"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
MAP = (HELPERS / "README.md").read_text(encoding="utf-8")


# ---- helpers/README.md, the map ------------------------------------------------------------
def module_path(module: str) -> str:
    """`helpers.modes.client` -> `modes/client.py`; a package -> its folder, with a /."""
    relative = module.removeprefix("helpers.").replace(".", "/")
    return f"{relative}/" if (HELPERS / relative).is_dir() else f"{relative}.py"


def map_rows() -> dict[str, set[str]]:
    """Notebook -> the module paths its row of the map names (the second column)."""
    rows = {}
    for line in MAP.splitlines():
        found = re.match(r"\|\s*(\d\d) [^|]*\|([^|]*)\|", line)
        if found:
            rows[found.group(1)] = set(re.findall(r"`([^`]+)`", found.group(2)))
    return rows


def test_the_map_names_each_notebooks_modules_as_helpers_init_does():
    public: dict[str, set[str]] = {}
    for notebook, module, _names in helpers._PUBLIC:
        public.setdefault(notebook, set()).add(module_path(module))
    assert map_rows() == public, (
        "helpers/README.md's table and helpers/__init__.py's _PUBLIC disagree: "
        "a module moved or a notebook gained one; update both"
    )


def test_the_map_has_a_row_for_every_notebook():
    notebooks = sorted(p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(map_rows()) == notebooks


def test_every_module_of_helpers_is_on_the_map():
    """A new module is either in a notebook's row, named below the table, or inside a
    machinery folder of the "Skip the rest" table."""
    named = set(re.findall(r"`([\w/]+(?:\.py|/))`", MAP))
    machinery = {name for name in named if name.endswith("/")}
    missing = []
    for path in sorted(HELPERS.rglob("*.py")):
        relative = path.relative_to(HELPERS).as_posix()
        if path.name == "__init__.py" or relative in named:
            continue
        if not any(relative.startswith(folder) for folder in machinery):
            missing.append(relative)
    assert not missing, f"helpers/README.md does not say where these go: {missing}"


def test_every_module_the_map_names_exists():
    named = set(re.findall(r"`([\w/]+\.py)`", MAP))
    gone = sorted(name for name in named if not (HELPERS / name).is_file())
    assert not gone, f"helpers/README.md names modules that are gone: {gone}"


def test_helpers_docstring_points_at_the_map():
    assert "helpers/README.md" in (helpers.__doc__ or "")


# ---- declared packages ---------------------------------------------------------------------
def imported_packages() -> set[str]:
    """The top-level names of every third-party package that helpers/ imports."""
    found = set()
    for path in HELPERS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name != "helpers"}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> dict[str, Requirement]:
    """Every package pyproject declares: the dependencies and each extra's (e.g. `[local]`)."""
    texts = list(PYPROJECT["project"]["dependencies"])
    for extra in PYPROJECT["project"].get("optional-dependencies", {}).values():
        texts += extra
    requirements = (Requirement(text) for text in texts)
    return {normalized(requirement.name): requirement for requirement in requirements}


# Where a package is imported under another name than it is installed under and its
# metadata does not say so (a llama-cpp-python wheel built by scikit-build-core lists no
# top-level names), or it is not installed here at all.
IMPORT_NAMES = {"llama_cpp": "llama-cpp-python"}


def test_every_package_helpers_imports_is_declared_in_pyproject():
    distributions = importlib.metadata.packages_distributions()
    undeclared = []
    for module in sorted(imported_packages()):
        found = distributions.get(module) or [IMPORT_NAMES.get(module, module)]
        names = {normalized(name) for name in found}
        if not names & declared().keys():
            undeclared.append(f"{module} ({', '.join(sorted(names))})")
    assert not undeclared, f"add to [project] dependencies in pyproject.toml: {undeclared}"


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            found[normalized(name.strip())] = version.strip()
    return found


@pytest.mark.parametrize("requirements", ["requirements.txt", "requirements-dev.txt"])
def test_every_pin_is_inside_the_range_pyproject_declares(requirements):
    ranges = declared()
    for name, version in pins(ROOT / requirements).items():
        if name in ranges:
            assert ranges[name].specifier.contains(version), (
                f"{requirements} pins {name}=={version}, outside pyproject's {ranges[name]}"
            )


def test_mypy_is_pinned_and_configured_without_blanket_ignores():
    assert "mypy" in pins(ROOT / "requirements-dev.txt")
    settings = PYPROJECT["tool"]["mypy"]
    assert settings["files"] == ["helpers", "scripts", "tests/support"]
    assert settings["python_version"] == "3.10"
    assert not settings.get("ignore_missing_imports"), "list untyped packages one by one"
    for override in settings.get("overrides", []):
        assert "*" not in override["module"], "an override names its packages, not all"


# ---- licences and citation -----------------------------------------------------------------
def test_code_is_mit_and_content_cc_by_4():
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    content = (ROOT / "LICENSE-CONTENT.md").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0 International Public License" in content
    assert "Section 8 -- Interpretation." in content, "the whole legal code, not a summary"
    project = PYPROJECT["project"]
    assert project["license"] == "MIT AND CC-BY-4.0"
    assert project["license-files"] == ["LICENSE", "LICENSE-CONTENT.md"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "LICENSE" in readme and "LICENSE-CONTENT.md" in readme and "CC BY 4.0" in readme


def test_citation_file_is_cff_1_2_with_this_version():
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    fields = dict(re.findall(r"^([a-z-]+): *(.*)$", citation, flags=re.M))
    assert fields["cff-version"] == "1.2.0"
    assert {"message", "title", "authors"} <= fields.keys()
    assert "- name: Homemade o1 contributors" in citation
    assert fields["version"] == PYPROJECT["project"]["version"]
    assert "doi" not in fields, "no DOI until one is minted"


# ---- no key-shaped text in the repository ---------------------------------------------------
KEY_SHAPED = re.compile(r"sk-[A-Za-z0-9_-]{20,}")  # what Binder's secret scan looks for


def test_no_file_holds_text_shaped_like_an_api_key():
    """Tests that need a fake key build it at run time ("sk-" + "..."), so a scan of the
    checkout for leaked keys (Binder's, a reviewer's grep) finds nothing to worry about."""
    import subprocess

    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False
    ).stdout.decode()
    if not listed:
        pytest.skip("not a git checkout")
    found = []
    for name in filter(None, listed.split("\0")):
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        data = path.read_bytes()
        if b"\0" in data[:8000]:
            continue  # a binary file (the scan skips them too)
        if KEY_SHAPED.search(data.decode("utf-8", errors="replace")):
            found.append(name)
    assert not found, f"key-shaped text (sk-...) in: {found}"
