import numpy as np
import pytest

from xctkit import imaging, synth
from xctkit.phases import CBD, NMC, PORE


@pytest.fixture(scope="module")
def electrode():
    return synth.dry_electrode((48, 64, 64), porosity=0.49, seed=11)


@pytest.fixture(scope="module")
def lab_sized():
    """The quick virtual lab's size: 35 µm deep, 47 µm wide (HR 48 x 64 x 64, LR 16 x 21 x 21)."""
    return synth.dry_electrode((96, 128, 128), porosity=0.49, seed=11)


def test_phase_grey_uses_the_table_and_rejects_unknown_labels():
    lab = np.array([[PORE, CBD, NMC]], dtype=np.uint8)
    g = imaging.phase_grey(lab)
    np.testing.assert_allclose(g[0], [imaging.XCT_GREY[PORE], imaging.XCT_GREY[CBD], imaging.XCT_GREY[NMC]])
    assert imaging.XCT_GREY[PORE] < imaging.XCT_GREY[CBD] < imaging.XCT_GREY[NMC]
    with pytest.raises(ValueError, match="label"):
        imaging.phase_grey(np.array([[9]], dtype=np.uint8))


def test_resample_preserves_mean_and_uniform_regions():
    rng = np.random.default_rng(0)
    vol = rng.random((62, 62, 62)).astype(np.float32)
    out = imaging.resample(vol, voxel_um=0.37, out_voxel_um=2.3)
    assert out.shape == (9, 9, 9)  # floor(62*0.37/2.3): a non-integer factor, no striding
    assert out.mean() == pytest.approx(vol.mean(), abs=0.01)
    assert out.std() < vol.std() / 5  # anti-aliasing averages the noise away
    flat = imaging.resample(np.full((40, 40, 40), 0.3, np.float32), voxel_um=0.37, out_voxel_um=0.74, psf_um=1.0)
    np.testing.assert_allclose(flat, 0.3, atol=1e-6)


def test_resample_origin_shifts_content():
    vol = np.zeros((1, 1, 64), np.float32)
    vol[..., 32:] = 1.0
    base = imaging.resample(vol, voxel_um=1.0, out_voxel_um=1.0, origin_um=(0, 0, 0), out_shape=(1, 1, 60))
    moved = imaging.resample(vol, voxel_um=1.0, out_voxel_um=1.0, origin_um=(0, 0, 2.0), out_shape=(1, 1, 60))
    assert np.argmax(base[0, 0] > 0.5) - np.argmax(moved[0, 0] > 0.5) == 2


def test_noise_statistics():
    g = np.full((200, 200), 0.5, np.float32)
    noisy = imaging.add_noise(g, photons=400, read_sigma=0.02, seed=1)
    assert noisy.mean() == pytest.approx(0.5, abs=0.005)
    # Poisson variance g/photons plus Gaussian read noise
    assert noisy.var() == pytest.approx(0.5 / 400 + 0.02**2, rel=0.05)


def test_ring_artefacts_are_concentric():
    flat = np.full((1, 64, 64), 0.5, np.float32)
    artefact = imaging.ring_and_streak_artefacts(flat, rings=0.05, seed=3)[0] - \
        imaging.ring_and_streak_artefacts(flat, rings=1e-12, seed=3)[0]
    yy, xx = np.mgrid[:64, :64]
    r = np.rint(np.hypot(yy - 32, xx - 32)).astype(int)  # radon's rotation centre is side // 2
    inside = r < 28

    def explained_by_radius(img):
        radial = np.bincount(r[inside], weights=img[inside]) / np.bincount(r[inside])
        return 1 - np.var(img[inside] - radial[r[inside]]) / np.var(img[inside])

    noise = np.random.default_rng(0).normal(size=artefact.shape)
    # rings: the radius alone explains a large share of the artefact, but ~1 % of white noise
    assert explained_by_radius(noise) < 0.05
    assert explained_by_radius(artefact) > 0.25
    assert np.array_equal(imaging.ring_and_streak_artefacts(flat), flat)


def test_lr_histogram_is_narrower_and_lower_than_hr(electrode):
    pair = imaging.xct_pair(electrode.labels, voxel_um=electrode.voxel_um, seed=2)
    hr, lr = pair.hr.grey, pair.lr.grey
    assert lr.std() < 0.7 * hr.std()
    assert lr.mean() < hr.mean() and np.median(lr) < np.median(hr)
    assert pair.hr.shape == (24, 32, 32)
    assert pair.lr_up.shape == pair.hr.shape
    ratio = pair.lr.voxel_um / pair.hr.voxel_um
    assert ratio == pytest.approx(2.3 / 0.74)


@pytest.mark.parametrize("seed", range(6))
def test_registration_recovers_the_offset_within_half_an_hr_voxel(lab_sized, seed):
    pair = imaging.xct_pair(lab_sized.labels, voxel_um=lab_sized.voxel_um, seed=seed)
    reg = imaging.register(pair.lr_up, pair.hr.grey)
    err = np.abs(reg.shift_vox - pair.true_shift_hr_vox)
    assert np.all(err < 0.5), err
    registered, reg2 = imaging.register_scans(pair.lr.grey, pair.hr.grey, lr_voxel_um=2.3, hr_voxel_um=0.74)
    np.testing.assert_allclose(reg2.shift_vox, reg.shift_vox)
    # registration makes the LR volume agree better with HR
    inner = (slice(3, -3),) * 3
    before = np.corrcoef(pair.lr_up[inner].ravel(), pair.hr.grey[inner].ravel())[0, 1]
    after = np.corrcoef(registered[inner].ravel(), pair.hr.grey[inner].ravel())[0, 1]
    assert after > before


def test_cycled_electrodes_look_brighter(electrode):
    aged = synth.cycle(electrode, expansion=0.07, seed=0)
    g0 = imaging.render_xct(electrode.labels, voxel_um=0.37, out_voxel_um=0.74, seed=0).grey
    g1 = imaging.render_xct(aged.labels, voxel_um=0.37, out_voxel_um=0.74, seed=0).grey
    assert g1.mean() > g0.mean() + 0.02


def test_register_validates():
    with pytest.raises(ValueError, match="same shape"):
        imaging.register(np.zeros((4, 4)), np.zeros((5, 5)))
    with pytest.raises(ValueError, match="LR voxel"):
        imaging.xct_pair(np.zeros((20, 20, 20), np.uint8), voxel_um=0.37, lr={"out_voxel_um": 0.5})
