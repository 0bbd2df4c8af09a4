"""Virtual laboratory: synthetic NMC811 electrodes with known 3-D truth.

.. autosummary::

   Electrode
   dry_electrode
   dit_electrode
   cycle
   PRESETS
"""

from ._cycling import cycle
from ._electrodes import (
    HR_VOXEL_UM,
    LR_VOXEL_UM,
    TRUTH_VOXEL_UM,
    Electrode,
    cbd_fraction_from_composition,
    coarsen_solid,
    dit_electrode,
    dry_electrode,
    place_cbd,
)
from ._geometry import ParticleSet, lognormal_diameters, pack_particles, rasterize
from ._presets import CALIBRATED_PARAMETER, LAB_PROFILES, calibration_record, load_presets, preset_electrode, preset_names

__all__ = [
    "cycle",
    "LAB_PROFILES",
    "CALIBRATED_PARAMETER",
    "calibration_record",
    "load_presets",
    "preset_electrode",
    "preset_names",
    "HR_VOXEL_UM",
    "LR_VOXEL_UM",
    "TRUTH_VOXEL_UM",
    "Electrode",
    "ParticleSet",
    "cbd_fraction_from_composition",
    "coarsen_solid",
    "dit_electrode",
    "dry_electrode",
    "lognormal_diameters",
    "pack_particles",
    "place_cbd",
    "rasterize",
]

from ._sem_particles import (  # noqa: E402  (paper 003: cracked particles for SEM sections)
    PAPER003_RADIUS_NUMBER,
    SEM_CONDITIONS,
    SEM_HR_PIXEL_UM,
    CrackedParticle,
    SEMCondition,
    SEMSection,
    SEMSpecimen,
    SEMTruth,
    sem_specimen,
)

__all__ += [
    "PAPER003_RADIUS_NUMBER",
    "SEM_CONDITIONS",
    "SEM_HR_PIXEL_UM",
    "CrackedParticle",
    "SEMCondition",
    "SEMSection",
    "SEMSpecimen",
    "SEMTruth",
    "sem_specimen",
]
