"""Microstructure metrics: porosity, tortuosity factor, size distributions, surface area, REV, expansion.

.. autosummary::

   porosity
   phase_fractions
   solid_mask
   tortuosity
   Tortuosity
   percolating_fraction
   particle_sizes
   SizeDistribution
   local_thickness
   pore_sizes
   PoreSizes
   surface_area
   SurfaceArea
   rev_analysis
   REVAnalysis
   characterise
   Microstructure
   expansion
   Expansion
   size_shift
   SizeShift
   intensity_shift
   IntensityShift
   porosity_dask
   phase_fractions_dask
   surface_area_dask
   particle_sizes_dask
   tortuosity_subvolumes
"""

from ._chunked import (
    particle_sizes_dask,
    phase_fractions_dask,
    porosity_dask,
    surface_area_dask,
    tortuosity_subvolumes,
)
from ._expansion import (
    Expansion,
    Microstructure,
    SizeShift,
    characterise,
    expansion,
    size_shift,
)
from ._intensity import IntensityShift, intensity_shift
from ._poresize import PoreSizes, local_thickness, pore_sizes
from ._porosity import phase_fractions, porosity, solid_mask
from ._rev import REVAnalysis, rev_analysis
from ._sizes import SizeDistribution, particle_sizes
from ._surface import SurfaceArea, surface_area
from ._tortuosity import NonPercolatingWarning, Tortuosity, percolating_fraction, tortuosity

__all__ = [
    "porosity",
    "phase_fractions",
    "solid_mask",
    "tortuosity",
    "Tortuosity",
    "percolating_fraction",
    "NonPercolatingWarning",
    "particle_sizes",
    "SizeDistribution",
    "local_thickness",
    "pore_sizes",
    "PoreSizes",
    "surface_area",
    "SurfaceArea",
    "rev_analysis",
    "REVAnalysis",
    "characterise",
    "Microstructure",
    "expansion",
    "Expansion",
    "size_shift",
    "SizeShift",
    "intensity_shift",
    "IntensityShift",
    "porosity_dask",
    "phase_fractions_dask",
    "surface_area_dask",
    "particle_sizes_dask",
    "tortuosity_subvolumes",
]
