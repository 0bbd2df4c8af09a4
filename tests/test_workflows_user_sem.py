"""Paper 003's descriptors on a user's segmented SEM sections (tests/user_study.py: discs crossed by
parallel cracks, written with tifffile): ρ equals the crack share of the particle pixels counted here,
the hotter condition has more cracks, unlabelled sections are listed, not analysed; and chapter 06's
user variant runs on the manifest."""

import numpy as np
import pytest

from user_study import BACKGROUND, CRACK_PHASE, SOLID, make_sem_study, sem_section
from xctkit import phases, workflows


def test_the_phase_values_are_xctkits():
    assert (BACKGROUND, SOLID, CRACK_PHASE) == (phases.PORE, phases.NMC, phases.CRACK)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    return make_sem_study(tmp_path_factory.mktemp("sem"))


def test_descriptors_of_labelled_sections(manifest):
    study = workflows.Study.from_manifest(manifest)
    res = workflows.analyse_labelled_sections(study, by="temperature_c")
    assert list(res.analyses) == ["temperature_c = 20", "temperature_c = 50"]
    assert len(res.sections) == 4 and res.skipped.id.tolist() == ["sem_20c_2", "sem_50c_2"]
    cond = res.conditions().set_index("condition")
    for t, n in ((20, 1), (50, 3)):
        ph = [sem_section(n_cracks=n, seed=100 * t + i)[0] for i in range(2)]
        crack = sum(int((p == CRACK_PHASE).sum()) for p in ph)
        part = sum(int((p != BACKGROUND).sum()) for p in ph)
        assert cond.loc[f"temperature_c = {t}", "rho_pooled"] == pytest.approx(crack / part, rel=1e-12)
        assert cond.loc[f"temperature_c = {t}", "n_cracks"] == 2 * 4 * n  # 4 particles per section
    med = res.medians().set_index("condition")
    # each crack is 3 px wide and 45 px long at 14.3 nm: length ≈ 0.64 µm, width ≈ 0.043 µm
    assert np.allclose(med.length_median_um, 45 * 0.0143, rtol=0.15)
    assert (med.width_median_um < 0.1).all()
    assert study.provides("sem_labels") and not study.missing(["sem_labels", "sem_sections"])
    text = res.describe()
    assert "4 labelled section(s) in 2 condition(s) (2 without labels left out)" in text
    assert f"ρ = {cond.rho_pooled.iloc[0]:.4f}" in text and "highest global porosity: temperature_c = 50" in text
    by_state = workflows.analyse_labelled_sections(study)
    assert list(by_state.analyses) == ["cycled"]
    with pytest.raises(workflows.StudyError, match="pressure"):
        workflows.analyse_labelled_sections(study, by="pressure")


def test_chapter_06_runs_its_user_variant(manifest, root, tmp_path):
    import pandas as pd

    from xctkit.report import report

    res = report(root, profile="quick", only=["06"], overrides={None: {"manifest": str(manifest),
                                                                      "stereo_condition": "temperature_c"}},
                 progress=False, out=tmp_path / "out", book=False)
    run = res.runs[0]
    assert run.status == "ok", run.error
    cond = pd.read_csv(tmp_path / "out" / "results" / "06_crack_stereology__conditions.csv")
    assert cond.lambda_pooled.iloc[1] > cond.lambda_pooled.iloc[0]  # three cracks per particle vs one
    page = (tmp_path / "out" / "chapters" / "06_crack_stereology.ipynb").read_text()
    assert "no 3-D truth" in page and "manifest lacks inputs" not in page
