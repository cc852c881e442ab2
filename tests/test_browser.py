"""Notebook 04 in a real browser: JupyterLab + headless Chromium driven by Playwright.

Opens a copy of `notebooks/04_step_widget.ipynb`, runs every cell the way a learner
would (Run > Run All Cells), and checks what unit tests cannot: that the widgets
render in JupyterLab with no extra extension, that clicks reach the kernel and come
back, that a streamed answer shows step 1 while it is still arriving, that the answer
is not in the page before it is revealed, and that a model step holding
`<img src=x onerror=...>` shows as text and runs nothing.

Every wait is for a condition (the server answers, the kernel says idle, one more
cell has run), with limits that hold on a cold first run in a fresh environment, where
Jupyter compiles every module it imports and builds its caches: a slow start is fine
as long as it keeps moving. A wait that gives up says what it waited for, what it saw
last, and the end of the server's log.

Needs Chromium (/usr/bin/chromium, the Debian package `chromium`). Without it the tests
are skipped, unless HOMEMADE_O1_REQUIRE_BROWSER=1 (set in CI), in which case they fail.
Set HOMEMADE_O1_SCREENSHOTS=1 to refresh the screenshots in docs/images/.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.browser.jupyter_server import JupyterLabServer

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "notebooks" / "04_step_widget.ipynb"
CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
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
WAIT_MS = 30_000  # one kernel round trip once everything has started (a click, a redraw)
PAGE_LIMIT = 180  # seconds for the page to show the notebook's cells
KERNEL_LIMIT = 300  # seconds for a kernel to start and say "idle" (cold: compiles its imports)
KERNEL_FIRST_LIMIT = 120  # ... on the first load of the page, before it is loaded once more
RUN_ALL_LIMIT = 600  # seconds for Run All in all ...
RUN_ALL_STALL = 150  # ... as long as another cell finishes at least this often
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
CELLS_RUN_JS = """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
    .filter(p => /^\\[\\d+\\]:$/.test(p.innerText.trim())).length"""
CODE_CELLS_JS = "() => document.querySelectorAll('.jp-CodeCell').length"
CELLS_SHOWN_JS = "() => document.querySelectorAll('.jp-Notebook .jp-Cell').length"
STATUS_TEXT_JS = """() => {
    const bar = document.querySelector('#jp-main-statusbar');
    const dot = document.querySelector('.jp-Notebook-ExecutionIndicator');
    return (bar ? bar.innerText : '') + ' ' + (dot ? dot.getAttribute('data-status') : '');
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
    """Lay out `root` like the repository (the notebook and the images it shows).

    The copy has no saved outputs or execution counts: every "[n]:" prompt in the page
    then comes from this run, so counting them measures Run All's progress.
    """
    (root / "notebooks").mkdir(parents=True)
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    (root / "notebooks" / NOTEBOOK.name).write_text(json.dumps(notebook), encoding="utf-8")
    shutil.copytree(REPO / "docs" / "images", root / "docs" / "images")
    return f"notebooks/{NOTEBOOK.name}"


def wait_until(
    page,
    what: str,
    done: Callable[[], bool],
    *,
    limit: float,
    stall: float | None = None,
    progress: Callable[[], int] | None = None,
    seen: Callable[[], str] | None = None,
    server: JupyterLabServer | None = None,
) -> float:
    """Poll `done()` until it is true; return the seconds it took.

    Gives up after `limit` seconds, or after `stall` seconds in which `progress()` did
    not grow, with a message naming `what` it waited for, what `seen()` shows, and the
    end of the server's log.
    """
    start = time.monotonic()
    moved = start
    best = progress() if progress else 0
    while True:
        if done():
            took = time.monotonic() - start
            print(f"waited {took:5.1f} s (limit {limit:.0f} s) for {what}")
            return took
        now = time.monotonic()
        if progress is not None:
            value = progress()
            if value > best:
                best, moved = value, now
        stalled = stall is not None and now - moved > stall
        if now - start > limit or stalled:
            why = f"nothing moved for {stall:.0f} s" if stalled else f"the limit is {limit:.0f} s"
            message = f"Gave up waiting for {what} after {now - start:.0f} s ({why})."
            if seen is not None:
                message += f" Last seen: {seen()}."
            if server is not None:
                message += f"\nEnd of the Jupyter log:\n{server.log_tail()}"
            raise AssertionError(message)
        page.wait_for_timeout(250)


def page_value(page, script: str, default: object = None) -> object:
    """`page.evaluate(script)`, or `default` while the page is still loading."""
    try:
        return page.evaluate(script)
    except Exception:  # navigation in progress, page not ready: try again later
        return default


def cells_run(page) -> int:
    return int(page_value(page, CELLS_RUN_JS, 0) or 0)


def run_state(page, server: JupyterLabServer) -> str:
    """'12 of 25 code cells have run; kernels: busy; status: ...' for failure messages."""
    total = page_value(page, CODE_CELLS_JS, "?")
    status = " ".join(str(page_value(page, STATUS_TEXT_JS, "")).split())
    kernels = ", ".join(server.kernel_states()) or "none"
    return f"{cells_run(page)} of {total} code cells have run; kernels: {kernels}; page: {status!r}"


@contextmanager
def notebook_page(tmp_path: Path, dialogs: list[str], app: str = "lab") -> Iterator[object]:
    """A private JupyterLab (or Notebook 7) with notebook 04 open and Run All started.

    Every JavaScript dialog (an executed `alert(...)`) is dismissed and recorded in `dialogs`.
    The page has `page.jupyter` (the server) for waits that look at the kernel.
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
        page.jupyter = server

        def on_dialog(dialog) -> None:
            if dialog.type == "beforeunload":  # "leave the page?" when the test reloads it
                dialog.accept()
                return
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        try:
            path = f"lab/tree/{notebook}" if app == "lab" else f"notebooks/{notebook}"
            page.goto(server.url(path), timeout=PAGE_LIMIT * 1000)
            run_all_cells(page, server, app)
            yield page
        except BaseException:
            save_failure(page, server)
            raise
        finally:
            browser.close()


def run_all_cells(page, server: JupyterLabServer, app: str = "lab") -> None:
    """Wait for the notebook and its kernel, then use the Run menu to run every cell."""
    wait_until(
        page,
        "the notebook's cells to appear in the page",
        lambda: int(page_value(page, CELLS_SHOWN_JS, 0) or 0) > 0,
        limit=PAGE_LIMIT,
        seen=lambda: repr(page_value(page, "() => document.title", "")),
        server=server,
    )
    # JupyterLab's status bar reads "No Kernel | Initializing" first, "Python 3 (ipykernel) |
    # Idle" once the kernel is ready; running cells any earlier can make it ask for a kernel.
    # Notebook 7 has no status bar; its kernel indicator says "idle". The server must agree.
    ready_js = KERNEL_READY_JS if app == "lab" else NOTEBOOK7_READY_JS

    def kernel_ready() -> bool:
        return "idle" in server.kernel_states() and bool(page_value(page, ready_js, False))

    # Seen twice in cold CI runs (a fresh venv's first kernel), each on one attempt only:
    # the server had the kernel idle and the page connected to it, yet the page either
    # never learnt the kernel's state (Notebook 7: status "unknown" for 300 s) or showed
    # it idle and ran no cell on Run All. That is the page's connection to a new kernel,
    # not the notebook: the first attempt gives up sooner and loads the page once more.
    for attempt in (1, 2):
        if attempt == 1 and not ready_within(page, kernel_ready, KERNEL_FIRST_LIMIT):
            print(f"The page never saw the kernel ready ({run_state(page, server)}); reloading")
            page.reload(timeout=PAGE_LIMIT * 1000)
            continue
        wait_until(
            page,
            "the notebook's kernel to start and say idle (server API and page)",
            kernel_ready,
            limit=KERNEL_LIMIT,
            seen=lambda: run_state(page, server),
            server=server,
        )
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        if attempt == 2 or run_all_started(page, server):
            return
        print(f"Run All started no cell ({run_state(page, server)}); reloading the page once")
        page.reload(timeout=PAGE_LIMIT * 1000)


def ready_within(page, ready: Callable[[], bool], limit: float) -> bool:
    """True as soon as `ready()` is; False if it is not within `limit` seconds."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if ready():
            return True
        page.wait_for_timeout(250)
    return False


def run_all_started(page, server: JupyterLabServer, limit: float = 45) -> bool:
    """True once a cell has run or the kernel is busy; False if neither within `limit` s."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if cells_run(page) > 0 or "busy" in server.kernel_states():
            return True
        page.wait_for_timeout(250)
    return False


def wait_for_run_all(page) -> float:
    """Wait until every code cell has run; fine while cells keep finishing."""
    server = page.jupyter
    return wait_until(
        page,
        "Run All to finish every code cell",
        lambda: (
            bool(page_value(page, ALL_CELLS_RUN_JS, False)) and "busy" not in server.kernel_states()
        ),
        limit=RUN_ALL_LIMIT,
        stall=RUN_ALL_STALL,
        progress=lambda: cells_run(page),
        seen=lambda: run_state(page, server),
        server=server,
    )


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
        wait_for_run_all(page)
        check_fold(page)
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
        problem = "the notebook package (Notebook 7) is not installed"
        if os.environ.get("HOMEMADE_O1_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser test required (HOMEMADE_O1_REQUIRE_BROWSER=1) but {problem}")
        pytest.skip(problem)
    dialogs: list[str] = []
    with notebook_page(tmp_path, dialogs, app="notebook") as page:
        wait_for_run_all(page)
        check_step_viewer(page)
        check_hostile_viewer(page)
        assert dialogs == [], f"model text ran code in the page: {dialogs}"


def check_live_viewer(page) -> None:
    """Step 1 appears while the answer is still streaming in; the answer only at the end."""
    from playwright.sync_api import expect

    viewer = viewer_for(page, SNAIL_QUESTION)
    # the cells above it run first: on a cold start their imports can take a while
    wait_until(
        page,
        "the live viewer of the snail question to appear",
        lambda: viewer.count() > 0,
        limit=RUN_ALL_LIMIT,
        stall=RUN_ALL_STALL,
        progress=lambda: cells_run(page),
        seen=lambda: run_state(page, page.jupyter),
        server=page.jupyter,
    )
    expect(viewer).to_contain_text(SNAIL_STEP_1)
    shown_early = all_text(viewer)
    assert "Thinking…" in shown_early, "step 1 should be shown while the answer streams in"
    assert SNAIL_LAST_STEP not in shown_early and SNAIL_ANSWER not in shown_early
    # while thinking, the bar moves without claiming a number of steps (no value: indeterminate)
    assert viewer.locator("progress:indeterminate").count() == 1
    expect(viewer.get_by_text(SNAIL_ANSWER)).to_be_visible()
    expect(viewer).to_contain_text(SNAIL_LAST_STEP)
    expect(viewer).not_to_contain_text("Thinking…")
    assert viewer.locator("progress").count() == 0
    expect(viewer.get_by_role("button", name="Thought for")).to_be_visible()


def check_fold(page) -> None:
    """The "Thought for" header folds the steps away and back; the answer stays.

    Clicked once Run All has finished: a click reaches the kernel as a message queued
    behind the cells still waiting to run, so while Run All goes on it takes effect
    only when they are done, as for any widget.
    """
    from playwright.sync_api import expect

    viewer = viewer_for(page, SNAIL_QUESTION)
    header = viewer.get_by_role("button", name="Thought for")
    header.click()
    expect(viewer.get_by_text(SNAIL_STEP_1)).to_be_hidden()
    expect(viewer.get_by_text(SNAIL_ANSWER)).to_be_visible()
    header.click()
    expect(viewer.get_by_text(SNAIL_STEP_1)).to_be_visible()


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


def test_hidden_and_bidi_characters_cannot_reorder_what_is_shown() -> None:
    """In real Chromium: a right-to-left override before '0001' would draw it as '1000'.

    The page holds the model text twice: raw (as the old escaping left it) and as the
    helpers render it. Character positions on screen show the raw copy reversed (so the
    check can see the attack) and the rendered copy in its stored order, with a marker.
    """
    require_browser()
    from playwright.sync_api import sync_playwright

    from helpers.reasoning import Reasoning
    from helpers.widgets.step_html import reasoning_to_html, text_block

    attack = "\u202e0001"
    rendered = text_block(attack)
    static = reasoning_to_html(Reasoning(steps=[attack], result=attack, question=attack))
    raw = f"<div>{attack}</div>"  # what html.escape alone produced
    page_html = (
        f'<div id="raw">{raw}</div><div id="shown">{rendered}</div>'
        f'<div id="static">{static.replace("<details>", "<details open>")}</div>'
    )
    digits_in_screen_order = """(selector) => [...document.querySelectorAll(selector)].map(root => {
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        const found = [];
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (node.parentElement.closest('.homemade-o1-hidden-char')) continue;  // markers
            for (let i = 0; i < node.data.length; i++) {
                if (!'01'.includes(node.data[i])) continue;
                const range = document.createRange();
                range.setStart(node, i);
                range.setEnd(node, i + 1);
                const box = range.getBoundingClientRect();
                found.push([Math.round(box.top), box.left, node.data[i]]);
            }
        }
        found.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        return found.map(item => item[2]).join('');
    })"""
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(f"<html><body>{page_html}</body></html>")
            assert page.evaluate(digits_in_screen_order, "#raw") == ["1000"]  # the attack works
            assert page.evaluate(digits_in_screen_order, "#shown") == ["0001"]
            assert page.inner_text("#shown") == "[U+202E]0001"
            # the static view: question, step and answer
            texts = '#static p, #static div[style*="pre-wrap"]'
            assert page.evaluate(digits_in_screen_order, texts) == ["0001"] * 3
        finally:
            browser.close()
