"""Morphological descriptors of cracked particle sections (paper 003, Sec. 2.4, Eqs. 11-22).

Pixel counts become areas with the pixel edge ``pixel_um`` (the paper's η = 14.3 nm); every
length is in µm, every area in µm².
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._validate import as_labels, check_nonnegative, check_positive, warn_empty
from ..phases import CRACK, NMC, PORE
from ._instances import CrackInstances, as_phase_image

__all__ = [
    "LAMBDA_PRISTINE_PER_UM2",
    "global_porosity",
    "crack_intensity",
    "crack_descriptors",
    "pristine_crack_count",
    "adjust_for_pristine",
    "particle_descriptors",
    "surface_density",
    "surface_density_intercepts",
]

LAMBDA_PRISTINE_PER_UM2 = 0.145
"""Crack intensity of pristine cathodes, µm⁻² (paper 003, Sec. 2.4.3, from its ref. [8])."""


def _phase_list(phases, name):
    if isinstance(phases, np.ndarray) and phases.ndim == 2:
        return [as_phase_image(phases, name)]
    if isinstance(phases, Sequence) or isinstance(phases, np.ndarray):
        out = [as_phase_image(p, f"{name}[{i}]") for i, p in enumerate(phases)]
        if not out:
            raise ValueError(f"`{name}` must hold at least one image")
        return out
    raise TypeError(f"`{name}` must be a 2-D phase image or a sequence of them, got {type(phases).__name__}")


def global_porosity(phases) -> float:
    """Global particle porosity ρ, pooled over images (paper 003, Eq. 11).

    ``ρ = Σ_i #{S_i = CRACK} / Σ_i #{S_i ≠ PORE}``: crack area over the area of the particles
    (solid and crack). By the Delesse principle it estimates the crack volume fraction of the
    particles without bias for isotropic uniform random sections.

    Parameters
    ----------
    phases : (Y, X) ndarray of uint8 or sequence of them
        Phase-wise segmentations (``PORE``/``NMC``/``CRACK``).

    Returns
    -------
    float
        ρ in [0, 1]; NaN with an :class:`~xctkit._validate.EmptyInputWarning` if no particle pixel is present.

    Raises
    ------
    ValueError
        On images with other labels or of another rank.

    References
    ----------
    .. [1] Furat, Finegan et al., paper 003, Eq. (11).
    """
    ims = _phase_list(phases, "phases")
    crack = sum(int(np.count_nonzero(p == CRACK)) for p in ims)
    part = sum(int(np.count_nonzero(p != PORE)) for p in ims)
    return crack / part if part else warn_empty("global_porosity", "`phases` hold no particle pixel")


def crack_intensity(n_cracks, phases, *, pixel_um: float) -> float:
    """Crack intensity λ: cracks per µm² of particle section, pooled (paper 003, Eq. 12).

    Parameters
    ----------
    n_cracks : int or sequence of int
        Number of cracks ``n_c`` of each image (same order as ``phases``).
    phases : (Y, X) ndarray of uint8 or sequence of them
        Phase-wise segmentations.
    pixel_um : float
        Pixel edge η, µm.

    Returns
    -------
    float
        λ in µm⁻² (NaN without particle pixels).

    Raises
    ------
    ValueError
        If the counts and images differ in number, or on negative counts.

    Notes
    -----
    Erratum: the paper counts the cracks "in the crack-wise segmentation ``S_p``"; it is ``S_c``.
    """
    ims = _phase_list(phases, "phases")
    counts = np.atleast_1d(np.asarray(n_cracks))
    if counts.dtype.kind not in "iu" or np.any(counts < 0):
        raise ValueError(f"`n_cracks` must be non-negative integers, got {counts.tolist()}")
    if counts.size != len(ims):
        raise ValueError(f"`n_cracks` has {counts.size} entries for {len(ims)} images")
    pixel_um = check_positive(pixel_um, "pixel_um")
    part = sum(int(np.count_nonzero(p != PORE)) for p in ims)
    return float(counts.sum()) / (pixel_um**2 * part) if part else warn_empty("crack_intensity", "`phases` hold no particle pixel")


def crack_descriptors(phase, cracks: CrackInstances, *, pixel_um: float, min_d_factor: float = 2.5):
    """Size ``d``, length ``ℓ`` and width ``b`` of every crack (paper 003, Eqs. 13-17).

    * ``d = 2η √(#C/π)``, the area-equivalent diameter (Eq. 13);
    * ``ℓ = η #L``, the number of skeleton pixels of the crack's curve (Eq. 14; no diagonal
      correction, as printed);
    * ``b = (η/#L) Σ_{x∈L} 2 r_disk(x)``, with ``r_disk`` the distance (pixel centres) from a
      skeleton pixel to the nearest non-crack pixel of the image (Eqs. 15-16). For a straight
      crack ``w`` pixels wide this gives ``(w + 1)η`` on the axis: the pixel-centre convention
      of Eq. (15) adds about one pixel.

    Cracks with ``d < min_d_factor·η`` (fewer than 5 pixels for 2.5) are dropped as noise (Eq. 17).

    Parameters
    ----------
    phase : (Y, X) ndarray of uint8
        Phase-wise segmentation.
    cracks : CrackInstances
        From :func:`crack_instances` on ``phase``.
    pixel_um : float
        Pixel edge η, µm.
    min_d_factor : float
        Noise threshold on ``d`` in pixels (paper: 2.5).

    Returns
    -------
    pandas.DataFrame
        One row per kept crack: ``crack`` (label), ``n_pixels``, ``d_um``, ``length_um``,
        ``width_um``.

    Raises
    ------
    ValueError
        If ``cracks`` does not match ``phase``.
    """
    import pandas as pd
    from scipy import ndimage

    lab = as_phase_image(phase)
    if not isinstance(cracks, CrackInstances):
        raise TypeError(f"`cracks` must be a CrackInstances, got {type(cracks).__name__}")
    if cracks.labels.shape != lab.shape:
        raise ValueError(f"`cracks` has shape {cracks.labels.shape}, `phase` {lab.shape}")
    pixel_um = check_positive(pixel_um, "pixel_um")
    min_d_factor = check_nonnegative(min_d_factor, "min_d_factor")
    n = cracks.n_cracks
    cols = {"crack": np.arange(1, n + 1), "n_pixels": np.bincount(cracks.labels.ravel(), minlength=n + 1)[1:]}
    r_disk = ndimage.distance_transform_edt(lab == CRACK)
    sk = cracks.skeleton.ravel()
    n_skel = np.bincount(sk, minlength=n + 1)[1:]
    sum_w = np.bincount(sk, weights=2.0 * r_disk.ravel(), minlength=n + 1)[1:]
    frame = pd.DataFrame(cols)
    frame["d_um"] = 2.0 * pixel_um * np.sqrt(frame.n_pixels / np.pi)
    frame["length_um"] = pixel_um * n_skel
    frame["width_um"] = pixel_um * np.divide(sum_w, n_skel, out=np.zeros(n), where=n_skel > 0)
    return frame[frame.d_um >= min_d_factor * pixel_um - 1e-12].reset_index(drop=True)


def pristine_crack_count(area_um2: float, *, lambda_pristine: float = LAMBDA_PRISTINE_PER_UM2) -> int:
    """``n_pristine = ⌊A λ_pristine⌋`` (paper 003, Eq. 19).

    Parameters
    ----------
    area_um2 : float
        Particle (non-background) area ``A = n/λ`` (Eq. 18), µm².
    lambda_pristine : float
        Crack intensity of the pristine state, µm⁻² (paper: 0.145).

    Returns
    -------
    int
    """
    area_um2 = check_nonnegative(area_um2, "area_um2")
    lambda_pristine = check_nonnegative(lambda_pristine, "lambda_pristine")
    return int(math.floor(area_um2 * lambda_pristine + 1e-9))


def adjust_for_pristine(cracks, *, area_um2: float, lambda_pristine: float = LAMBDA_PRISTINE_PER_UM2):
    """The "large-crack" data set: drop the ``n_pristine`` smallest cracks (paper 003, Eqs. 18-19).

    Parameters
    ----------
    cracks : pandas.DataFrame
        Pooled crack descriptors of one condition (a ``d_um`` column), from
        :func:`crack_descriptors`.
    area_um2 : float
        Total particle area of the images the cracks come from, µm² (``A = n/λ``, Eq. 18, with
        the pooled λ of Eq. 12 this is exactly the pooled particle area).
    lambda_pristine : float
        µm⁻² (paper: 0.145).

    Returns
    -------
    pandas.DataFrame
        The cracks without the ``⌊A λ_pristine⌋`` smallest ``d`` (ties broken by row order),
        in the original order; ``attrs['n_pristine']`` records the number dropped.
    """
    import pandas as pd

    if not isinstance(cracks, pd.DataFrame) or "d_um" not in cracks:
        raise TypeError("`cracks` must be a DataFrame with a 'd_um' column")
    n_drop = pristine_crack_count(area_um2, lambda_pristine=lambda_pristine)
    order = np.argsort(cracks.d_um.to_numpy(), kind="stable")
    keep = np.sort(order[n_drop:])
    out = cracks.iloc[keep].reset_index(drop=True)
    out.attrs["n_pristine"] = int(min(n_drop, len(cracks)))
    return out


def particle_descriptors(phase, particles, *, pixel_um: float):
    """Porosity ``ρ_p`` and specific surface area ``a`` of each particle section (Eqs. 20-21).

    * ``ρ_p = #{x∈P: CRACK} / #{x∈P: not PORE}`` (Eq. 20);
    * ``a = (4/π) η perim({x∈P: NMC}) / (η² #P)`` (Eq. 21), the perimeter of the particle's solid
      pixels from scikit-image (4-neighbourhood, as ``regionprops``); ``#P`` counts solid and
      crack pixels. ``4/π`` turns the boundary length per area of an isotropic section into a
      surface per volume (``S_V = (4/π) L_A``).

    Parameters
    ----------
    phase : (Y, X) ndarray of uint8
        Phase-wise segmentation.
    particles : (Y, X) ndarray of int
        Particle-wise segmentation ``S_p`` (from :func:`particle_instances`).
    pixel_um : float
        Pixel edge η, µm.

    Returns
    -------
    pandas.DataFrame
        One row per particle: ``particle``, ``n_pixels``, ``area_um2``, ``r_tilde_um``
        (area-equivalent radius, Eq. 34), ``crack_pixels``, ``rho_p``, ``perimeter_um`` (solid
        boundary), ``a_per_um`` (1/µm) and ``touches_border`` (bool).

    Raises
    ------
    ValueError
        If the two images differ in shape.

    References
    ----------
    .. [1] Furat, Finegan et al., paper 003, Eqs. (20)-(22).
    """
    import pandas as pd
    from scipy import ndimage
    from skimage.measure import perimeter

    lab = as_phase_image(phase)
    sp = as_labels(particles, "particles", ndim=2)
    if sp.shape != lab.shape:
        raise ValueError(f"`phase` and `particles` must have the same shape, got {lab.shape} and {sp.shape}")
    pixel_um = check_positive(pixel_um, "pixel_um")
    n = int(sp.max())
    rows = []
    border = np.zeros(n + 1, bool)
    for edge in (sp[0], sp[-1], sp[:, 0], sp[:, -1]):
        border[edge] = True
    for j, sl in enumerate(ndimage.find_objects(sp), start=1):
        if sl is None:
            continue
        inside = sp[sl] == j
        sub = lab[sl]
        n_px = int(inside.sum())
        n_crack = int(np.count_nonzero(inside & (sub == CRACK)))
        per = float(perimeter(inside & (sub == NMC), neighborhood=4))
        rows.append({"particle": j, "n_pixels": n_px, "area_um2": n_px * pixel_um**2,
                     "r_tilde_um": pixel_um * math.sqrt(n_px / math.pi), "crack_pixels": n_crack,
                     "rho_p": n_crack / n_px, "perimeter_um": per * pixel_um,
                     "a_per_um": 4.0 / math.pi * per * pixel_um / (n_px * pixel_um**2),
                     "touches_border": bool(border[j])})
    cols = ["particle", "n_pixels", "area_um2", "r_tilde_um", "crack_pixels", "rho_p", "perimeter_um",
            "a_per_um", "touches_border"]
    frame = pd.DataFrame(rows, columns=cols)
    if not rows:  # keep typed, zero-length columns
        frame = frame.astype({"particle": np.int64, "n_pixels": np.int64, "crack_pixels": np.int64,
                              "touches_border": bool, **{c: float for c in ("area_um2", "r_tilde_um", "rho_p",
                                                                              "perimeter_um", "a_per_um")}})
    return frame


def surface_density(particles) -> float:
    """Aggregated solid surface per particle volume, ``(4/π) Σ perimeter / Σ area`` (1/µm).

    The ratio of totals over all particle sections is the unbiased stereological estimator of
    ``S_V`` (a mean of per-section ratios is not).

    Parameters
    ----------
    particles : pandas.DataFrame
        From :func:`particle_descriptors` (``perimeter_um``, ``area_um2``).

    Returns
    -------
    float
    """
    import pandas as pd

    if not isinstance(particles, pd.DataFrame) or not {"perimeter_um", "area_um2"} <= set(particles):
        raise TypeError("`particles` must be a DataFrame with 'perimeter_um' and 'area_um2' columns")
    area = float(particles.area_um2.sum())
    return 4.0 / math.pi * float(particles.perimeter_um.sum()) / area if area > 0 else warn_empty("surface_density", "`particles` holds no particle section")


def surface_density_intercepts(phases, *, pixel_um: float) -> float:
    """Solid surface per particle volume from line intercepts, ``S_V = 2 P_L`` (1/µm).

    Test lines are the pixel rows and columns; ``P_L`` = number of solid/non-solid transitions
    between neighbouring pixel centres per µm of test line inside particles (solid or crack).
    Unlike the per-particle perimeters of Eq. (21) this window estimator is not biased by the
    image frame (nothing is counted at the frame) and needs no particle segmentation. Not in
    paper 003; used as an independent check of the aggregated ``a``.

    Parameters
    ----------
    phases : (Y, X) ndarray of uint8 or sequence of them
    pixel_um : float

    Returns
    -------
    float
        NaN without particle pixels.

    References
    ----------
    .. [1] Saltykov (1958); Underwood, Quantitative Stereology (1970): ``S_V = 2 P_L``.
    """
    ims = _phase_list(phases, "phases")
    pixel_um = check_positive(pixel_um, "pixel_um")
    crossings, length = 0, 0.0
    for p in ims:
        solid = p == NMC
        crossings += int(np.count_nonzero(solid[1:] != solid[:-1]) + np.count_nonzero(solid[:, 1:] != solid[:, :-1]))
        length += 2.0 * np.count_nonzero(p != PORE) * pixel_um
    return 2.0 * crossings / length if length > 0 else warn_empty("surface_density_intercepts", "`phases` hold no particle pixel")
