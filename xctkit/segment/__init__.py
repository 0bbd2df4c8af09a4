"""Segmentation: thresholds, particle separation, pixel classifiers.

.. autosummary::

   threshold
   Thresholds
"""

from ._threshold import Thresholds, threshold

__all__ = ["threshold", "Thresholds"]
