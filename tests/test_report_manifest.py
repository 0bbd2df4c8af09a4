"""`xctkit report --manifest` on a user's study built in the test (tests/user_study.py, not made by
xctkit): the SR chapters train and evaluate on the user's 16-bit scans, chapters whose inputs the
manifest lacks render a page naming the missing fields, and nothing is written into the checkout."""

import json

import pytest

from user_study import make_user_study

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def manifest_report(root, tmp_path_factory):
    from xctkit.report import report

    manifest = make_user_study(tmp_path_factory.mktemp("scans"), hr_shape=(27, 48, 48))
    out = tmp_path_factory.mktemp("manifest-report")
    overrides = {None: {"manifest": str(manifest), "sr_epochs": 1, "sr_patches": 96, "sr_patch": 24,
                        "n_rois": 4}}
    res = report(root, profile="quick", only=["02", "03", "04", "05"], overrides=overrides, progress=False,
                 out=out)
    return res, out, manifest


def test_sr_chapters_run_on_the_users_scans(manifest_report):
    res, out, _ = manifest_report
    status = {r.name: r.status for r in res.runs}
    failed = [f"{r.name}: cell {r.failed_cell}: {r.error}" for r in res.runs if r.status == "failed"]
    assert not failed, "\n".join(failed)
    assert status["02_sr_training"] == "ok" and status["03_sr_evaluation"] == "ok"
    import pandas as pd

    table1 = pd.read_csv(out / "results" / "03_sr_evaluation__table1.csv")
    assert set(table1.model) >= {"bicubic", "CNN"} and table1.psnr_db.notna().all()
    training = pd.read_csv(out / "results" / "02_sr_training__training.csv")
    assert len(training) >= 2  # every model trained on the user's training electrodes


def test_chapter_04_measures_the_users_states_through_its_variant(manifest_report):
    """Chapter 04 runs its user variant (no truth needed): Otsu (no reference labels) measures the
    porosity of each HR region within 0.03 of the test's own answer key, the cycled state (balls grown
    by one voxel) is less porous and more tortuous, and the page says which segmentation measured."""
    import pandas as pd

    res, out, manifest = manifest_report
    run = {r.name: r for r in res.runs}["04_nmc_expansion"]
    assert run.status == "ok", run.error
    truth = json.loads((manifest.parent / "truth.json").read_text())
    t = pd.read_csv(out / "results" / "04_nmc_expansion__pristine_vs_cycled.csv").set_index("sample")
    assert list(t.index) == ["cellA"]
    for state in ("pristine", "cycled"):
        assert abs(t.loc["cellA", f"porosity_{state}"] - truth[f"cellA/{state}"]) < 0.03
    assert t.loc["cellA", "porosity_cycled"] < t.loc["cellA", "porosity_pristine"]
    assert t.loc["cellA", "tortuosity_cycled"] > t.loc["cellA", "tortuosity_pristine"]
    page = (out / "chapters" / "04_nmc_expansion.ipynb").read_text()
    assert "a user study has no truth" in page and "manifest lacks inputs" not in page
    html = (out / "_build" / "html" / "chapters" / "04_nmc_expansion.html").read_text()
    assert "Measurements in this run use <strong>Otsu" in html  # generated, rendered from the run
    assert f"porosity {t.loc['cellA', 'porosity_pristine']:.3f} → {t.loc['cellA', 'porosity_cycled']:.3f}" in html


def test_a_chapter_needing_truth_renders_what_is_missing(manifest_report):
    res, out, _ = manifest_report
    run = {r.name: r for r in res.runs}["05_regression"]
    assert run.status == "skipped" and any("truth" in m for m in run.missing)
    page = (out / "chapters" / "05_regression.ipynb").read_text()
    assert "manifest lacks inputs" in page and "truth" in page
    summary = json.loads(res.summary_file.read_text())
    assert summary
