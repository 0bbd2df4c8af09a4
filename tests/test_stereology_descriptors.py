"""Descriptors of paper 003 (Eqs. 2, 8-21) on hand-built images whose cracks and particles are known."""

import math

import numpy as np
import pytest

from xctkit import stereology as st
from xctkit.phases import CBD, CRACK, NMC, PORE

ETA = 0.0143


def _disc(shape, centre, radius):
    y, x = np.ogrid[: shape[0], : shape[1]]
    return (y - centre[0]) ** 2 + (x - centre[1]) ** 2 <= radius**2


@pytest.fixture
def cracked():
    """One particle (disc, r = 200 px) with three straight cracks and a 2-pixel speck."""
    ph = np.zeros((500, 500), np.uint8)
    ph[_disc(ph.shape, (250, 250), 200)] = NMC
    ph[149:152, 150:211] = CRACK  # horizontal, 3 px wide, 61 px long
    ph[250:311, 298:303] = CRACK  # vertical, 5 px wide, 61 px long
    ph[350:353, 180:260] = CRACK  # horizontal, 3 px wide, 80 px long
    ph[200, 350:352] = CRACK  # 2 px: d = 2η√(2/π) < 2.5η, noise
    known = [(3, 61, 183), (5, 61, 305), (3, 80, 240)]  # (width, length, pixels) in image order
    return ph, known


def test_crack_counts_and_sizes(cracked):
    ph, known = cracked
    ci = st.crack_instances(ph)
    assert ci.n_cracks == 4  # three cracks and the speck
    assert set(np.unique(ci.labels[ph == CRACK])) == {1, 2, 3, 4}  # every crack pixel assigned (Eq. 2)
    assert np.all(ci.labels[ph != CRACK] == 0)
    df = st.crack_descriptors(ph, ci, pixel_um=ETA)
    assert len(df) == 3  # the speck is removed by d >= 2.5 η (Eq. 17)
    df = df.sort_values("n_pixels").reset_index(drop=True)
    for (w, length, n_px), row in zip(sorted(known, key=lambda k: k[2]), df.itertuples(), strict=True):
        assert row.n_pixels == n_px
        assert row.d_um == pytest.approx(2 * ETA * math.sqrt(n_px / math.pi), rel=1e-12)  # Eq. 13, exact
        # Eq. 14: the Lee skeleton of a straight w-wide strip is its mid-line, shortened by at most
        # w - 1 px in all (it stops short of the strip's ends)
        assert abs(row.length_um / ETA - length) <= w - 1
        # Eq. 15-16: r_disk is measured between pixel centres, so b lies in [w, w + 1] η
        assert w * ETA <= row.width_um <= (w + 1) * ETA


def test_global_porosity_and_intensity(cracked):
    ph, _ = cracked
    n_crack = int((ph == CRACK).sum())
    n_part = int((ph != PORE).sum())
    assert st.global_porosity(ph) == pytest.approx(n_crack / n_part, rel=1e-12)  # Eq. 11
    assert st.global_porosity([ph, ph]) == pytest.approx(n_crack / n_part)  # pooled
    assert st.crack_intensity(3, ph, pixel_um=ETA) == pytest.approx(3 / (ETA**2 * n_part))  # Eq. 12
    with pytest.raises(ValueError, match="n_cracks"):
        st.crack_intensity([1, 2], ph, pixel_um=ETA)


def test_branch_splitting():
    ph = np.full((60, 60), NMC, np.uint8)
    ph[30:33, 5:55] = CRACK
    ph[5:31, 29:32] = CRACK  # a T
    assert st.crack_instances(ph).n_cracks == 1
    assert st.crack_instances(ph, split="branches").n_cracks == 3


def test_pristine_adjustment():
    # paper 003 (digest, Sec. 6): A_20 = n_20/λ = 8733/0.241 µm², n_pristine = ⌊A λ_pristine⌋ = 5254
    assert st.pristine_crack_count(8733 / 0.241) == 5254
    import pandas as pd

    cracks = pd.DataFrame({"d_um": [0.5, 0.1, 0.3, 0.2, 0.4], "tag": list("abcde")})
    adj = st.adjust_for_pristine(cracks, area_um2=20.0, lambda_pristine=0.145)  # ⌊2.9⌋ = 2 dropped
    assert adj.attrs["n_pristine"] == 2
    assert list(adj.tag) == ["a", "c", "e"]  # the two smallest (b, d) are gone, order kept


def test_particle_instances_markers_and_small_particles():
    ph = np.zeros((400, 700), np.uint8)
    ph[_disc(ph.shape, (200, 180), 120)] = NMC
    ph[_disc(ph.shape, (200, 400), 110)] = NMC  # touches the first one (centres 220 px apart)
    ph[_disc(ph.shape, (60, 620), 30)] = NMC  # inscribed radius < 50 px: no marker (Eq. 10)
    sp = st.particle_instances(ph, marker_px=50)
    assert sp.max() == 2
    assert np.all(sp[_disc(ph.shape, (60, 620), 30)] == 0)
    assert sp[200, 180] != sp[200, 400]
    # the watershed line between the two lies near the neck (x ≈ 289 for radii 120 and 110)
    row = sp[200, 260:330]
    assert 280 <= 260 + int(np.argmax(row == sp[200, 400])) <= 300


def test_particle_descriptors_of_a_cracked_disc(cracked):
    ph, _ = cracked
    sp = st.particle_instances(ph)
    df = st.particle_descriptors(ph, sp, pixel_um=ETA)
    assert len(df) == 1
    row = df.iloc[0]
    n_p = int((ph != PORE).sum())
    assert row.rho_p == pytest.approx((ph == CRACK).sum() / n_p)  # Eq. 20
    assert row.r_tilde_um == pytest.approx(ETA * math.sqrt(n_p / math.pi))  # Eq. 34
    assert not row.touches_border


def test_surface_density_estimators_of_an_uncracked_disc():
    # a disc section of radius r: (4/π) L/A = 8/(π r); per particle (Eq. 21) the 4-neighbour
    # perimeter of scikit-image over-reads a digital circle by about 5 %, the intercept count does not
    r = 180
    ph = np.zeros((400, 400), np.uint8)
    ph[_disc(ph.shape, (200, 200), r)] = NMC
    expected = 8 / (math.pi * r * ETA)
    df = st.particle_descriptors(ph, st.particle_instances(ph), pixel_um=ETA)
    assert df.a_per_um.iloc[0] == pytest.approx(expected, rel=0.07)
    assert st.surface_density(df) == pytest.approx(df.a_per_um.iloc[0])
    assert st.surface_density_intercepts(ph, pixel_um=ETA) == pytest.approx(expected, rel=0.01)


def test_phase_image_validation():
    bad = np.full((10, 10), CBD, np.uint8)
    with pytest.raises(ValueError, match="phase"):
        st.crack_instances(bad)
    with pytest.raises(ValueError, match="phases"):
        st.global_porosity([bad])
    with pytest.raises(TypeError, match="cracks"):
        st.crack_descriptors(np.zeros((5, 5), np.uint8), None, pixel_um=ETA)
