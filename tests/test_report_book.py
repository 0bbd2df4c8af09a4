"""The real chapters on the quick profile: every notebook runs, the book builds, nothing is missing.

One report run (session fixture) serves all checks; it is the slowest part of the suite. It runs
into a temporary folder (``report(out=...)``): the checkout's ``book/`` and ``data/`` — where a
user's ``make report`` leaves the default-profile book — are never written by the tests.
"""

import json
import os
import re
from pathlib import Path

import nbformat
import pytest
import yaml

pytestmark = pytest.mark.slow


def _notebooks(root):
    return sorted((root / "notebooks").glob("*.ipynb"))


def test_every_notebook_is_clean_parameterised_and_in_the_toc(root):
    toc = yaml.safe_load((root / "book" / "_toc.yml").read_text())
    listed = {c["file"] for part in toc["parts"] for c in part["chapters"]
              if c["file"].startswith("chapters/")}
    for path in _notebooks(root):
        nb = nbformat.read(path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
            f"{path.name} carries outputs; keep notebooks/ clean"
        assert f"chapters/{path.stem}" in listed, f"{path.stem} missing from book/_toc.yml"
        assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), \
            f"{path.name} must open with a '# Title' markdown cell"
    assert len(listed) == len(_notebooks(root))


def test_user_variants_stand_in_for_a_chapter(root):
    """notebooks/user/<chapter>.ipynb: the same stem as a chapter, one parameters cell that takes the
    manifest, no outputs, a title, and metadata naming the chapter it stands in for."""
    from xctkit.report import chapter_source

    variants = sorted((root / "notebooks" / "user").glob("*.ipynb"))
    assert variants, "no user-study variants"
    for path in variants:
        chapter = root / "notebooks" / path.name
        assert chapter.exists(), f"{path.name} stands in for no chapter"
        nb = nbformat.read(path, as_version=4)
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1 and "manifest = " in params[0].source
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        assert nb.cells[0].source.startswith("# ") and nb.metadata["xctkit"]["variant_of"] == path.stem
        assert chapter_source(chapter, {None: {"manifest": "study.yaml"}}) == path
        assert chapter_source(chapter, {}) == chapter  # the virtual laboratory keeps the chapter itself


def _snapshot(*folders):
    """{path: (size, mtime_ns)} of every file below ``folders``."""
    out = {}
    for folder in folders:
        for dirpath, _, files in os.walk(folder):
            for f in files:
                st = os.stat(os.path.join(dirpath, f))
                out[os.path.join(dirpath, f)] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(scope="session")
def quick_out(tmp_path_factory):
    return tmp_path_factory.mktemp("quick-report")


@pytest.fixture(scope="session")
def checkout_before(root):
    return _snapshot(root / "book", root / "data")


@pytest.fixture(scope="session")
def quick_report(root, quick_out, checkout_before):
    from xctkit.report import report

    # two chapters at a time (each kernel on one core): 636 s against 730 s one after another for the
    # whole quick report on 2 cores, measured 2026-12-04; also runs the scheduler on the real chapters
    return report(root, profile="quick", progress=False, out=quick_out, jobs=2)


def test_quick_report_succeeds(quick_report):
    failed = [f"{r.name}: cell {r.failed_cell}: {r.error}" for r in quick_report.runs if r.status == "failed"]
    assert not failed, "\n".join(failed)
    assert quick_report.ok and quick_report.book_built


def test_report_into_out_leaves_the_checkouts_book_and_data_unchanged(quick_report, root, checkout_before,
                                                                      quick_out):
    assert quick_report.html_index == quick_out / "_build" / "html" / "index.html"
    after = _snapshot(root / "book", root / "data")
    added = sorted(set(after) - set(checkout_before))
    removed = sorted(set(checkout_before) - set(after))
    changed = sorted(k for k in set(after) & set(checkout_before) if after[k] != checkout_before[k])
    assert (added, removed, changed) == ([], [], [])


def test_book_has_one_page_per_chapter_and_all_images(quick_report, root, quick_out):
    html = quick_out / "_build" / "html"
    assert (html / "index.html").exists()
    for nb in _notebooks(root):
        page = html / "chapters" / f"{nb.stem}.html"
        assert page.exists(), f"no HTML page for {nb.stem}"
        text = page.read_text()
        images = re.findall(r'<img[^>]+src="([^"]+)"', text)
        for src in images:
            if src.startswith(("http:", "https:", "data:")):
                continue
            assert (page.parent / src).resolve().exists(), f"{nb.stem}: missing image {src}"
        assert "Traceback" not in text, f"{nb.stem} shows a traceback"
        assert "xctkit-provenance" in text, f"{nb.stem} has no provenance footer"
        assert "cdn.jsdelivr" not in text and "mathjax@3" not in text, f"{nb.stem} references a CDN"
    # figures reach the pages (a non-interactive MPLBACKEND in the kernel would drop all of them)
    assert re.search(r'<img[^>]+src="[^"]+\.png"', (html / "chapters" / "01_virtual_electrodes.html").read_text())


def test_api_reference_documents_the_public_packages(quick_report, quick_out):
    text = (quick_out / "_build" / "html" / "api.html").read_text()
    for name in ("xctkit.micro.porosity", "xctkit.report.report", "xctkit.plots.style"):
        assert f'id="{name}"' in text, name


def test_run_summary_lists_notebooks_and_result_tables(quick_report, root):
    summary = json.loads(quick_report.summary_file.read_text())
    assert {n["name"] for n in summary["notebooks"]} == {p.stem for p in _notebooks(root)}
    assert summary["ok"] is True
    for table in summary["results"]:
        name = Path(table).name
        assert re.match(r"^\d\d_[a-z0-9_]+__[a-z0-9_\-]+\.csv$", name), name
    text = quick_report.summary()
    assert "Book:" in text and "index.html" in text


def test_quick_cnn_beats_bicubic_on_held_out_electrodes(quick_report, quick_out):
    """Issue acceptance: on the test electrodes (never trained on) the CNN gains >= 2 dB PSNR and SSIM."""
    import pandas as pd

    table = pd.read_csv(quick_out / "results" / "03_sr_evaluation__table1.csv").set_index("model")
    assert table.loc["CNN", "psnr_gain_db"] >= 2.0
    assert table.loc["CNN", "ssim"] > table.loc["bicubic", "ssim"]
