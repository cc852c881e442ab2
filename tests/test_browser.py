"""StepViewer in a real browser: JupyterLab + headless Chromium driven by Playwright.

Checks what unit tests cannot: that the widget renders in JupyterLab with no extra
extension, that clicks reach the kernel and come back, that the answer is not in the
page before it is revealed, and that hostile model text runs nothing.

Needs /usr/bin/chromium (Debian package `chromium`). Without it the test is skipped,
unless HOMEMADE_O1_REQUIRE_BROWSER=1 (set in CI), in which case it fails.
Set HOMEMADE_O1_SCREENSHOTS=1 to refresh the screenshots in docs/images/.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.jupyter_server import JupyterLabServer

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "tests" / "artifacts"
SCREENSHOTS = REPO / "docs" / "images"
VIEWER = ".homemade-o1-step-viewer"
WAIT_MS = 20_000  # generous but bounded wait for one kernel round trip or page load
KERNEL_READY_JS = """() => {
    const bar = document.querySelector('#jp-main-statusbar');
    return bar !== null && /\\| Idle/.test(bar.innerText) && !/No Kernel/.test(bar.innerText);
}"""


@dataclass(frozen=True)
class LiveCase:
    """A viewer that receives a streamed answer while its cell is still running."""

    viewer: int  # index among the page's StepViewers
    first_step: str  # a phrase found only in step 1
    last_step: str  # a phrase found only in the last step
    answer: str  # a phrase found only in the final answer


@dataclass(frozen=True)
class BrowserCase:
    """Which notebook to open and what its first StepViewer must show."""

    notebook: Path
    support_files: tuple[Path, ...]  # copied next to the notebook
    step_two: str  # a phrase found only in step 2
    step_three: str  # a phrase found only in step 3
    answer: str  # a phrase found only in the final answer
    hostile_viewer: int | None = None  # index of a viewer full of hostile markup
    live: LiveCase | None = None


STEP_VIEWER_CHECK = BrowserCase(
    notebook=REPO / "tests" / "browser" / "step_viewer_check.ipynb",
    support_files=(REPO / "tests" / "browser" / "reasonings.json",),
    step_two="That is 10 letters.",
    step_three="Letters 8 and 9 are both r.",
    answer='The letter r appears 3 times in "strawberry".',
    hostile_viewer=1,
    live=LiveCase(
        viewer=2,
        first_step="Six sevens are needed.",
        last_step="adding the last fourteen gives forty-two",
        answer="6 times 7 is 42.",
    ),
)


def require_browser() -> None:
    """Skip when Chromium or Playwright is missing; fail instead if CI demands a browser."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} not found (install it with: apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed"
    if problem is None:
        return
    if os.environ.get("HOMEMADE_O1_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser test required (HOMEMADE_O1_REQUIRE_BROWSER=1) but {problem}")
    pytest.skip(f"browser test skipped: {problem}")


def test_missing_browser_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.delenv("HOMEMADE_O1_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        require_browser()
    monkeypatch.setenv("HOMEMADE_O1_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="HOMEMADE_O1_REQUIRE_BROWSER=1"):
        require_browser()


@contextmanager
def notebook_page(case: BrowserCase, tmp_path: Path) -> Iterator[object]:
    """A private JupyterLab with the notebook opened and all its cells run; yields the page."""
    from playwright.sync_api import sync_playwright

    root = tmp_path / "root"
    root.mkdir()
    for source in (case.notebook, *case.support_files):
        shutil.copy(source, root / source.name)
    with JupyterLabServer(root, tmp_path / "jupyter") as server, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1400}, device_scale_factor=1)
        page.set_default_timeout(WAIT_MS)
        try:
            page.goto(server.url(f"lab/tree/{case.notebook.name}"))
            run_all_cells(page)
            yield page
        except BaseException:
            save_failure(page, server)
            raise
        finally:
            browser.close()


def run_all_cells(page) -> None:
    """Wait for the notebook and its kernel, then use the Run menu to run every cell."""
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    # the status bar reads "No Kernel | Initializing" first, "Python 3 (ipykernel) | Idle" once
    # the kernel is ready; running cells any earlier can make JupyterLab ask for a kernel
    page.wait_for_function(KERNEL_READY_JS)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    page.wait_for_selector(f"{VIEWER} button:has-text('Next step')")


def save_failure(page, server: JupyterLabServer) -> None:
    """Keep a screenshot and the server log in tests/artifacts/ to see what went wrong."""
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / "browser-failure.png"), full_page=True)
    except Exception as problem:  # the page may already be gone
        print(f"could not save a screenshot: {problem}")
    (ARTIFACTS / "browser-jupyter.log").write_text(server.log())


def page_text(page) -> str:
    """All text in the page's DOM, hidden elements included."""
    return page.evaluate("document.body.textContent")


def screenshot(viewer, name: str) -> None:
    """Save a cropped picture of the widget when HOMEMADE_O1_SCREENSHOTS=1."""
    if os.environ.get("HOMEMADE_O1_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        viewer.screenshot(path=str(SCREENSHOTS / f"step-viewer-{name}.png"))


def test_step_viewer_in_jupyterlab(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect

    case = STEP_VIEWER_CHECK
    with notebook_page(case, tmp_path) as page:
        if case.live is not None:
            check_live_viewer(page, case.live)
        viewer = page.locator(VIEWER).first
        next_button = viewer.get_by_role("button", name="Next step")
        expect(viewer).to_contain_text("0 of 5 steps shown")
        assert case.answer not in page_text(page)
        screenshot(viewer, "1-before")

        next_button.click()
        expect(viewer).to_contain_text("Step 1 of 5")
        next_button.click()
        expect(viewer.get_by_text(case.step_two)).to_be_visible()
        expect(viewer).to_contain_text("Step 2 of 5")
        text = page_text(page)
        assert case.step_three not in text
        assert case.answer not in text

        viewer.get_by_label("Guess each step first").check()
        guess = "I expect it to list where each r is."
        viewer.locator("textarea").fill(guess)
        viewer.locator("textarea").blur()  # the text reaches the kernel on change
        next_button.click()
        expect(viewer.get_by_text(case.step_three)).to_be_visible()
        expect(viewer).to_contain_text(f"Your guess:{guess}The model:")
        screenshot(viewer, "2-midway")

        viewer.get_by_role("button", name="Show all").click()
        expect(viewer.get_by_text(case.answer)).to_be_visible()
        expect(viewer).to_contain_text("Step 5 of 5")
        screenshot(viewer, "3-all")

        viewer.get_by_role("button", name="Reset").click()
        expect(viewer).to_contain_text("0 of 5 steps shown")
        assert case.answer not in page_text(page)

        if case.hostile_viewer is not None:
            check_hostile_viewer(page, page.locator(VIEWER).nth(case.hostile_viewer))


def check_hostile_viewer(page, viewer) -> None:
    """Reveal everything in a viewer of hostile text; it must show as text and run nothing."""
    from playwright.sync_api import expect

    viewer.get_by_role("button", name="Show all").click()
    expect(viewer).to_contain_text("Step 2 of 2")
    page.wait_for_timeout(500)  # give a broken image time to fire onerror, if one existed
    executed = page.evaluate(
        "['__xss', '__xss2', '__xss_title', '__xss_question', '__xss_answer']"
        ".filter(name => typeof window[name] !== 'undefined')"
    )
    assert executed == [], f"hostile step text ran code: {executed}"
    assert viewer.locator("img, script").count() == 0
    expect(viewer).to_contain_text("<script>window.__xss2=1</script>")
    expect(viewer).to_contain_text('Step with markup: <img src=x onerror="window.__xss = 1">')
    expect(viewer).to_contain_text('<img src=y onerror="window.__xss_answer = 1">done')


def check_live_viewer(page, live: LiveCase) -> None:
    """Step 1 must appear while the stream is still running; the answer only at the end."""
    from playwright.sync_api import expect

    viewer = page.locator(VIEWER).nth(live.viewer)
    expect(viewer).to_contain_text(live.first_step)
    shown_early = viewer.inner_text()
    text = page_text(page)
    assert "Thinking…" in shown_early, "step 1 should be shown while the answer streams in"
    assert live.last_step not in text and live.answer not in text
    expect(viewer.get_by_text(live.answer)).to_be_visible()
    expect(viewer).to_contain_text(live.last_step)
    expect(viewer).not_to_contain_text("Thinking…")
