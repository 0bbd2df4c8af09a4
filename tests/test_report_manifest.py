"""`xctkit report --manifest` on a user's study built in the test (tests/user_study.py, not made by
xctkit): the SR chapters train and evaluate on the user's 16-bit scans, chapters 04 and 05 run their
user variants, a chapter whose inputs the manifest lacks renders a page naming the missing fields, and
nothing is written into the checkout."""

import json

import pytest

from user_study import make_user_study

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def manifest_report(root, tmp_path_factory):
    from xctkit.report import report

    manifest = make_user_study(tmp_path_factory.mktemp("scans"), hr_shape=(27, 48, 48),
                               cycled=("cellA", "cellB", "cellC"))
    out = tmp_path_factory.mktemp("manifest-report")
    overrides = {None: {"manifest": str(manifest), "sr_epochs": 1, "sr_patches": 96, "sr_patch": 24,
                        "n_rois": 4}}
    res = report(root, profile="quick", only=["02", "03", "04", "05", "06"], overrides=overrides, progress=False,
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
    assert list(t.index) == ["cellA", "cellB", "cellC"]
    for e in t.index:
        for state in ("pristine", "cycled"):
            assert abs(t.loc[e, f"porosity_{state}"] - truth[f"{e}/{state}"]) < 0.03
        assert t.loc[e, "porosity_cycled"] < t.loc[e, "porosity_pristine"]
        assert t.loc[e, "tortuosity_cycled"] > t.loc[e, "tortuosity_pristine"]
    page = (out / "chapters" / "04_nmc_expansion.ipynb").read_text()
    assert "a user study has no truth" in page and "manifest lacks inputs" not in page
    html = (out / "_build" / "html" / "chapters" / "04_nmc_expansion.html").read_text()
    assert "Measurements in this run use <strong>Otsu" in html  # generated, rendered from the run
    assert f"porosity {t.loc['cellA', 'porosity_pristine']:.3f} → {t.loc['cellA', 'porosity_cycled']:.3f}" in html


def test_chapter_05_fits_what_three_electrodes_allow(manifest_report):
    """Three electrodes: the one-predictor fits (two coefficients, one residual) are made and equal an
    independent least-squares line; the joint Eq. (1) model (three coefficients) is listed as needing
    four electrodes; Eq. (1) as published is applied to every electrode."""
    import numpy as np
    import pandas as pd

    res, out, _ = manifest_report
    run = {r.name: r for r in res.runs}["05_regression"]
    assert run.status == "ok", run.error
    table = pd.read_csv(out / "results" / "05_regression__measured_table.csv")
    coefs = pd.read_csv(out / "results" / "05_regression__coefficients.csv")
    skipped = pd.read_csv(out / "results" / "05_regression__models_not_fitted.csv")
    assert skipped.model.tolist() == ["porosity + tortuosity"] and skipped.needs.tolist() == [4]
    slope = coefs[(coefs.model.str.contains("porosity")) & (coefs.term == "porosity")]
    expected = np.polyfit(table.porosity, table.expansion, 1)[0]
    assert len(slope) == 1 and slope.estimate.iloc[0] == pytest.approx(expected, rel=1e-9)
    applied = pd.read_csv(out / "results" / "05_regression__eq1_applied.csv")
    assert len(applied) == 3 and np.isfinite(applied.predicted).all()
    html = (out / "_build" / "html" / "chapters" / "05_regression.html").read_text()
    assert "3 electrode(s) with both states" in html and "needs 4 electrodes" in html


def test_a_chapter_whose_inputs_are_missing_renders_what_is_missing(manifest_report):
    """The XCT-only study has no SEM sections: chapter 06's user variant is not run and its page names
    the manifest fields that would provide them."""
    res, out, _ = manifest_report
    run = {r.name: r for r in res.runs}["06_crack_stereology"]
    assert run.status == "skipped" and any("sem_labels" in m for m in run.missing)
    page = (out / "chapters" / "06_crack_stereology.ipynb").read_text()
    assert "manifest lacks inputs" in page and "modality: sem" in page
    summary = json.loads(res.summary_file.read_text())
    assert summary
