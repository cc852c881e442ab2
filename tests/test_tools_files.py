"""read_file stays inside its folder, refuses what it should, and never shows machine paths."""

import os
import sys
import threading
from pathlib import Path

import pytest

from helpers.tools.files import make_file_reader, read_file

SECRET = "TOP-SECRET-CONTENT"
posix_only = pytest.mark.skipif(os.name != "posix", reason="symlinks/FIFOs need POSIX")


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    """tmp/sandbox (the root) next to tmp/secret.txt and tmp/outside/ that must stay unreadable."""
    root = tmp_path / "sandbox"
    (root / "sub").mkdir(parents=True)
    (root / "notes.txt").write_text("hello from the sandbox\n", encoding="utf-8")
    (root / "sub" / "inner.md").write_text("# Inner\ninside a subfolder\n", encoding="utf-8")
    (root / ".env").write_text(f"KEY={SECRET}\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text(SECRET, encoding="utf-8")
    return root


def assert_refused(result: str, tmp_path: Path) -> None:
    assert result.startswith("Error: ")
    assert SECRET not in result
    assert str(tmp_path) not in result
    assert str(tmp_path.resolve()) not in result


def test_normal_read(sandbox: Path) -> None:
    reader = make_file_reader(sandbox)
    assert reader("notes.txt") == "hello from the sandbox\n"
    assert reader("./sub/inner.md") == "# Inner\ninside a subfolder\n"
    assert reader("sub\\inner.md") == "# Inner\ninside a subfolder\n"


@pytest.mark.parametrize(
    "path",
    [
        "../secret.txt",
        "../../etc/passwd",
        "sub/../../secret.txt",
        "sub/../notes.txt",
        "..",
        "..\\secret.txt",
        "/etc/passwd",
        "~/.bashrc",
        "C:\\Windows\\win.ini",
        "c:/secret.txt",
        ".env",
        "sub/.hidden",
        "notes.txt\x00.md",
        "missing.txt",
    ],
)
def test_escapes_and_bad_paths_are_refused(sandbox: Path, tmp_path: Path, path: str) -> None:
    assert_refused(make_file_reader(sandbox)(path), tmp_path)


def test_absolute_path_to_a_file_inside_is_still_refused(sandbox: Path, tmp_path: Path) -> None:
    assert_refused(make_file_reader(sandbox)(str(sandbox / "notes.txt")), tmp_path)


def test_absolute_path_outside_is_refused(sandbox: Path, tmp_path: Path) -> None:
    assert_refused(make_file_reader(sandbox)(str(tmp_path / "secret.txt")), tmp_path)


@posix_only
def test_symlink_to_a_file_outside_is_refused(sandbox: Path, tmp_path: Path) -> None:
    (sandbox / "link.txt").symlink_to(tmp_path / "secret.txt")
    assert_refused(make_file_reader(sandbox)("link.txt"), tmp_path)


@posix_only
def test_symlinked_directory_outside_is_refused(sandbox: Path, tmp_path: Path) -> None:
    (sandbox / "linkdir").symlink_to(tmp_path / "outside", target_is_directory=True)
    reader = make_file_reader(sandbox)
    assert_refused(reader("linkdir/secret.txt"), tmp_path)
    assert_refused(reader("linkdir"), tmp_path)


@posix_only
def test_symlink_that_stays_inside_is_allowed(sandbox: Path) -> None:
    (sandbox / "alias.txt").symlink_to(sandbox / "notes.txt")
    (sandbox / "subalias").symlink_to(sandbox / "sub", target_is_directory=True)
    reader = make_file_reader(sandbox)
    assert reader("alias.txt") == "hello from the sandbox\n"
    assert reader("subalias/inner.md").startswith("# Inner")


@posix_only
def test_symlink_loop_is_an_error_not_an_exception(sandbox: Path, tmp_path: Path) -> None:
    (sandbox / "loop").symlink_to(sandbox / "loop")
    assert_refused(make_file_reader(sandbox)("loop"), tmp_path)


@posix_only
def test_root_given_through_a_symlink_still_confines(sandbox: Path, tmp_path: Path) -> None:
    link_to_root = tmp_path / "root-link"
    link_to_root.symlink_to(sandbox, target_is_directory=True)
    reader = make_file_reader(link_to_root)
    assert reader("notes.txt") == "hello from the sandbox\n"
    assert_refused(reader("../secret.txt"), tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_refused_without_hanging(sandbox: Path, tmp_path: Path) -> None:
    os.mkfifo(sandbox / "pipe")
    results: list[str] = []
    worker = threading.Thread(target=lambda: results.append(make_file_reader(sandbox)("pipe")))
    worker.daemon = True
    worker.start()
    worker.join(timeout=5)
    assert results, "read_file blocked on a named pipe"
    assert_refused(results[0], tmp_path)
    assert "not a regular file" in results[0]


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_device_file_via_symlink_is_refused(sandbox: Path, tmp_path: Path) -> None:
    (sandbox / "null").symlink_to("/dev/null")
    assert_refused(make_file_reader(sandbox)("null"), tmp_path)


def test_big_file_is_truncated_with_a_clear_note(sandbox: Path) -> None:
    (sandbox / "big.txt").write_text("a" * 50_000, encoding="utf-8")
    result = make_file_reader(sandbox, max_bytes=20_000)("big.txt")
    text, note = result.rsplit("\n", 1)
    assert text == "a" * 20_000
    assert note == "[truncated: showing the first 20,000 of 50,000 bytes of 'big.txt']"


def test_truncation_inside_a_multibyte_character_is_not_called_binary(sandbox: Path) -> None:
    (sandbox / "accents.txt").write_text("é" * 15_000, encoding="utf-8")  # 30,000 bytes
    result = make_file_reader(sandbox, max_bytes=20_001)("accents.txt")
    assert result.startswith("é" * 10_000)
    assert "[truncated: showing the first 20,001 of 30,000 bytes" in result


def test_small_file_is_not_truncated(sandbox: Path) -> None:
    (sandbox / "exact.txt").write_text("b" * 100, encoding="utf-8")
    assert make_file_reader(sandbox, max_bytes=100)("exact.txt") == "b" * 100


@pytest.mark.parametrize(
    "content", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"\xff\xfe\xfa not utf-8 \xc3\x28"]
)
def test_binary_files_are_refused(sandbox: Path, tmp_path: Path, content: bytes) -> None:
    (sandbox / "image.png").write_bytes(content)
    result = make_file_reader(sandbox)("image.png")
    assert_refused(result, tmp_path)
    assert "binary" in result


def test_directory_is_listed_without_hidden_files(sandbox: Path, tmp_path: Path) -> None:
    reader = make_file_reader(sandbox)
    listing = reader(".")
    assert listing.splitlines() == ["Files in the folder:", "notes.txt (23 bytes)", "sub/"]
    assert reader("") == listing
    assert reader("sub").splitlines() == ["Files in 'sub/':", "inner.md (27 bytes)"]
    assert str(tmp_path) not in listing


@posix_only
def test_listing_hides_symlinks_that_lead_outside(sandbox: Path) -> None:
    (sandbox / "link.txt").symlink_to(sandbox.parent / "secret.txt")
    (sandbox / "linkdir").symlink_to(sandbox.parent / "outside", target_is_directory=True)
    listing = make_file_reader(sandbox)(".")
    assert "link" not in listing


def test_non_string_path_is_an_error(sandbox: Path, tmp_path: Path) -> None:
    assert_refused(make_file_reader(sandbox)(None), tmp_path)  # type: ignore[arg-type]


def test_factory_rejects_a_file_as_root(sandbox: Path) -> None:
    with pytest.raises(NotADirectoryError):
        make_file_reader(sandbox / "notes.txt")


def test_docstring_names_the_folder_but_not_its_path(sandbox: Path) -> None:
    doc = make_file_reader(sandbox, max_bytes=1234).__doc__ or ""
    assert "'sandbox' folder" in doc
    assert "1,234 bytes" in doc
    assert str(sandbox.parent) not in doc


def test_default_reader_reads_the_library_and_nothing_else() -> None:
    assert "384,400" in read_file("moon.md")
    assert read_file("../tools/files.py").startswith("Error: ")
    assert read_file("../__init__.py").startswith("Error: ")
    assert "moon.md" in read_file(".")


@pytest.mark.skipif(sys.platform != "linux", reason="/proc is Linux-only")
def test_proc_self_environ_style_paths_are_refused(sandbox: Path, tmp_path: Path) -> None:
    assert_refused(make_file_reader(sandbox)("/proc/self/environ"), tmp_path)
