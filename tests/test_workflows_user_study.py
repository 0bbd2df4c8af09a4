"""A user's own study (tests/user_study.py: not made by xctkit) through Study and the chapter chains."""

import numpy as np
import pandas as pd
import pytest

from user_study import HR_UM, LR_UM, make_user_study
from xctkit import workflows


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    return make_user_study(tmp_path_factory.mktemp("user"), hr_shape=(27, 48, 48))


def test_a_user_manifest_becomes_a_study(manifest):
    study = workflows.Study.from_manifest(manifest)
    assert study.source == "manifest" and not study.has_truth
    assert study.electrodes == ["cellA", "cellB", "cellC"]
    # nothing said about the split: the last paired electrode is held out, so two remain to train on
    assert study.test_electrodes == ("cellC",) and study.train_electrodes == ["cellA", "cellB"]
    assert len(study.pairs()) == 4 and len(study.pairs(split="train", state="pristine")) == 2
    assert list(study.states()) == ["cellA"]
    hr = study.read("cellB_pristine_hr")
    assert hr.array.dtype == np.uint16 and hr.voxel_um == pytest.approx(HR_UM)
    assert study.read("cellB_pristine_lr").voxel_um == pytest.approx(LR_UM)
    frame = study.to_frame()
    assert set(frame.split) == {"train", "test"} and len(frame) == 8


def test_held_out_electrodes_and_what_a_study_lacks(manifest):
    study = workflows.Study.from_manifest(manifest, test_electrodes=["cellA"], val_electrodes="cellB")
    assert study.split_of("cellA") == "test" and study.split_of("cellB") == "val"
    assert study.electrodes_in("train") == ["cellC"]
    with pytest.raises(workflows.StudyError, match="cellZ"):
        workflows.Study.from_manifest(manifest, test_electrodes=["cellZ"])
    with pytest.raises(workflows.StudyError, match="both"):
        workflows.Study.from_manifest(manifest, test_electrodes=["cellA"], val_electrodes=["cellA"])
    missing = workflows.missing_inputs(manifest, ["xct_pairs", "cycled_states", "sem_sections", "truth"])
    assert [m.split(":")[0] for m in missing] == ["sem_sections", "truth"]
    assert "modality: sem" in missing[0]
    assert workflows.missing_inputs(None, ["truth", "sem_sections"]) == []
    with pytest.raises(ValueError, match="needs"):
        workflows.missing_inputs(manifest, ["nonsense"])


def test_user_pairs_register_inside_the_larger_lr_field(manifest):
    """load_pairs finds each HR field at the offset the test wrote into the manifest's notes."""
    import ast

    from xctkit import sr

    study = workflows.Study.from_manifest(manifest)
    pairs = sr.load_pairs(study.manifest, electrodes=["cellB"])
    (p,) = pairs
    truth = ast.literal_eval(study.manifest.get(p.hr_id).notes.split("offset ")[1])
    np.testing.assert_allclose(p.offset_lr_vox, truth, atol=0.25)
    assert p.match_score > 0.8
    # the upscaled LR now lies on the HR grid: its correlation with the HR is high, not ~0
    assert np.corrcoef(p.lr_up.ravel(), p.hr.ravel())[0, 1] > 0.7


def test_sr_chain_on_16_bit_user_scans(manifest, tmp_path):
    """Train a small CNN on the user's training electrodes and evaluate on the held-out one, in the
    scans' own (16-bit) units: finite metrics, the window's data range, no leakage."""
    study = workflows.Study.from_manifest(manifest)
    run = workflows.train_sr_models(study, models_dir=tmp_path, names=("CNN",), patch=24, n_patches=64,
                                    epochs=2, learning_rate=1e-3, seed=0)
    assert set(run.patches.electrode_train) | set(run.patches.electrode_val) <= {"cellA", "cellB"}
    window = run.patches.normalisation
    assert 5000 < window.lo < window.hi < 65535  # fitted in uint16 units
    models, infos = workflows.load_sr_models(study, tmp_path, names=("CNN",))
    from xctkit import sr

    pred = workflows.predict_test_set(models, sr.load_pairs(study.manifest, electrodes=study.test_electrodes))
    assert pred.window == window
    q = workflows.quality_table(pred, n_rois=4, roi_size=(8, 24, 24), seed=0)
    assert np.isfinite(q.psnr_db).all() and (q.psnr_db > 5).all() and (q.ssim > 0).all()


def test_morph_model_trains_once_per_seed_with_the_profiles_settings(manifest, tmp_path):
    """train_morph_seeds: the profile's settings with overrides, one model file per seed (the first under
    MORPH_NAME), a training row per seed that records the epochs actually run, and clear errors."""
    from xctkit import sr

    study = workflows.Study.from_manifest(manifest)
    pairs = sr.load_pairs(study.manifest)
    runs = workflows.train_morph_seeds(study, pairs, tmp_path, profile="quick", seeds=[3, 1], epochs=2,
                                       n_patches=24, patch=16, filters=4, n_blocks=1)
    assert list(runs) == [3, 1]
    name = workflows.MORPH_NAME
    assert (tmp_path / f"{name}.keras").exists() and (tmp_path / f"{name}-seed1.keras").exists()
    assert runs[3].sr.name == name and runs[1].sr.name == f"{name}-seed1"
    frame = workflows.morph_training_frame(runs)
    assert frame.seed.tolist() == [3, 1] and (frame.epochs_run <= 2).all() and (frame.epochs_run >= 1).all()
    assert len(runs[3].history) == frame.epochs_run.iloc[0]
    with pytest.raises(ValueError, match="profile"):
        workflows.train_morph_seeds(study, pairs, tmp_path, profile="huge")
    with pytest.raises(ValueError, match="repeat"):
        workflows.train_morph_seeds(study, pairs, tmp_path, seeds=[0, 0])


def test_leave_one_electrode_out_by_seed_on_a_user_study(manifest, tmp_path):
    """cross_validate_morph: every fold refits the baselines and retrains on the other electrodes only,
    seed-independent rows repeat under every seed, the HR row is the fold's shared segmentation of the
    HR scan (recomputed here), and that measurement is near the porosity the test's structure was built
    with (truth.json, written by tests/user_study.py)."""
    import json

    from xctkit import sr
    from xctkit.micro import porosity

    study = workflows.Study.from_manifest(manifest)
    pairs = sr.load_pairs(study.manifest)
    tiny = dict(epochs=2, n_patches=24, patch=16, filters=4, n_blocks=1)
    big = (999, 999, 999)  # one ROI = the whole volume, so the HR row can be recomputed directly
    cv = workflows.cross_validate_morph(study, pairs, tmp_path, folds=["cellA", "cellB"], seeds=[0, 1],
                                        n_rois=1, roi_size=big, **tiny)
    sources = {"HR", "bicubic", workflows.HISTMATCH_NAME, workflows.MORPH_NAME, cv.candidate}
    assert set(cv.errors.source) == sources and cv.references == ("HR",)
    volumes = {e: sum(p.electrode == e for p in pairs) for e in ("cellA", "cellB")}
    assert volumes["cellA"] == 2  # pristine and cycled
    assert len(cv.errors) == 2 * len(sources) * sum(volumes.values())
    assert cv.n_runs == 4 and cv.training.fold.tolist() == ["cellA", "cellA", "cellB", "cellB"]
    for r in cv.training.itertuples():
        assert r.fold not in r.train_electrodes.split(",") and 1 <= r.epochs_run <= 2
    # rows that do not depend on the training seed are the same under both seeds
    base = cv.errors[cv.errors.source.isin(["HR", "bicubic", workflows.HISTMATCH_NAME])]
    by_seed = [g.drop(columns="seed").reset_index(drop=True) for _, g in base.groupby("seed")]
    pd.testing.assert_frame_equal(by_seed[0], by_seed[1])
    # the HR row: the fold's shared segmentation of the whole HR volume, recomputed independently
    truth = json.loads((manifest.parent / "truth.json").read_text())
    for e in ("cellA", "cellB"):
        fold = workflows.Study.from_manifest(manifest, test_electrodes=[e])
        shared = workflows.fit_shared_segmentation(fold, pairs, seed=0)
        for p in (q for q in pairs if q.electrode == e):
            row = cv.errors[(cv.errors.fold == e) & (cv.errors.seed == 0) & (cv.errors.state == p.state)
                            & (cv.errors.source == "HR")]
            assert row.porosity_mean.item() == pytest.approx(porosity(shared(p.hr)), abs=1e-12)
            assert row.porosity_mean.item() == pytest.approx(truth[f"{e}/{p.state}"], abs=0.05)
    # the phase head's porosity is its mean pore probability, within [0, 1]; summaries are consistent
    head = cv.errors[cv.errors.source == cv.candidate]
    assert head.porosity_mean.between(0, 1).all()
    summary = cv.summary()
    assert "HR" not in set(summary.source)
    assert (summary.mean_abs_error >= summary.mean_error.abs() - 1e-12).all()
    assert (summary[summary.quantity == "porosity"].n == 2 * sum(volumes.values())).all()
    wins = cv.wins()
    assert (wins.n == 2 * sum(volumes.values())).all() and wins.closer.between(0, wins.n).all()
    with pytest.raises(ValueError, match="folds"):
        workflows.cross_validate_morph(study, pairs, tmp_path, folds=["cellA", "cellA"], **tiny)
    with pytest.raises(ValueError, match="no LR/HR pair"):
        workflows.cross_validate_morph(study, pairs, tmp_path, folds=["nowhere"], **tiny)
    with pytest.raises(ValueError, match="profile"):
        workflows.cross_validate_morph(study, pairs, tmp_path, profile="huge")
    with pytest.raises(ValueError, match="baseline"):
        cv.wins("nearest")
    text = cv.describe()
    assert "2 held-out electrode(s) (cellA, cellB) × 2 training seed(s) (4 trainings" in text
    w = wins.set_index("quantity").loc["porosity"]
    assert f"closer than bicubic in {w.closer} of {w.n}" in text


def test_cross_validation_reuses_the_main_tables_training(manifest, tmp_path):
    """The fold that holds out the study's own test electrode evaluates the model chapter 03 already
    trained (same seed and settings) instead of training it again; other folds, seeds or epoch limits
    train their own."""
    from xctkit import sr

    study = workflows.Study.from_manifest(manifest, test_electrodes=["cellA"])
    pairs = sr.load_pairs(study.manifest)
    tiny = dict(epochs=2, n_patches=24, patch=16, filters=4, n_blocks=1)
    runs = workflows.train_morph_seeds(study, pairs, tmp_path / "main", seeds=[0], **tiny)
    cv = workflows.cross_validate_morph(study, pairs, tmp_path, folds=["cellA", "cellB"], seeds=[0],
                                        n_rois=1, roi_size=(999, 999, 999), trained=runs, **tiny)
    assert cv.training.reused.tolist() == [True, False]
    assert not (tmp_path / "folds" / "cellA-seed0").exists() and (tmp_path / "folds" / "cellB-seed0").exists()
    longer = workflows.cross_validate_morph(study, pairs, tmp_path / "b", folds=["cellA"], seeds=[0],
                                            n_rois=1, roi_size=(999, 999, 999), trained=runs, **{**tiny, "epochs": 3})
    assert longer.training.reused.tolist() == [False]
