"""Segmentation: filters, thresholds, a trainable pixel classifier, particle separation, cracks, and
scoring against a known truth.

.. autosummary::

   noise_sigma
   denoise
   sharpen
   threshold
   Thresholds
   PixelClassifier
   ClassifierFit
   sparse_annotations
   separate_particles
   Particles
   distance_map
   find_cracks
   Cracks
   crack_scores
   CrackScores
   labels_on_grid
   interface_band
   segmentation_scores
   SegmentationScores
   match_instances
   InstanceMatch
   histogram_dask
   GreyHistogram
   threshold_dask
   label_dask
"""

from ._benchmark import (
    InstanceMatch,
    SegmentationScores,
    interface_band,
    labels_on_grid,
    match_instances,
    segmentation_scores,
)
from ._chunked import GreyHistogram, histogram_dask, label_dask, threshold_dask
from ._classifier import ClassifierFit, PixelClassifier, sparse_annotations
from ._cracks import Cracks, CrackScores, crack_scores, find_cracks
from ._filters import denoise, noise_sigma, sharpen
from ._particles import Particles, distance_map, separate_particles
from ._threshold import Thresholds, threshold

__all__ = [
    "threshold",
    "Thresholds",
    "noise_sigma",
    "denoise",
    "sharpen",
    "PixelClassifier",
    "ClassifierFit",
    "sparse_annotations",
    "separate_particles",
    "Particles",
    "distance_map",
    "find_cracks",
    "Cracks",
    "crack_scores",
    "CrackScores",
    "labels_on_grid",
    "interface_band",
    "segmentation_scores",
    "SegmentationScores",
    "match_instances",
    "InstanceMatch",
    "histogram_dask",
    "GreyHistogram",
    "threshold_dask",
    "label_dask",
]

from ._sem import CrackThreshold, fit_crack_threshold, phase_accuracy, segment_sem  # noqa: E402
from ._unet import (  # noqa: E402
    UNET_CLASSES,
    UNetRun,
    predict_proba,
    probs_to_phase,
    select_crack_threshold,
    train_unet,
    unet,
)

__all__ += [
    "CrackThreshold",
    "fit_crack_threshold",
    "phase_accuracy",
    "segment_sem",
    "UNET_CLASSES",
    "UNetRun",
    "predict_proba",
    "probs_to_phase",
    "select_crack_threshold",
    "train_unet",
    "unet",
]
