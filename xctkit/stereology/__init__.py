"""2-D section to 3-D estimators for cracked particles (paper 003) and classical unfolding.

Phase images use the house labels: ``PORE`` is the paper's background (S = 0), ``NMC`` its solid
phase (S = 1) and ``CRACK`` its crack phase (S = 2). Lengths are µm, areas µm².

.. autosummary::

   LogNormal
   fit_lognormal_percentiles
   volume_to_number_weighted
   number_to_volume_weighted
   section_radius_pdf
   section_radius_marginal
   radius_posterior_pdf
   expected_relative_centre_distance
   centre_distance_table
   CentreDistanceTable
   relative_centre_distance
   local_porosity
   local_porosity_points
   LocalPorosity
   crack_instances
   CrackInstances
   particle_instances
   global_porosity
   crack_intensity
   crack_descriptors
   pristine_crack_count
   adjust_for_pristine
   particle_descriptors
   surface_density
   surface_density_intercepts
   wicksell_matrix
   unfold_section_radii
   Unfolding
   fit_lognormal_sections
   analyse_sections
   SectionAnalysis
   condition_table
   simulate_sphere_sections
   centre_distance_bias
   pool_distance_bias
"""

from ._centre import (
    CentreDistanceTable,
    centre_distance_table,
    expected_relative_centre_distance,
    radius_posterior_pdf,
    relative_centre_distance,
    section_radius_marginal,
    section_radius_pdf,
)
from ._descriptors import (
    LAMBDA_PRISTINE_PER_UM2,
    adjust_for_pristine,
    crack_descriptors,
    crack_intensity,
    global_porosity,
    particle_descriptors,
    pristine_crack_count,
    surface_density,
    surface_density_intercepts,
)
from ._figures import (
    boxplot_5_95,
    centre_distance_figure,
    crack_boxplots,
    local_porosity_figure,
    particle_boxplots,
    segmentation_panels,
    size_density_figure,
)
from ._instances import CrackInstances, as_phase_image, crack_instances, particle_instances
from ._local import DEFAULT_BIN_EDGES, LocalPorosity, local_porosity, local_porosity_points
from ._pipeline import (
    MARKER_UM,
    SectionAnalysis,
    analyse_sections,
    centre_distance_bias,
    condition_table,
    pool_distance_bias,
    simulate_sphere_sections,
)
from ._psd import (
    LogNormal,
    fit_lognormal_percentiles,
    number_to_volume_weighted,
    volume_to_number_weighted,
)
from ._unfold import Unfolding, fit_lognormal_sections, unfold_section_radii, wicksell_matrix

__all__ = [
    "LogNormal",
    "fit_lognormal_percentiles",
    "volume_to_number_weighted",
    "number_to_volume_weighted",
    "section_radius_pdf",
    "section_radius_marginal",
    "radius_posterior_pdf",
    "expected_relative_centre_distance",
    "CentreDistanceTable",
    "centre_distance_table",
    "relative_centre_distance",
    "DEFAULT_BIN_EDGES",
    "LocalPorosity",
    "local_porosity",
    "local_porosity_points",
    "CrackInstances",
    "as_phase_image",
    "crack_instances",
    "particle_instances",
    "LAMBDA_PRISTINE_PER_UM2",
    "global_porosity",
    "crack_intensity",
    "crack_descriptors",
    "pristine_crack_count",
    "adjust_for_pristine",
    "particle_descriptors",
    "surface_density",
    "surface_density_intercepts",
    "wicksell_matrix",
    "Unfolding",
    "unfold_section_radii",
    "fit_lognormal_sections",
    "MARKER_UM",
    "SectionAnalysis",
    "analyse_sections",
    "condition_table",
    "simulate_sphere_sections",
    "centre_distance_bias",
    "pool_distance_bias",
    "boxplot_5_95",
    "crack_boxplots",
    "particle_boxplots",
    "local_porosity_figure",
    "size_density_figure",
    "segmentation_panels",
    "centre_distance_figure",
]
