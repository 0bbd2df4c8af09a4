"""workflows.descriptor_validation / describe_descriptor_errors against hand-computed answers."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from xctkit.stereology import SectionAnalysis
from xctkit.workflows import describe_descriptor_errors, descriptor_validation


def _analysis(crack_px, particle_px, n_cracks, area_um2, d, length, width, rho_p):
    images = pd.DataFrame({"crack_px": [crack_px], "particle_px": [particle_px], "n_cracks": [n_cracks],
                           "area_um2": [area_um2]})
    cracks = pd.DataFrame({"d_um": d, "length_um": length, "width_um": width})
    return SectionAnalysis(images, cracks, pd.DataFrame({"rho_p": rho_p}), None, None, 0.0143)


CONDITIONS = ["20 °C", "30 °C", "40 °C"]
TRUTHS = {c: SimpleNamespace(crack_fraction=f) for c, f in zip(CONDITIONS, [0.010, 0.020, 0.030], strict=True)}


@pytest.fixture
def validation():
    truth = {"20 °C": _analysis(10, 1000, 4, 20.0, [1.0, 2.0, 3.0], [1, 2, 3], [0.1, 0.2, 0.3], [0.0, 0.02]),
             "30 °C": _analysis(20, 1000, 6, 20.0, [2.0, 2.0, 4.0], [2, 2, 4], [0.2, 0.2, 0.4], [0.02, 0.04]),
             "40 °C": _analysis(30, 1000, 8, 20.0, [3.0, 3.0, 3.0], [3, 3, 3], [0.3, 0.3, 0.3], [0.04, 0.04])}
    # the route: ρ 1.5 % at 20 °C and 1.0 % at 30 °C (truth rises 1 -> 2 %), medians d 1.5 everywhere
    route = {"20 °C": _analysis(15, 1000, 4, 20.0, [1.5], [1.5], [0.15], [0.01]),
             "30 °C": _analysis(10, 1000, 6, 20.0, [1.5], [1.5], [0.15], [0.01]),
             "40 °C": _analysis(33, 1000, 8, 20.0, [1.5], [1.5], [0.15], [0.01])}
    return descriptor_validation({"true": truth, "route": route}, TRUTHS, reference="true")


def test_errors_against_3d_truth_and_true_sections(validation):
    e = validation.errors.set_index(["descriptor", "condition"])
    # ρ is judged against the 3-D truth, not the true sections' pooled ρ
    assert e.loc[("rho", "20 °C"), "truth"] == pytest.approx(0.010)
    assert e.loc[("rho", "20 °C"), "rel_error"] == pytest.approx(0.5)
    assert e.loc[("rho", "30 °C"), "rel_error"] == pytest.approx(-0.5)
    assert e.loc[("rho", "40 °C"), "rel_error"] == pytest.approx(0.1)
    # medians of the true sections' cracks: 2, 2, 3 µm; λ = n / area
    assert e.loc[("d_um", "20 °C"), "truth"] == pytest.approx(2.0)
    assert e.loc[("d_um", "40 °C"), "rel_error"] == pytest.approx(1.5 / 3.0 - 1)
    assert e.loc[("lambda_per_um2", "30 °C"), "truth"] == pytest.approx(0.3)
    assert e.loc[("lambda_per_um2", "30 °C"), "rel_error"] == pytest.approx(0.0)
    assert e.loc[("rho_p", "20 °C"), "truth"] == pytest.approx(0.01)
    assert set(validation.errors.route) == {"route"}


def test_steps_masked_and_wrong_way(validation):
    s = validation.steps.set_index(["descriptor", "step"])
    rho = s.loc[("rho", "20 °C → 30 °C")]
    assert rho.truth_step == pytest.approx(1.0) and rho.route_step == pytest.approx(-1 / 3)
    assert not rho.same_sign and not rho.masked  # error 50 % < the truth's +100 % step
    rho2 = s.loc[("rho", "30 °C → 40 °C")]
    assert rho2.truth_step == pytest.approx(0.5) and rho2.error == pytest.approx(0.5)
    assert rho2.masked and rho2.same_sign  # error 50 % >= step 50 %
    lam = s.loc[("lambda_per_um2", "20 °C → 30 °C")]
    assert lam.truth_step == pytest.approx(0.5) and lam.same_sign and not lam.masked
    # λ: the route equals the truth, so its step is recovered exactly; ρ 30 -> 40 °C: +230 % vs +50 %
    assert lam.step_error == pytest.approx(0.0) and lam.recovered
    assert rho2.step_error == pytest.approx(33 / 10 - 1 - 0.5) and not rho2.recovered
    # d: a constant route value against a changing truth is never recovered
    assert not s.loc[("d_um", "30 °C → 40 °C")].recovered  # truth +50 %, route 0
    assert len(validation.steps) == 6 * 2


def test_description_generated_from_the_tables(validation):
    text = describe_descriptor_errors(validation, "route")
    s = validation.steps
    assert f"{int(s.masked.sum())} of {len(s)} steps are masked" in text
    assert f"{int((~s.same_sign).sum())} go the wrong way" in text
    assert "ρ 20 °C → 30 °C (truth +100 %, route -33 %)" in text
    assert "ρ errors -50 to +50 %" in text
    assert f"{int(s.recovered.sum())} of {len(s)} steps are recovered to within half their size" in text
    # the verdict follows the table: marked as all agreeing, the same route reads as clean
    broken = type(validation)(validation.errors, s.assign(same_sign=True, masked=False), validation.reference)
    assert "0 of 12 steps are masked (route error ≥ the step) and 0 go the wrong way." in \
        describe_descriptor_errors(broken, "route")


def test_bad_input():
    with pytest.raises(ValueError, match="reference route 'true'"):
        descriptor_validation({"route": {}}, TRUTHS, reference="true")
    a = _analysis(1, 100, 1, 1.0, [1.0], [1.0], [0.1], [0.01])
    with pytest.raises(ValueError, match="`truths` lacks"):
        descriptor_validation({"true": {"60 °C": a}}, TRUTHS, reference="true")
    with pytest.raises(ValueError, match="must hold the conditions"):
        descriptor_validation({"true": {"20 °C": a, "30 °C": a}, "r": {"30 °C": a, "20 °C": a}}, TRUTHS,
                              reference="true")
    with pytest.raises(TypeError, match="SectionAnalysis"):
        descriptor_validation({"true": {"20 °C": a}, "r": {"20 °C": object()}}, TRUTHS, reference="true")
    v = descriptor_validation({"true": {"20 °C": a}, "r": {"20 °C": a}}, TRUTHS, reference="true")
    with pytest.raises(ValueError, match="`route` must be one of"):
        describe_descriptor_errors(v, "nope")
    assert np.isfinite(v.errors.rel_error).all()
