"""The report's HTML in a real browser (Debian's chromium driven by Playwright; nothing is downloaded).

A tiny book (one fake executed chapter with a figure, a wide table and math, published by the
runner's layout step) is built once; headless Chromium then checks what a reader sees: no console
errors, no request leaving the machine, code hidden behind a working toggle, a numbered and
captioned figure, the parameters table, math rendered from the local MathJax, a scrolling wide
table and the provenance footer. Screenshots go to the test's temporary folder (path printed).
"""

from __future__ import annotations

import base64
import io
import shutil
from pathlib import Path

import nbformat
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,  # builds a (tiny) book
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="no chromium at /usr/bin/chromium (Debian package `chromium`; "
                              ".ci/run installs it when run as root)"),
]
playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright (python) not installed")

CAPTION = "Grey level along a line of the fake electrode (a.u.), seed 3."


def _png() -> str:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [0, 1, 4])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _fake_chapter(path: Path, executed: bool) -> None:
    """The source notebook (``executed=False``) or papermill's executed copy of it."""
    import pandas as pd

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("seed = 0\nsize_um = 30.0")
    params.metadata["tags"] = ["parameters"]
    fig = nbformat.v4.new_code_cell("fig = plot_line(seed)\nfig")
    fig.metadata["mystnb"] = {"figure": {"caption": CAPTION, "name": "fig-line"}}
    table = nbformat.v4.new_code_cell("wide_table()")
    cells = [nbformat.v4.new_markdown_cell("# Fake chapter\n\nThe line is in {numref}`fig-line`; "
                                           "its slope is $\\partial y / \\partial x = 2x$."),
             params]
    if executed:
        injected = nbformat.v4.new_code_cell("# Parameters\nseed = 3\n")
        injected.metadata["tags"] = ["injected-parameters"]
        cells.append(injected)
        fig.outputs = [nbformat.v4.new_output("display_data", data={"image/png": _png(),
                                                                     "text/plain": "<Figure>"})]
        wide = pd.DataFrame({f"a_long_column_name_{i}": [i * 1.5, i * 2.5] for i in range(40)})
        table.outputs = [nbformat.v4.new_output("execute_result", execution_count=3,
                                                data={"text/html": wide.to_html(),
                                                      "text/plain": "table"})]
    nb.cells = cells + [fig, table]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def tiny_book(tmp_path_factory, root):
    from xctkit.report import build_book, provenance, publish_notebook
    from xctkit.report._runner import ReportPaths, _declared_parameters

    proj = tmp_path_factory.mktemp("proj")
    (proj / "notebooks").mkdir()
    (proj / "book").mkdir()
    (proj / "book" / "_config.yml").write_text(
        (root / "book" / "_config.yml").read_text().replace("bibtex_bibfiles:\n  - references.bib\n", ""))
    shutil.copytree(root / "book" / "_static", proj / "book" / "_static")
    (proj / "book" / "intro.md").write_text("# Tiny book\n\nEnergy: $E = m c^2$.\n")
    (proj / "book" / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n- file: chapters/01_fake\n")
    src = proj / "notebooks" / "01_fake.ipynb"
    _fake_chapter(src, executed=False)
    paths = ReportPaths.from_root(proj, tmp_path_factory.mktemp("out"))
    paths.stage_book()
    executed = paths.chapters / "01_fake.ipynb"
    executed.parent.mkdir(parents=True)
    _fake_chapter(executed, executed=True)
    params = {"seed": 3, "size_um": 30.0}
    publish_notebook(executed, declared=_declared_parameters(src), params=params,
                     prov=provenance(paths, "01_fake", "quick", params, {"seed": 3}, 1.25, "ok"))
    ok, index, tail = build_book(paths)
    assert ok, tail
    return paths.html


@pytest.fixture(scope="module")
def browser():
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def _open(browser, url: str):
    """A page with console errors and every non-local request recorded (and refused)."""
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    external: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        u = r.request.url
        if u.startswith(("file://", "data:", "blob:", "about:")):
            r.continue_()
        else:
            external.append(u)
            r.abort()

    page.route("**/*", route)
    page.goto(url)
    page.wait_for_load_state("load")
    return page, errors, external


def test_chapter_page_reads_like_a_publication(tiny_book, browser, tmp_path):
    from xctkit.report._sphinx import find_local_mathjax

    page, errors, external = _open(browser, (tiny_book / "chapters" / "01_fake.html").as_uri())
    if find_local_mathjax() is not None:  # math typeset by the MathJax copied into _static
        page.wait_for_selector(".MathJax_CHTML, mjx-container", timeout=30_000)
        assert page.locator(".MathJax_CHTML, mjx-container").count() >= 1
    page.wait_for_timeout(500)
    page.screenshot(path=str(tmp_path / "01_fake.png"), full_page=True)
    print(f"screenshots in {tmp_path}")

    assert errors == [], errors
    assert external == [], f"requests leaving the machine: {external}"

    # code hidden by default behind a toggle that shows it
    cell = page.locator("div.cell.tag_hide-input").first
    code = cell.locator("div.cell_input")
    assert page.locator("div.cell.tag_hide-input").count() == 2  # figure and table cells
    assert not code.is_visible()
    cell.locator("summary").first.click()
    code.wait_for(state="visible", timeout=5_000)
    assert "plot_line" in code.inner_text()

    # papermill's injected cell is gone; the parameters appear once, as a table
    body = page.locator("article").inner_text()
    assert "seed = 3" not in body and "seed = 0" not in body
    params = page.locator("div.xctkit-parameters table")
    assert params.count() == 1
    assert "seed" in params.inner_text() and "3" in params.inner_text()

    # the figure: loaded, numbered, captioned, and the text's reference resolves to it
    fig = page.locator("figure#fig-line")
    assert fig.count() == 1
    assert fig.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    caption = fig.locator("figcaption").inner_text()
    assert "Fig. 1" in caption and CAPTION in caption
    ref = page.locator("a[href='#fig-line']").first
    assert "Fig. 1" in ref.inner_text()

    # the wide table scrolls inside the page instead of widening it
    wide = page.locator("table.dataframe").first
    assert wide.evaluate("t => t.scrollWidth > t.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    # provenance footer
    import xctkit

    footer = page.locator("div.xctkit-provenance")
    assert footer.count() == 1
    text = footer.inner_text()
    for piece in (f"xctkit {xctkit.__version__}", "profile quick", "seed 3", "seed=3", "wall time 1.2 s"):
        assert piece in text, (piece, text)
    page.close()


def test_intro_page_math_offline(tiny_book, browser, tmp_path):
    page, errors, external = _open(browser, (tiny_book / "index.html").as_uri())
    page.wait_for_load_state("load")
    page.wait_for_timeout(1000)
    page.screenshot(path=str(tmp_path / "intro.png"), full_page=True)
    assert errors == [], errors
    assert external == [], f"requests leaving the machine: {external}"
    html = (tiny_book / "intro.html").read_text()
    assert "cdn.jsdelivr" not in html and "mathjax@3" not in html
    page.close()
