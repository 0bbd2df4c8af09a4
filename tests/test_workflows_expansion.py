"""Chapter 04's chains (xctkit.workflows: segmentation of every state, scores, error propagation,
TauFactor vs PoreSpy, REV, pristine vs cycled, particle sizes) on a user study built here with
numpy: lattice ball packings whose porosity, particle count and sphere size are known exactly."""

import numpy as np
import pytest

from xctkit import workflows
from xctkit.io import write_manifest, write_tiff
from xctkit.phases import CBD, NMC, PORE
from xctkit.workflows import Study, StudyError

VOXEL_UM = 0.5
SHAPE = (24, 24, 24)
CELL = 12  # lattice period, voxels: 2 x 2 x 2 balls per volume
RADII = {"pristine": 4.0, "cycled": 5.0}  # voxels; grown balls still do not touch (2 r < CELL)


def balls(radius: float) -> np.ndarray:
    """Phase labels of a simple-cubic lattice of NMC balls in pore (numpy only, no xctkit.synth)."""
    z, y, x = np.indices(SHAPE)
    c = CELL / 2 - 0.5
    d2 = ((z % CELL) - c) ** 2 + ((y % CELL) - c) ** 2 + ((x % CELL) - c) ** 2
    return np.where(d2 <= radius**2, NMC, PORE).astype(np.uint8)


def grey_of(labels: np.ndarray, seed: int) -> np.ndarray:
    """Two well separated grey levels plus weak noise."""
    rng = np.random.default_rng(seed)
    g = np.where(labels == NMC, 0.75, 0.2) + rng.normal(0.0, 0.01, labels.shape)
    return g.astype(np.float32)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("balls")
    rows = []
    for k, electrode in enumerate(("a", "b")):
        for j, (state, r) in enumerate(RADII.items()):
            base = f"{electrode}_{state}"
            lab = balls(r)
            write_tiff(root / f"{base}_labels.tif", lab, voxel_um=VOXEL_UM)
            write_tiff(root / f"{base}_hr.tif", grey_of(lab, 10 * k + j), voxel_um=VOXEL_UM)
            rows.append({"id": f"{base}_hr", "path": root / f"{base}_hr.tif", "voxel_um": VOXEL_UM,
                         "modality": "xct", "state": state, "electrode": electrode, "resolution": "hr",
                         "labels": root / f"{base}_labels.tif"})
    write_manifest(root / "manifest.yaml", rows)
    return Study.from_manifest(root / "manifest.yaml", test_electrodes=["b"])


@pytest.fixture(scope="module")
def segs(study):
    training = workflows.train_classifier(study, annotated_voxels=1500, seed=0, n_jobs=1, n_estimators=20)
    return workflows.segment_states(study, training)


def porosity_of(state: str) -> float:
    return float((balls(RADII[state]) != NMC).mean())


def test_two_phase_merges_everything_but_nmc():
    lab = np.array([PORE, CBD, NMC, 3], dtype=np.uint8)
    assert workflows.two_phase(lab).tolist() == [PORE, PORE, NMC, PORE]


def test_training_uses_only_training_electrodes(study):
    greys, labels, names = workflows.training_scans(study)
    assert names == ["a_pristine_hr", "a_cycled_hr"]
    np.testing.assert_array_equal(labels[0], balls(RADII["pristine"]))


def test_segment_states_keys_and_truth(segs):
    assert segs.keys == (("a", "pristine"), ("a", "cycled"), ("b", "pristine"), ("b", "cycled"))
    assert segs.voxel_um == pytest.approx(VOXEL_UM)
    for (_, state), t in segs.truth.items():
        np.testing.assert_array_equal(t, balls(RADII[state]))  # same grid: labels_on_grid is the identity


def test_scores_are_perfect_on_separable_grey(segs):
    # grey levels 0.2 / 0.75 with sigma 0.01: Otsu lands near 0.27 (pore dominates), still 7 sigma from the
    # pore level, so it is exact; the forest (trained on electrode a only) too
    sc = workflows.score_states(segs)
    two = sc.to_frame()
    assert len(two) == 8 and set(two.method) == {"Otsu", "random forest"}
    np.testing.assert_allclose(two.iou_nmc, 1.0, atol=1e-3)
    np.testing.assert_allclose(two.porosity_error, 0.0, atol=1e-3)
    expected = [porosity_of(s) for s in two.state]
    np.testing.assert_allclose(two.porosity_truth, expected, atol=1e-12)
    assert set(sc.phase_iou.method) == {"multi-Otsu", "random forest"}
    assert sc.summary().loc["Otsu", ("iou_nmc", "min")] == pytest.approx(1.0, abs=1e-3)


def test_error_propagation_truth_row_has_zero_errors(segs):
    prop = workflows.error_propagation(segs, state=("b", "cycled"), tortuosity=False)
    t = prop.to_frame().set_index("source")
    assert list(t.index) == ["truth", "Otsu", "NLM + unsharp + Otsu", "multi-Otsu (NMC class)", "random forest"]
    assert t.loc["truth", "porosity"] == pytest.approx(porosity_of("cycled"), abs=1e-12)
    assert t.loc["Otsu", "porosity_error"] == pytest.approx(0.0, abs=1e-3)
    assert t.loc["truth", "n_particles"] == 8
    with pytest.raises(ValueError, match="state"):
        workflows.error_propagation(segs, state=("c", "cycled"))


def test_tortuosity_crosscheck_taufactor_vs_porespy(study, segs):
    cross = workflows.tortuosity_crosscheck(study, segs)
    assert len(cross.to_frame()) == 4
    # two independent solvers on the same pore space: agree within 3 %
    assert cross.max_abs_rel_difference < 0.03
    assert (cross.to_frame().tau_taufactor > 1.0).all()


def test_rev_at_full_size_is_the_global_porosity(segs):
    rev = workflows.representative_volume(segs, state=("a", "pristine"), metrics=("porosity",), n_samples=5,
                                          seed=0)
    df = rev.to_frame()
    full = df[df.size_vox == SHAPE[0]]
    assert full["mean"].iloc[0] == pytest.approx(porosity_of("pristine"), abs=1e-12)
    assert full["std"].iloc[0] == pytest.approx(0.0, abs=1e-12)


def test_expansion_study_matches_voxel_counts(study, segs):
    res = workflows.expansion_study(study, segs)
    assert list(res.comparisons) == ["a", "b"]
    t2 = res.table2().set_index("sample")
    phi0, phi1 = porosity_of("pristine"), porosity_of("cycled")
    np.testing.assert_allclose(t2.porosity_pristine_xctkit, phi0, atol=1e-3)
    np.testing.assert_allclose(t2.expansion_pp_xctkit, 100 * (phi0 - phi1), atol=0.1)
    np.testing.assert_allclose(t2.solid_volume_change_pct_xctkit, 100 * (phi0 - phi1) / (1 - phi0), atol=0.2)
    assert t2.porosity_pristine_truth.isna().all() and t2.expansion_pct_paper.isna().all()  # user study
    frame = res.to_frame()
    assert list(frame["sample"]) == ["a", "b"] and (frame.n_particles_pristine == 8).all()
    assert (res.intensity().mean_shift > 0).all()  # more bright NMC after "cycling"


def test_particle_sizes_count_and_diameter(study, segs):
    sizes = workflows.particle_size_study(study, segs, snow_electrodes=())
    t = sizes.to_frame()
    assert "truth" not in set(t.source) and t.merged_share.isna().all()  # no truth instances in a user study
    assert (t.n_particles == 8).all()
    for state, r in RADII.items():
        med = t[(t.state == state)].median_um
        vol = (balls(r) == NMC).sum() / 8  # voxels per ball
        d_eq = (6 * vol / np.pi) ** (1 / 3) * VOXEL_UM  # equivalent-sphere diameter of the voxelised ball
        np.testing.assert_allclose(med, d_eq, rtol=0.02)
    assert set(sizes.shift("a").index) == {"perfect segmentation + watershed", "Otsu + watershed",
                                           "random forest + watershed"}


def test_errors_name_the_problem(study, segs):
    with pytest.raises(TypeError, match="classifier"):
        workflows.segment_states(study, "forest")
    with pytest.raises(TypeError, match="study"):
        workflows.train_classifier("not a study")
    res = workflows.expansion_study(study, segs)
    with pytest.raises(StudyError, match="truth"):
        workflows.crack_study(study, res)
    with pytest.raises(StudyError, match="electrodes"):
        workflows.segment_states(study, workflows.train_classifier(study, annotated_voxels=200, n_jobs=1,
                                                                   n_estimators=5), electrodes=["zz"])


def test_without_a_classifier_otsu_measures(study):
    """A study without labels to train on: segment_states(study) gives Otsu and multi-Otsu only, Otsu
    is what expansion_study measures, and asking for the forest says why there is none."""
    plain = workflows.segment_states(study)
    assert plain.forest == {} and plain.best == "otsu" and "random forest" not in plain.methods(plain.keys[0])
    np.testing.assert_array_equal(plain.best_two_phase(("a", "pristine")), plain.otsu[("a", "pristine")])
    res = workflows.expansion_study(study, plain)
    phi0, phi1 = porosity_of("pristine"), porosity_of("cycled")
    frame = res.to_frame().set_index("sample")
    np.testing.assert_allclose(frame.porosity_pristine, phi0, atol=1e-3)
    np.testing.assert_allclose(frame.porosity_cycled, phi1, atol=1e-3)
    assert set(workflows.score_states(plain).to_frame().method) == {"Otsu"}
    sizes = workflows.particle_size_study(study, plain, snow_electrodes=())
    assert "random forest + watershed" not in set(sizes.to_frame().source)
    with pytest.raises(StudyError, match="classifier"):
        plain.forest_two_phase(("a", "pristine"))
    with pytest.raises(StudyError, match="classifier"):
        workflows.representative_volume(plain, state=("a", "pristine"), source="forest")


def test_scores_cover_only_the_labelled_states(segs):
    from dataclasses import replace

    one = replace(segs, truth={("a", "pristine"): segs.truth[("a", "pristine")]})
    t = workflows.score_states(one).to_frame()
    assert set(zip(t["sample"], t["state"], strict=True)) == {("a", "pristine")}
    with pytest.raises(StudyError, match="reference labels"):
        workflows.score_states(replace(segs, truth={}))


def test_describe_states_follows_the_table(study, segs):
    frame = workflows.expansion_study(study, segs).to_frame()
    text = workflows.describe_states(frame)
    r = frame.iloc[0]
    phi0, phi1 = r.porosity_pristine, r.porosity_cycled
    assert phi1 < phi0 and text.count("**") == 4  # one sentence per electrode
    assert f"porosity {phi0:.3f} → {phi1:.3f} (−{100 * (phi0 - phi1):.1f} points)" in text
    assert "tortuosity factor" in text and "(up)" in text and "nan" not in text
    with pytest.raises(TypeError, match="columns"):
        workflows.describe_states(frame.drop(columns="porosity_cycled"))


def test_rev_description_names_the_scan_edge(segs):
    rev = workflows.representative_volume(segs, state=("a", "pristine"), metrics=("porosity",), n_samples=5,
                                          seed=0)
    text = rev.describe(SHAPE[0] * VOXEL_UM)
    assert text.startswith("porosity:") and f"{SHAPE[0] * VOXEL_UM:.1f} µm" in text
    with pytest.raises(ValueError, match="scan_edge_um"):
        rev.describe(0.0)


def test_regression_frame_and_the_fits_the_data_allow():
    """Four electrodes with expansion exactly 0.1·φ − 0.02·τ + 0.01: the joint fit recovers the plane
    (no noise), the one-predictor fits are made, and with three electrodes the joint model is listed
    as needing four, not fitted."""
    import pandas as pd

    phi = np.array([0.40, 0.45, 0.52, 0.60])
    tau = np.array([2.0, 1.7, 1.9, 1.4])
    exp = 0.1 * phi - 0.02 * tau + 0.01
    states = pd.DataFrame({"sample": list("abcd"), "porosity_pristine": phi, "porosity_cycled": phi - exp,
                           "tortuosity_pristine": tau, "tortuosity_cycled": tau + 0.3})
    table = workflows.regression_frame(states, kinds={"a": "dry"})
    np.testing.assert_allclose(table.expansion, exp, atol=1e-15)
    assert table.kind.tolist() == ["dry", "", "", ""]
    with pytest.warns(Warning):  # a perfect fit: zero residual variance is flagged
        fits, skipped = workflows.fit_expansion_models(table)
    assert set(fits) == set(workflows.EXPANSION_MODELS) and skipped.empty
    joint = fits["porosity + tortuosity"]
    assert joint.params["porosity"] == pytest.approx(0.1, abs=1e-9)
    assert joint.params["tortuosity"] == pytest.approx(-0.02, abs=1e-9)
    fits3, skipped3 = workflows.fit_expansion_models(table.iloc[:3])
    assert sorted(fits3) == ["porosity only", "tortuosity only"]
    assert skipped3.model.tolist() == ["porosity + tortuosity"] and skipped3.needs.tolist() == [4]
    with pytest.raises(TypeError, match="columns"):
        workflows.regression_frame(states.drop(columns="porosity_cycled"))


def test_a_published_equation_applied_unchanged():
    import pandas as pd

    from xctkit import stats

    d = pd.DataFrame({"sample": ["a", "b"], "porosity": [0.5, 0.6], "tortuosity": [2.0, 1.0],
                      "expansion": [0.05, 0.07]})
    out = stats.predict_published(d, {"intercept": 0.01, "porosity": 0.2, "tortuosity": -0.01, "mse": 1.0})
    np.testing.assert_allclose(out.predicted, [0.01 + 0.1 - 0.02, 0.01 + 0.12 - 0.01])
    np.testing.assert_allclose(out.error, out.predicted - d.expansion)
    with pytest.raises(ValueError, match="lacks"):
        stats.predict_published(d.drop(columns="tortuosity"), {"intercept": 0.0, "tortuosity": 1.0})
    with pytest.raises(ValueError, match="intercept"):
        stats.predict_published(d, {"porosity": 1.0})


def test_user_regression_text_follows_its_tables():
    import pandas as pd

    from xctkit import stats

    t = pd.DataFrame({"sample": list("abc"), "porosity": [0.4, 0.5, 0.6], "tortuosity": [2.0, 1.9, 1.5],
                      "expansion": [0.05, 0.06, 0.08]})
    fits, skipped = workflows.fit_expansion_models(t)
    good = stats.predict_published(t, {"intercept": 0.0, "porosity": 0.13})  # errors ≈ 0.002 < SD 0.012
    bad = stats.predict_published(t, {"intercept": 1.0})  # errors ≈ 0.94
    text = workflows.describe_user_regression(t, fits, skipped, good)
    assert "3 electrode(s)" in text and "porosity + tortuosity (needs 4 electrodes" in text
    assert "it predicts better" in text
    assert "does not predict better" in workflows.describe_user_regression(t, fits, skipped, bad)
    with pytest.raises(TypeError, match="applied"):
        workflows.describe_user_regression(t, fits, skipped, t)
