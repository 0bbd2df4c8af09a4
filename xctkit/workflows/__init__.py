"""The chains the chapters run, each a function of a :class:`Study` (or of arrays read from one) and
parameters, returning typed results with ``to_frame()``.

This is the top analysis layer: it may import every analysis package (``synth``, ``imaging``,
``segment``, ``micro``, ``sr``, ``stereology``, ``stats``), and none of them imports it. The packages
below only transform or measure arrays; segmentation results come into ``micro`` as arguments.

.. autosummary::

   Study
   open_study
   missing_inputs
   train_sr_models
   load_sr_models
   build_lab
   open_lab
   calibrate_presets
   segment_and_measure
   compare_segmentations
   compare_states
   electrode_series
   predict_test_set
   quality_table
   microstructure_table
   virtual_study
   sem_patch_set
   super_resolve_sem
"""

from ._calibrate import CALIBRATED_PARAMETER, Calibration, calibrate, calibrate_presets, calibrate_state, measure
from ._expansion import StateComparison, compare_segmentations, compare_states, segment_and_measure
from ._measure import size_table, transport_table
from ._lab import LAB_PROFILES, LAB_SAMPLES, VirtualLab, build_lab, lab_root, open_lab
from ._series import MECHANISMS, electrode_series, factorial_design, table2_design, utilisation
from ._sr import (
    QUANTITIES,
    GridTruth,
    SharedSegmentation,
    TestPredictions,
    acceptance_table,
    describe_ranking,
    measurement_ranking,
    truth_on_grid,
    microstructure_table,
    morphology_errors,
    predict_test_set,
    quality_table,
    size_distributions,
    summarize_quality,
)
from ._stereology import (
    ConditionData,
    local_table,
    sem_patch_set,
    size_distances,
    super_resolve_sem,
    validation_table,
    virtual_study,
)
from ._sr_training import (
    HISTMATCH_NAME,
    MORPH_NAME,
    MORPH_PROFILES,
    LargeField,
    MorphologyInputs,
    fit_histogram_match,
    fit_shared_segmentation,
    grid_truth,
    hr_pore_labels,
    rev_roi_size,
    train_morph_model,
    volume_preserving_mask,
    SRTraining,
    enhance_large_field,
    load_sr_models,
    models_dir,
    morphology_sources,
    quality_vs_paper,
    train_sr_models,
)
from ._study import NEEDS, Study, StudyError, missing_inputs, open_study

__all__ = [
    "size_table", "transport_table",
    "Study", "StudyError", "NEEDS", "missing_inputs", "open_study",
    "SRTraining", "load_sr_models", "models_dir", "train_sr_models", "LargeField", "enhance_large_field",
    "morphology_sources", "quality_vs_paper", "HISTMATCH_NAME", "MORPH_NAME", "MORPH_PROFILES",
    "MorphologyInputs", "fit_histogram_match", "fit_shared_segmentation", "grid_truth", "hr_pore_labels",
    "rev_roi_size", "train_morph_model", "volume_preserving_mask",
    "QUANTITIES", "acceptance_table", "describe_ranking", "GridTruth", "SharedSegmentation", "measurement_ranking", "truth_on_grid",
    "CALIBRATED_PARAMETER", "Calibration", "calibrate", "calibrate_presets", "calibrate_state", "measure",
    "StateComparison", "compare_segmentations", "compare_states", "segment_and_measure",
    "LAB_PROFILES", "LAB_SAMPLES", "VirtualLab", "build_lab", "lab_root", "open_lab",
    "MECHANISMS", "electrode_series", "factorial_design", "table2_design", "utilisation",
    "TestPredictions", "microstructure_table", "morphology_errors", "predict_test_set", "quality_table",
    "size_distributions", "summarize_quality",
    "ConditionData", "local_table", "sem_patch_set", "size_distances", "super_resolve_sem",
    "validation_table", "virtual_study",
]
