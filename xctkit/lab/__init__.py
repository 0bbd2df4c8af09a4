"""The virtual laboratory: Table 2's electrodes, pristine and cycled, scanned at two resolutions.

.. autosummary::

   build_lab
   open_lab
   VirtualLab
"""

from ._build import LAB_SAMPLES, VirtualLab, build_lab, lab_root, open_lab

__all__ = ["LAB_SAMPLES", "VirtualLab", "build_lab", "lab_root", "open_lab"]
