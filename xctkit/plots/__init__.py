"""The house figure style and helpers for slices, histograms and tables of images.

Functions return the matplotlib ``Figure`` and never call ``plt.show()``; notebooks display it.

.. autosummary::

   style
   set_style
   slices
   histograms
   percentile_window
"""

from ._figures import (
    PHASE_CMAP,
    add_boxes,
    bars_mean_sd,
    histograms,
    learning_curves,
    percentile_window,
    phase_legend,
    set_style,
    styled,
    size_distributions,
    slices,
    stage_profile,
    style,
)

__all__ = [
    "styled", "style", "set_style", "slices", "histograms", "size_distributions", "learning_curves", "bars_mean_sd",
           "add_boxes", "PHASE_CMAP", "phase_legend", "percentile_window", "stage_profile"]
