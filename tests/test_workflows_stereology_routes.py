"""Paper 003's routes (xctkit.workflows) on sections drawn with numpy: discs with one straight crack each,
so the crack fraction ρ, the crack count and the crack intensity λ are known exactly."""

import numpy as np
import pytest

from xctkit import workflows
from xctkit.phases import CRACK, NMC, PORE

PIXEL_UM = 0.0143
RADIUS_PX = 60  # 0.86 µm discs: above the 1 µm² section filter, one watershed marker each
CRACK_HALF_WIDTH = 2  # crack 5 px wide (71.5 nm, above the d ≥ 2.5 η noise filter)
CENTRES = [(80, 80), (80, 230), (230, 80), (230, 230)]


def _section(n_discs: int):
    """Phase image with ``n_discs`` discs, each crossed by a horizontal crack through its middle
    that stops 15 px short of the rim (an intra-particle crack), and the matching grey image."""
    y, x = np.mgrid[:310, :310]
    ph = np.full((310, 310), PORE, np.uint8)
    for cy, cx in CENTRES[:n_discs]:
        disc = (y - cy) ** 2 + (x - cx) ** 2 <= RADIUS_PX**2
        ph[disc] = NMC
        crack = disc & (np.abs(y - cy) <= CRACK_HALF_WIDTH) & (np.abs(x - cx) <= RADIUS_PX - 15)
        ph[crack] = CRACK
    grey = np.select([ph == NMC, ph == CRACK], [0.8, 0.15], 0.1).astype(np.float32)
    return ph, grey


@pytest.fixture(scope="module")
def sections():
    """Two conditions, two images each; the numbers of discs differ so the pooling is tested."""
    by_cond = {"A": [_section(4), _section(2)], "B": [_section(3), _section(1)]}
    phases = {k: [p for p, _ in v] for k, v in by_cond.items()}
    greys = {k: [g for _, g in v] for k, v in by_cond.items()}
    return phases, greys


def _known(phases):
    crack = sum(int(np.count_nonzero(p == CRACK)) for p in phases)
    part = sum(int(np.count_nonzero(p != PORE)) for p in phases)
    n_cracks = sum(len([c for c in CENTRES if p[c] == CRACK]) for p in phases)
    return crack / part, n_cracks / (part * PIXEL_UM**2), n_cracks


def test_true_route_recovers_the_drawn_crack_fraction_and_intensity(sections):
    phases, _ = sections
    an = workflows.analyse_route(phases, pixel_um=PIXEL_UM, min_particle_um2=0.5)
    for k, ph in phases.items():
        rho, lam, n = _known(ph)
        assert an[k].rho == pytest.approx(rho, rel=1e-12)  # Eq. 11 on exact phases: a pixel count
        assert int(an[k].images.n_cracks.sum()) == n  # one crack per disc, none lost by the noise filter
        assert an[k].lambda_per_um2 == pytest.approx(lam, rel=1e-12)
        assert len(an[k].particles) == sum(len([c for c in CENTRES if p[c] != PORE]) for p in ph)


def test_classical_route_recovers_known_values(sections):
    """Otsu + closing on clean grey images: ρ within 5 %, every crack found once, accuracy > 0.99."""
    phases, greys = sections
    segs = workflows.classical_route(greys, pixel_um=PIXEL_UM, crack_threshold=0.5)
    an = workflows.analyse_route(segs, pixel_um=PIXEL_UM, min_particle_um2=0.5)
    scores = workflows.route_scores("clean, classical", segs, phases, pixel_um=PIXEL_UM)
    assert len(scores) == 4 and set(scores.route) == {"clean, classical"}
    assert (scores.accuracy > 0.99).all()
    assert (scores.crack_recall > 0.95).all() and (scores.crack_precision > 0.95).all()
    for k, ph in phases.items():
        rho, lam, n = _known(ph)
        assert an[k].rho == pytest.approx(rho, rel=0.05)
        assert int(an[k].images.n_cracks.sum()) == n
        assert an[k].lambda_per_um2 == pytest.approx(lam, rel=0.05)


def test_route_scores_match_an_independent_count():
    """Precision / recall through segment.crack_scores equal the counts done here; NaN without cracks."""
    truth, _ = _section(2)
    seg = truth.copy()
    seg[80, :] = CRACK  # a false crack row: 310 px, of which the true crack pixels are already CRACK
    seg[230, 80] = NMC  # nothing there anyway (disc 3 absent)
    seg[78:83, 150:200] = NMC
    hit = np.count_nonzero((seg == CRACK) & (truth == CRACK))
    f = workflows.route_scores("r", {"c": [seg]}, {"c": [truth]}, pixel_um=PIXEL_UM)
    assert f.crack_precision[0] == pytest.approx(hit / np.count_nonzero(seg == CRACK), rel=1e-12)
    assert f.crack_recall[0] == pytest.approx(hit / np.count_nonzero(truth == CRACK), rel=1e-12)
    assert f.accuracy[0] == pytest.approx(np.mean(seg == truth), rel=1e-12)
    no_crack = np.where(truth == CRACK, NMC, truth).astype(np.uint8)
    g = workflows.route_scores("r", {"c": [no_crack]}, {"c": [truth]}, pixel_um=PIXEL_UM)
    assert g.crack_recall[0] == 0.0 and np.isnan(g.crack_precision[0])


def test_pristine_adjustment_and_trend_text(sections):
    phases, _ = sections
    an = workflows.analyse_route(phases, pixel_um=PIXEL_UM, min_particle_um2=0.5)
    an = {f"{t} °C": a for t, a in zip((20, 30), an.values(), strict=True)}
    sets = workflows.crack_datasets(an)
    s = sets.to_frame()
    # ⌊A λ_pristine⌋ with A the pooled particle area and λ_pristine = 0.145 / µm² (paper 003)
    expected = [int(np.floor(a.area_um2 * 0.145)) for a in an.values()]
    assert s.n_pristine.tolist() == expected
    assert (s.kept == s.n_cracks - np.minimum(s.n_pristine, s.n_cracks)).all()
    assert workflows.describe_trend([1, 2, 3]) == "1 < 2 < 3"
    assert workflows.describe_trend([2, 1]).endswith("(not monotonic)")


def test_radius_prior_matches_the_paper_and_checks_its_input():
    prior = workflows.radius_prior()
    f = prior.to_frame()
    assert f.mu[0] == pytest.approx(1.53, abs=0.01) and f.sigma[0] == pytest.approx(0.208, abs=0.002)
    assert f.mu[1] == pytest.approx(f.mu[0] - 3 * f.sigma[0] ** 2, abs=1e-6)  # exact for a log-normal (Eq. 33)
    grid = prior.grid()
    # a pixel on the rim of the section (d_b = r̃) lies on the sphere's surface: relative distance 1
    assert np.allclose(grid[grid.d_b_over_r_tilde == 1.0].d_center, 1.0, atol=1e-6)
    with pytest.raises(ValueError, match="percentiles_um"):
        workflows.radius_prior({10: 3.0, 50: 4.0})
