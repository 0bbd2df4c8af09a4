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
   train_classifier
   segment_states
   score_states
   error_propagation
   tortuosity_crosscheck
   representative_volume
   expansion_study
   particle_size_study
   crack_study
   electrode_series
   predict_test_set
   cross_validate_morph
   quality_table
   microstructure_table
   virtual_study
   sem_patch_set
   super_resolve_sem
   radius_prior
   sem_study
   train_sem_sr
   sem_routes
   run_sem_study
   descriptor_validation
   dit_mechanisms
   cell_structures
   CellStructures
   structure_only_loss
   capacity_vs_paper
   run_out_of_core
   OutOfCoreRun
"""

from ._densification import DITMechanisms, describe_mechanisms, dit_mechanisms
from ._crack_validation import DESCRIPTORS, DescriptorValidation, describe_descriptor_errors, descriptor_validation
from ._calibrate import CALIBRATED_PARAMETER, Calibration, calibrate, calibrate_presets, calibrate_state, measure
from ._cell import CellStructures, capacity_vs_paper, cell_structures, structure_only_loss
from ._expansion import StateComparison, compare_segmentations, compare_states, segment_and_measure
from ._measure import size_table, transport_table
from ._expansion import (  # chapter 04: pristine vs cycled, sizes and cracks against the truth
    EXPANSION_MODELS,
    FIG_S3_PEAK_UM,
    CrackStudy,
    ExpansionStudy,
    SizeStudy,
    crack_study,
    describe_states,
    describe_user_regression,
    expansion_study,
    fit_expansion_models,
    particle_size_study,
    regression_frame,
)
from ._sr_folds import CV_QUANTITIES, MorphCrossValidation, cross_validate_morph, describe_single_design
from ._out_of_core import OUT_OF_CORE_PROFILES, OutOfCoreRun, large_field_source, run_out_of_core
from ._lab import LAB_PROFILES, LAB_SAMPLES, VirtualLab, build_lab, describe_porosity_conventions, lab_root, open_lab
from ._segmentation import (
    TRAINING_STATES,
    ClassifierTraining,
    ErrorPropagation,
    RepresentativeVolume,
    StateScores,
    StateSegmentations,
    TortuosityCrosscheck,
    error_propagation,
    has_training_labels,
    representative_volume,
    score_states,
    segment_states,
    train_classifier,
    tortuosity_crosscheck,
    training_scans,
    two_phase,
)
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
    LabelledSections,
    analyse_labelled_sections,
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
    morph_training_frame,
    rev_roi_size,
    train_morph_model,
    train_morph_seeds,
    volume_preserving_mask,
    SRTraining,
    enhance_large_field,
    load_sr_models,
    models_dir,
    morphology_sources,
    quality_vs_paper,
    image_quality_claims,
    train_sr_models,
)
from ._stereology_routes import (
    CLASSICAL_ROUTES,
    FIG4_CROP_PX,
    MAIN_ROUTE,
    MIN_PARTICLE_UM2,
    TRUE_LR_ROUTE,
    TRUE_ROUTE,
    CrackDatasets,
    PointSectionErrors,
    RadiusPrior,
    RadiusUnfolding,
    SEMRoutes,
    SEMStudy,
    analyse_route,
    classical_route,
    route_scores,
    unet_route,
    SEMSuperResolution,
    StarTest,
    centre_distance_validation,
    crack_datasets,
    crack_size_comparison,
    describe_trend,
    fig4_crop,
    local_figure_frames,
    point_section_errors,
    radius_prior,
    radius_unfolding,
    run_sem_study,
    sem_findings,
    sem_key_numbers,
    sem_routes,
    sem_study,
    star_test,
    table1_analogue,
    table1_display,
    table1_trends,
    train_sem_sr,
    validation_summary,
)
from ._study import NEEDS, Study, StudyError, missing_inputs, open_study

__all__ = [
    "OUT_OF_CORE_PROFILES",
    "OutOfCoreRun",
    "large_field_source",
    "run_out_of_core",
    "DITMechanisms",
    "DESCRIPTORS",
    "DescriptorValidation",
    "descriptor_validation",
    "describe_descriptor_errors",
    "describe_mechanisms",
    "dit_mechanisms",
    "size_table", "transport_table",
    "CellStructures", "cell_structures", "capacity_vs_paper", "structure_only_loss",
    "Study", "StudyError", "NEEDS", "missing_inputs", "open_study",
    "SRTraining", "load_sr_models", "models_dir", "train_sr_models", "LargeField", "enhance_large_field",
    "morphology_sources", "quality_vs_paper", "image_quality_claims", "HISTMATCH_NAME", "MORPH_NAME", "MORPH_PROFILES",
    "MorphologyInputs", "fit_histogram_match", "fit_shared_segmentation", "grid_truth", "hr_pore_labels",
    "rev_roi_size", "train_morph_model", "train_morph_seeds", "morph_training_frame", "volume_preserving_mask",
    "CV_QUANTITIES", "MorphCrossValidation", "cross_validate_morph", "describe_single_design",
    "QUANTITIES", "acceptance_table", "describe_ranking", "GridTruth", "SharedSegmentation", "measurement_ranking", "truth_on_grid",
    "CALIBRATED_PARAMETER", "Calibration", "calibrate", "calibrate_presets", "calibrate_state", "measure",
    "StateComparison", "compare_segmentations", "compare_states", "segment_and_measure",
    "LabelledSections", "analyse_labelled_sections",
    "FIG_S3_PEAK_UM", "CrackStudy", "ExpansionStudy", "SizeStudy", "crack_study", "describe_states", "expansion_study",
    "EXPANSION_MODELS", "fit_expansion_models", "regression_frame", "describe_user_regression",
    "particle_size_study",
    "TRAINING_STATES", "ClassifierTraining", "ErrorPropagation", "RepresentativeVolume", "StateScores",
    "StateSegmentations", "TortuosityCrosscheck", "error_propagation", "has_training_labels", "representative_volume",
    "score_states",
    "segment_states", "tortuosity_crosscheck", "train_classifier", "training_scans", "two_phase",
    "LAB_PROFILES", "LAB_SAMPLES", "VirtualLab", "build_lab", "describe_porosity_conventions", "lab_root", "open_lab",
    "MECHANISMS", "electrode_series", "factorial_design", "table2_design", "utilisation",
    "TestPredictions", "microstructure_table", "morphology_errors", "predict_test_set", "quality_table",
    "size_distributions", "summarize_quality",
    "ConditionData", "local_table", "sem_patch_set", "size_distances", "super_resolve_sem",
    "validation_table", "virtual_study",
    "CLASSICAL_ROUTES", "FIG4_CROP_PX", "MAIN_ROUTE", "MIN_PARTICLE_UM2", "TRUE_LR_ROUTE", "TRUE_ROUTE",
    "CrackDatasets", "PointSectionErrors", "RadiusPrior", "RadiusUnfolding", "SEMRoutes", "SEMStudy",
    "SEMSuperResolution", "StarTest", "analyse_route", "classical_route", "route_scores", "unet_route", "centre_distance_validation", "crack_datasets", "crack_size_comparison",
    "describe_trend", "fig4_crop", "local_figure_frames", "point_section_errors", "radius_prior",
    "radius_unfolding", "run_sem_study", "sem_findings", "sem_key_numbers", "sem_routes", "sem_study",
    "star_test", "table1_analogue", "table1_display", "table1_trends", "train_sem_sr", "validation_summary",
]
