"""Local porosity vs relative distance (paper 003, Eqs. 37-40) and the analysis chain."""

import numpy as np
import pytest

from xctkit import stereology as st
from xctkit.phases import CRACK, NMC, PORE

ETA = 0.0143


def test_local_porosity_counts_known_areas():
    ph = np.full((4, 5), NMC, np.uint8)
    ph[:, 0] = PORE
    ph[0, 1:] = CRACK
    dist = np.tile(np.array([np.nan, 0.05, 0.35, 0.65, 1.2], np.float32), (4, 1))  # columns = distances
    lp = st.local_porosity(ph, dist, pixel_um=ETA, bin_edges=[0.0, 0.5, 1.0])
    # bin [0, 0.5): columns 1, 2 -> 8 px, 2 crack; bin [0.5, 1]: columns 3 and 4 (1.2 clipped) -> 8 px, 2 crack
    np.testing.assert_allclose(lp.crack_area_um2, [2 * ETA**2, 2 * ETA**2])
    np.testing.assert_allclose(lp.solid_area_um2, [6 * ETA**2, 6 * ETA**2])
    np.testing.assert_allclose(lp.rho_local, [0.25, 0.25])
    assert lp.overflow_share == pytest.approx(4 / 16)
    dropped = st.local_porosity(ph, dist, pixel_um=ETA, bin_edges=[0.0, 0.5, 1.0], clip=False)
    np.testing.assert_allclose(dropped.rho_local, [0.25, 1 / 4])
    assert dropped.solid_area_um2[1] == pytest.approx(3 * ETA**2)
    with pytest.raises(ValueError, match="bin_edges"):
        st.local_porosity(ph, dist, pixel_um=ETA, bin_edges=[0.0, 1.0, 0.5])


def test_analysis_chain_on_a_cracked_disc():
    y, x = np.ogrid[:600, :600]
    ph = np.zeros((600, 600), np.uint8)
    ph[(y - 300) ** 2 + (x - 300) ** 2 <= 250**2] = NMC
    ph[295:300, 205:396] = CRACK  # one crack through the middle, 5 px wide, within 96 px of the centre
    fr = st.LogNormal(1.40021, 0.208)
    tables = {"paper": st.centre_distance_table(fr, n_r=61, n_q=31, n_nodes=120)}
    oracle = np.where(ph != PORE, np.hypot(y - 300, x - 300) / 250.0, np.nan).astype(np.float32)
    a = st.analyse_sections([ph, ph], pixel_um=ETA, tables=tables, oracle=[oracle, oracle])
    assert a.rho == pytest.approx((ph == CRACK).sum() / (ph != PORE).sum())
    assert a.images.n_cracks.tolist() == [1, 1]
    assert a.lambda_per_um2 == pytest.approx(2 / (2 * (ph != PORE).sum() * ETA**2))
    assert set(a.local.estimator) == {"paper", "oracle"}
    orc = a.local[a.local.estimator == "oracle"]
    # the crack lies within 100 px of the centre: oracle porosity only in the bins below 0.4
    assert np.all(orc[orc.bin_lo >= 0.4].rho_local == 0) and np.all(orc[orc.bin_hi <= 0.4].rho_local > 0)
    table = st.condition_table({"x": a})
    assert table.n_images.iloc[0] == 2 and table.rho_sd.iloc[0] == 0.0


def test_analysis_chain_on_images_without_particles_or_cracks():
    empty = np.zeros((120, 120), np.uint8)
    solid = np.full((120, 120), NMC, np.uint8)  # one particle cut by the frame on every side
    a = st.analyse_sections([empty, solid], pixel_um=ETA, tables={"paper": st.centre_distance_table(
        st.LogNormal(1.4, 0.2), n_r=11, n_q=11, n_nodes=32)})
    assert a.images.n_cracks.tolist() == [0, 0] and a.rho == 0.0
    assert len(a.particles) == 1 and not a.particles.used.any()


def test_pooling_bias_tables_weights_by_pixels():
    import pandas as pd

    a = pd.DataFrame({"estimator": "paper", "bin_lo": [0.0], "bin_hi": [0.5], "n": [1], "mean_estimate": [0.2],
                      "mean_true": [0.1]})
    b = a.assign(n=[3], mean_estimate=[0.4], mean_true=[0.5])
    p = st.pool_distance_bias([a, b])
    assert p.n.iloc[0] == 4
    assert p.mean_estimate.iloc[0] == pytest.approx((0.2 + 3 * 0.4) / 4)
    assert p.rel_bias.iloc[0] == pytest.approx(((0.2 + 1.2) / 4) / ((0.1 + 1.5) / 4) - 1)
