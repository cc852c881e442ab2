"""Notebook 04 in a real browser: JupyterLab + headless Chromium driven by Playwright.

Opens a copy of `notebooks/04_step_widget.ipynb`, runs every cell the way a learner
would (Run > Run All Cells), and checks what unit tests cannot: that the widgets
render in JupyterLab with no extra extension, that clicks reach the kernel and come
back, that a streamed answer shows step 1 while it is still arriving, that the answer
is not in the page before it is revealed, and that a model step holding
`<img src=x onerror=...>` shows as text and runs nothing.

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
from pathlib import Path

import pytest

from tests.browser.jupyter_server import JupyterLabServer

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "notebooks" / "04_step_widget.ipynb"
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
STREAM_PACE = "60"  # offline replay speed in the browser's kernel: chunks per second
KERNEL_READY_JS = """() => {
    const bar = document.querySelector('#jp-main-statusbar');
    return bar !== null && /\\| Idle/.test(bar.innerText) && !/No Kernel/.test(bar.innerText);
}"""
NOTEBOOK7_READY_JS = """() => {
    const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
    return indicator !== null && indicator.getAttribute('data-status') === 'idle';
}"""
ALL_CELLS_RUN_JS = """() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
    return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p.innerText.trim()));
}"""

# Phrases from the notebook's recordings (helpers/data/recordings/04_step_widget/).
BAT_QUESTION = "A bat and a ball cost €1.10 together."
BAT_STEP_2 = "b + (b + 1.00) = 1.10"
BAT_STEP_3 = "2b = 0.10"
BAT_ANSWER = "5 cents (€0.05)"
ATTACK_QUESTION = "Show me an HTML tag that runs JavaScript"
PAYLOAD = "<img src=x onerror=\"alert('gotcha')\">"
SNAIL_QUESTION = "A snail is at the bottom of a 10-metre well."
SNAIL_STEP_1 = "so it gains 1 metre overall."
SNAIL_LAST_STEP = "it stops slipping once it is out."
SNAIL_ANSWER = "On the 8th day"
LILY_QUESTION = "A patch of lily pads doubles in size every day."


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


def copy_notebook(root: Path) -> str:
    """Lay out `root` like the repository (the notebook and the images it shows)."""
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(NOTEBOOK, root / "notebooks" / NOTEBOOK.name)
    shutil.copytree(REPO / "docs" / "images", root / "docs" / "images")
    return f"notebooks/{NOTEBOOK.name}"


@contextmanager
def notebook_page(tmp_path: Path, dialogs: list[str], app: str = "lab") -> Iterator[object]:
    """A private JupyterLab (or Notebook 7) with notebook 04 open and Run All started.

    Every JavaScript dialog (an executed `alert(...)`) is dismissed and recorded in `dialogs`.
    """
    from playwright.sync_api import sync_playwright

    notebook = copy_notebook(tmp_path / "root")
    # the kernel inherits this: offline, with streams paced like a small hosted model
    os.environ.update(HOMEMADE_O1_MODE="offline", HOMEMADE_O1_PACE=STREAM_PACE)
    server = JupyterLabServer(tmp_path / "root", tmp_path / "jupyter", app=app)
    with server, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1400}, device_scale_factor=1)
        page.set_default_timeout(WAIT_MS)

        def on_dialog(dialog) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        try:
            path = f"lab/tree/{notebook}" if app == "lab" else f"notebooks/{notebook}"
            page.goto(server.url(path))
            run_all_cells(page, app)
            yield page
        except BaseException:
            save_failure(page, server)
            raise
        finally:
            browser.close()


def run_all_cells(page, app: str = "lab") -> None:
    """Wait for the notebook and its kernel, then use the Run menu to run every cell."""
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    # the status bar reads "No Kernel | Initializing" first, "Python 3 (ipykernel) | Idle" once
    # the kernel is ready; running cells any earlier can make JupyterLab ask for a kernel.
    # Notebook 7 has no status bar; its kernel indicator says "Kernel status: Idle".
    page.wait_for_function(KERNEL_READY_JS if app == "lab" else NOTEBOOK7_READY_JS)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def save_failure(page, server: JupyterLabServer) -> None:
    """Keep a screenshot and the server log in tests/artifacts/ to see what went wrong."""
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / "browser-failure.png"), full_page=True)
    except Exception as problem:  # the page may already be gone
        print(f"could not save a screenshot: {problem}")
    (ARTIFACTS / "browser-jupyter.log").write_text(server.log())


def all_text(locator) -> str:
    """All text inside an element, hidden parts included (what the browser was sent)."""
    return locator.evaluate("element => element.textContent")


def viewer_for(page, question: str, index: int = 0):
    """The StepViewer (the index-th, in page order) whose question starts with `question`."""
    return page.locator(VIEWER).filter(has_text=question).nth(index)


def screenshot(viewer, name: str) -> None:
    """Save a cropped picture of the widget when HOMEMADE_O1_SCREENSHOTS=1."""
    if os.environ.get("HOMEMADE_O1_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        viewer.screenshot(path=str(SCREENSHOTS / f"step-viewer-{name}.png"))


def test_notebook_04_in_jupyterlab(tmp_path: Path) -> None:
    require_browser()
    dialogs: list[str] = []
    with notebook_page(tmp_path, dialogs) as page:
        check_live_viewer(page)  # while Run All is still going
        page.wait_for_function(ALL_CELLS_RUN_JS, timeout=60_000)
        check_cut_off_viewer(page)
        check_hand_made_revealer(page)
        check_step_viewer(page)
        check_guess_first(page)
        check_hostile_viewer(page)
        check_static_view(page)
        page.wait_for_timeout(500)  # give a broken image time to fire onerror, if one existed
        assert dialogs == [], f"model text ran code in the page: {dialogs}"
        assert page.locator('img[src="x"]').count() == 0, "an <img src=x> element was created"
        failed = page.locator(".jp-OutputArea-output", has_text="Traceback (most recent call")
        assert failed.count() == 0, "a cell failed in the browser run"


def test_notebook_04_in_notebook_7(tmp_path: Path) -> None:
    """The same widgets in Notebook 7, with no extension installed for it."""
    require_browser()
    if shutil.which("jupyter-notebook", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("the notebook package (Notebook 7) is not installed")
    dialogs: list[str] = []
    with notebook_page(tmp_path, dialogs, app="notebook") as page:
        page.wait_for_function(ALL_CELLS_RUN_JS, timeout=60_000)
        check_step_viewer(page)
        check_hostile_viewer(page)
        assert dialogs == [], f"model text ran code in the page: {dialogs}"


def check_live_viewer(page) -> None:
    """Step 1 appears while the answer is still streaming in; the answer only at the end."""
    from playwright.sync_api import expect

    viewer = viewer_for(page, SNAIL_QUESTION)
    expect(viewer).to_contain_text(SNAIL_STEP_1)
    shown_early = all_text(viewer)
    assert "Thinking…" in shown_early, "step 1 should be shown while the answer streams in"
    assert SNAIL_LAST_STEP not in shown_early and SNAIL_ANSWER not in shown_early
    expect(viewer.get_by_text(SNAIL_ANSWER)).to_be_visible()
    expect(viewer).to_contain_text(SNAIL_LAST_STEP)
    expect(viewer).not_to_contain_text("Thinking…")


def check_cut_off_viewer(page) -> None:
    """A stream stopped by max_tokens: the steps that arrived, warnings, no answer."""
    from playwright.sync_api import expect

    viewer = viewer_for(page, SNAIL_QUESTION, 1)
    expect(viewer).to_contain_text("Cut off: the model hit its token limit")
    expect(viewer).to_contain_text("Step 3 was cut off part-way")
    assert SNAIL_ANSWER not in all_text(viewer)


def check_hand_made_revealer(page) -> None:
    """The notebook's own escaping revealer: clicks work, the tag shows as text."""
    from playwright.sync_api import expect

    cell = page.locator(".jp-CodeCell").filter(has_text="make_revealer(attack.steps)").last
    output = cell.locator(".jp-OutputArea")
    next_button = output.get_by_role("button", name="Next step")
    for _ in range(3):
        next_button.click()
    expect(output).to_contain_text("Step 3.")
    expect(output).to_contain_text(PAYLOAD)
    assert output.locator("img, script").count() == 0


def check_step_viewer(page) -> None:
    """Next step shows step 2 and nothing after it; Show all shows the answer; Reset hides it."""
    from playwright.sync_api import expect

    viewer = viewer_for(page, BAT_QUESTION)
    next_button = viewer.get_by_role("button", name="Next step")
    expect(viewer).to_contain_text("0 of 5 steps shown")
    assert BAT_ANSWER not in all_text(viewer)
    screenshot(viewer, "1-before")

    next_button.click()
    expect(viewer).to_contain_text("Step 1 of 5")
    next_button.click()
    expect(viewer.get_by_text(BAT_STEP_2)).to_be_visible()
    expect(viewer).to_contain_text("Step 2 of 5")
    sent = all_text(viewer)
    assert BAT_STEP_3 not in sent and BAT_ANSWER not in sent
    screenshot(viewer, "2-midway")

    viewer.get_by_role("button", name="Show all").click()
    expect(viewer.get_by_text(BAT_ANSWER)).to_be_visible()
    expect(viewer).to_contain_text("Step 5 of 5")
    screenshot(viewer, "3-all")

    viewer.get_by_role("button", name="Reset").click()
    expect(viewer).to_contain_text("0 of 5 steps shown")
    assert BAT_ANSWER not in all_text(viewer)


def check_guess_first(page) -> None:
    """Guess-first mode: the learner's guess is shown above the model's step."""
    from playwright.sync_api import expect

    viewer = viewer_for(page, LILY_QUESTION)
    expect(viewer.get_by_label("Guess each step first")).to_be_checked()
    guess = "It is <b>half</b> of 48 & so 24 days."
    viewer.locator("textarea").fill(guess)
    viewer.locator("textarea").blur()  # the text reaches the kernel on change
    viewer.get_by_role("button", name="Next step").click()
    expect(viewer).to_contain_text(f"Your guess:{guess}The model:")
    assert viewer.locator("b", has_text="half").count() == 0, "the guess was not escaped"


def check_hostile_viewer(page) -> None:
    """Reveal everything in the viewer of the attack answer: text only, nothing runs."""
    from playwright.sync_api import expect

    viewer = viewer_for(page, ATTACK_QUESTION)
    viewer.get_by_role("button", name="Show all").click()
    expect(viewer).to_contain_text("Step 4 of 4")
    expect(viewer).to_contain_text(f"as soon as the tag is placed in a page: {PAYLOAD}")
    expect(viewer.get_by_text(PAYLOAD, exact=True)).to_be_visible()  # the answer
    assert viewer.locator("img, script").count() == 0


def check_static_view(page) -> None:
    """The static view: one closed <details> per step and one for the answer."""
    static = page.locator(".homemade-o1-reasoning").filter(has_text=BAT_QUESTION)
    details = static.locator("details")
    assert details.count() == 6
    assert static.locator("details[open]").count() == 0
    assert not static.get_by_text(BAT_ANSWER).is_visible()
