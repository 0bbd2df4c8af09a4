"""Microstructure metrics: porosity, tortuosity factor, size distributions, surface area, REV, expansion.

.. autosummary::

   porosity
   phase_fractions
   tortuosity
   Tortuosity
"""

from ._intensity import IntensityShift, intensity_shift
from ._porosity import phase_fractions, porosity, solid_mask
from ._sizes import SizeDistribution, particle_sizes
from ._tortuosity import Tortuosity, percolating_fraction, tortuosity

__all__ = [
    "porosity",
    "phase_fractions",
    "solid_mask",
    "tortuosity",
    "Tortuosity",
    "percolating_fraction",
    "particle_sizes",
    "SizeDistribution",
    "intensity_shift",
    "IntensityShift",
]
