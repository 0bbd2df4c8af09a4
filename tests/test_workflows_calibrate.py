"""Calibration search against known roots: a generic ``make`` on electrodes built in the test (dead-end
pores give an exact tortuosity factor), a monotone τ(v) with a known root, and one real generator state."""

import json
import math
import warnings

import numpy as np
import pytest

from xctkit.phases import NMC, PORE
from xctkit.synth import HR_VOXEL_UM, Electrode
from xctkit.workflows import (
    CALIBRATED_PARAMETER,
    calibrate,
    calibrate_presets,
    calibrate_state,
    measure,
)
from xctkit.workflows import _calibrate as calmod

N_CHANNEL = 200  # pore voxels of the straight channels below
N_POCKETS = 100  # isolated pore voxels available


def _pocket_electrode(v: float) -> Electrode:
    """Straight pore channels along z (200 voxels) plus round(v·100) isolated pore voxels.

    The pockets carry no flux, so D_eff = ε_channel D0 and, with TauFactor's whole-phase ε,
    τ = (200 + k) / 200 exactly. Built on the 0.74 µm grid, so :func:`measure` does not coarsen.
    """
    pore = np.zeros((8, 20, 20), bool)
    pore[:, ::4, ::4] = True
    pockets = np.argwhere(np.zeros_like(pore)[1::2, 2::4, 2::4] == 0) * [2, 4, 4] + [1, 2, 2]
    k = int(round(float(np.clip(v, 0.0, 1.0)) * N_POCKETS))
    for z, y, x in pockets[:k]:
        pore[z, y, x] = True
    labels = np.where(pore, PORE, NMC).astype(np.uint8)
    return Electrode(labels, np.zeros(labels.shape, np.int32), HR_VOXEL_UM, None, "dry", "pristine", "test",
                     None, {"v": v})


def test_measure_on_built_electrode_is_exact():
    phi, tau = measure(_pocket_electrode(0.0))
    assert phi == pytest.approx(N_CHANNEL / 3200) and tau == pytest.approx(1.0, abs=1e-3)
    phi, tau = measure(_pocket_electrode(1.0))
    assert phi == pytest.approx((N_CHANNEL + N_POCKETS) / 3200)
    assert tau == pytest.approx(1.5, rel=1e-3)


def test_calibrate_generic_make_finds_known_root():
    # target τ = 1.4 <=> k = 80 pockets <=> v = 0.8
    e, cal = calibrate(_pocket_electrode, parameter="v", bounds=(0.0, 1.0), porosity=0.09, tortuosity=1.4,
                       rtol=0.005, max_evals=12)
    assert cal.converged and cal.parameter == "v"
    assert cal.value == pytest.approx(0.8, abs=0.011)  # within the voxel step of 1/100 (plus rounding)
    assert abs(cal.measured_tortuosity - 1.4) <= 0.005 * 1.4
    assert e.params["v"] == cal.value
    assert measure(e)[1] == pytest.approx(cal.measured_tortuosity, rel=1e-9)  # the best trial is returned
    assert cal.evaluations[0][0] == 0.5  # starts from the middle of the bounds
    assert len(cal.evaluations) <= 12
    d = cal.to_dict()
    assert json.loads(json.dumps(d))["value"] == cal.value


def test_calibrate_secant_on_known_monotone_function(monkeypatch):
    # measure() replaced by τ(v) = 1 + v² on the "electrode" v: root of τ = 5 at v = 2
    monkeypatch.setattr(calmod, "measure", lambda e, voxel_um=None: (0.4, 1.0 + e * e))
    _, cal = calibrate(lambda v: v, parameter="p", bounds=(0.0, 3.0), porosity=0.4, tortuosity=5.0,
                       rtol=1e-4, max_evals=30)
    assert cal.converged and cal.value == pytest.approx(2.0, rel=1e-4)
    # τ = exp(v): log τ linear in v, so the first secant step is exact: trials middle (2), low (0, same
    # side of the root), high (4), then 3
    monkeypatch.setattr(calmod, "measure", lambda e, voxel_um=None: (0.4, math.exp(e)))
    _, cal = calibrate(lambda v: v, parameter="p", bounds=(0.0, 4.0), porosity=0.4, tortuosity=math.exp(3.0),
                       rtol=1e-6, max_evals=9)
    assert cal.value == pytest.approx(3.0, abs=1e-9) and [ev[0] for ev in cal.evaluations] == [2.0, 0.0, 4.0, 3.0]
    # a target the bounds cannot reach: warns, keeps the closest trial, not converged
    with pytest.warns(UserWarning, match="not bracketed"):
        _, cal = calibrate(lambda v: v, parameter="p", bounds=(0.0, 1.0), porosity=0.4, tortuosity=100.0)
    assert not cal.converged and cal.value == 1.0
    with pytest.raises(ValueError, match="bounds"):
        calibrate(lambda v: v, parameter="p", bounds=(1.0, 1.0), porosity=0.4, tortuosity=2.0)


def test_calibrate_state_tiny_dry_electrode():
    # at (32, 40, 40) truth voxels τ falls monotonically with aspect: ~5.0 at 0.3, ~1.5 at 1.3
    e, cal = calibrate_state("dry", porosity=0.55, tortuosity=2.1, shape=(32, 40, 40), seed=0, rtol=0.05)
    assert cal.parameter == CALIBRATED_PARAMETER[("dry", "pristine")][0] == "aspect"
    lo, hi = CALIBRATED_PARAMETER[("dry", "pristine")][1]
    assert lo <= cal.value <= hi
    assert cal.converged and abs(cal.measured_tortuosity - 2.1) <= 0.05 * 2.1
    phi, tau = measure(e)
    assert tau == pytest.approx(cal.measured_tortuosity, rel=1e-9)
    assert phi == pytest.approx(0.55, abs=0.02)
    assert e.params["aspect"] == pytest.approx(cal.value)
    with pytest.raises(ValueError, match="kind"):
        calibrate_state("wet", porosity=0.5, tortuosity=2.0, shape=(8, 8, 8))


def test_calibrate_presets_one_sample_writes_json(tmp_path):
    out = tmp_path / "presets.json"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tiny shape may not reach Table 2's targets within rtol
        p = calibrate_presets(shapes={"dry": (32, 40, 40)}, samples=["dry1"], out=out, rtol=0.1)
    on_disk = json.loads(out.read_text())
    assert on_disk["samples"].keys() == p["samples"].keys() == {"dry1"}
    s = on_disk["samples"]["dry1"]
    assert s["kind"] == "dry"
    for state in ("pristine", "cycled"):
        rec = s["calibration"][state]
        name = rec["parameter"]
        assert s[state][name] == rec["value"]
        lo, hi = CALIBRATED_PARAMETER[("dry", state)][1]
        assert lo <= rec["value"] <= hi
        # the record's measured τ is that of the trial it kept
        trial = [ev for ev in rec["evaluations"] if ev[0] == rec["value"]][0]
        assert trial[2] == pytest.approx(rec["measured_tortuosity"])
    assert on_disk["shapes"] == {"dry": [32, 40, 40]}
