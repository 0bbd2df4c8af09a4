"""Forward models: XCT grey levels, PSF, partial volume, resampling, noise, artefacts; LR/HR pairs.

.. autosummary::

   render_xct
   xct_pair
   register
   upscale_to
   locate_field
   upscale_field
   Scan
   ScanPair
"""

from ._pairs import (
    HR_SETUP,
    LR_SETUP,
    Registration,
    ScanPair,
    apply_shift,
    register,
    register_scans,
    upscale_to,
    xct_pair,
)
from ._xct import (
    XCT_GREY,
    Scan,
    add_noise,
    phase_grey,
    render_xct,
    resample,
    ring_and_streak_artefacts,
)

__all__ = [
    "HR_SETUP",
    "LR_SETUP",
    "XCT_GREY",
    "Registration",
    "Scan",
    "ScanPair",
    "add_noise",
    "apply_shift",
    "phase_grey",
    "register",
    "register_scans",
    "render_xct",
    "resample",
    "ring_and_streak_artefacts",
    "upscale_to",
    "xct_pair",
]

from ._sem import (  # noqa: E402  (paper 003: SEM sections at 14.3 / 38.5 nm)
    SEM_FACTOR,
    SEM_GREY,
    SEM_LR_PIXEL_UM,
    SEMPair,
    acquire_sem,
    resize_for_shuffle,
    sem_pair,
    sem_signal,
)

__all__ += [
    "SEM_FACTOR",
    "SEM_GREY",
    "SEM_LR_PIXEL_UM",
    "SEMPair",
    "acquire_sem",
    "resize_for_shuffle",
    "sem_pair",
    "sem_signal",
]

from ._cutouts import random_cutouts  # noqa: E402  (the one 2-D training-set sampler)

__all__ += ["random_cutouts"]

from ._register import (  # noqa: E402  (issue 13: HR field located inside a larger LR scan)
    MIN_SCORE,
    FieldMatch,
    RegistrationError,
    area_downsample,
    locate_field,
    normalised_cross_correlation,
    upscale_field,
)

__all__ += [
    "MIN_SCORE",
    "FieldMatch",
    "RegistrationError",
    "area_downsample",
    "locate_field",
    "normalised_cross_correlation",
    "upscale_field",
]
