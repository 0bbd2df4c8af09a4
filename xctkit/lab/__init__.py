"""The virtual laboratory: Table 2's electrodes, pristine and cycled, scanned at two resolutions.

.. autosummary::

   build_lab
   open_lab
   VirtualLab
   electrode_series
   factorial_design
   table2_design
"""

from ._build import LAB_SAMPLES, VirtualLab, build_lab, lab_root, open_lab
from ._series import MECHANISMS, electrode_series, factorial_design, table2_design, utilisation

__all__ = ["LAB_SAMPLES", "VirtualLab", "build_lab", "lab_root", "open_lab",
           "MECHANISMS", "electrode_series", "factorial_design", "table2_design", "utilisation"]
