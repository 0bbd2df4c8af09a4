"""Super-resolution: Keras 3 models (on the PyTorch backend), patch datasets with sample-level
splits, training, tiled and out-of-core inference, image-quality metrics.

.. autosummary::

   srcnn_residual
   paper_gan_generator
   paper_gan_discriminator
   srgan_generator
   srgan_discriminator
   edsr
   bicubic_baseline
   HistogramMatch
   morph_sr_model
   make_morph_patches
   train_morph_sr
   load_morph_sr
   AdversarialSR
   make_adversarial
   load_pairs
   make_patch_set
   train
   save_sr_model
   load_sr_model
   predict_image
   forward_fn
   super_resolve
   super_resolve_dask
   super_resolve_zarr
   enhance_lr_zarr
   image_quality
   roi_quality
"""

import os as _os

_os.environ.setdefault("KERAS_BACKEND", "torch")

from ._data import (  # noqa: E402
    Normalisation,
    PatchSet,
    RegisteredPair,
    SplitRecord,
    extract_patches,
    load_pairs,
    make_patch_set,
)
from ._baselines import HistogramMatch  # noqa: E402
from ._morph import (  # noqa: E402
    MorphPatches,
    MorphRun,
    MorphSR,
    dice_bce,
    load_morph_sr,
    make_morph_patches,
    morph_sr_model,
    stack_context,
    train_morph_sr,
)
from ._gan import AdversarialSR, make_adversarial  # noqa: E402
from ._forward import TorchForward, UnsupportedModel, forward_fn  # noqa: E402
from ._inference import (  # noqa: E402
    DEFAULT_TILE,
    enhance_lr_zarr,
    fit_tile,
    predict_image,
    super_resolve,
    super_resolve_dask,
    super_resolve_zarr,
    tile_plan,
)
from ._metrics import ImageQuality, image_quality, random_rois, roi_quality  # noqa: E402
from ._models import (  # noqa: E402
    PAPER_PARAMETERS,
    bicubic_baseline,
    edsr,
    paper_gan_discriminator,
    paper_gan_generator,
    receptive_radius,
    srcnn_residual,
    srgan_discriminator,
    srgan_generator,
)
from ._train import SRModelInfo, TrainingRun, load_sr_model, save_sr_model, train  # noqa: E402
from ._zoo import MODEL_NAMES, build_model, models_root  # noqa: E402

__all__ = [
    "HistogramMatch",
    "MorphPatches",
    "MorphRun",
    "MorphSR",
    "dice_bce",
    "load_morph_sr",
    "make_morph_patches",
    "morph_sr_model",
    "stack_context",
    "train_morph_sr",
    "MODEL_NAMES",
    "build_model",
    "models_root",
    "AdversarialSR",
    "ImageQuality",
    "Normalisation",
    "PAPER_PARAMETERS",
    "PatchSet",
    "RegisteredPair",
    "SRModelInfo",
    "SplitRecord",
    "TrainingRun",
    "bicubic_baseline",
    "edsr",
    "enhance_lr_zarr",
    "extract_patches",
    "image_quality",
    "load_pairs",
    "load_sr_model",
    "make_adversarial",
    "make_patch_set",
    "paper_gan_discriminator",
    "paper_gan_generator",
    "predict_image",
    "random_rois",
    "receptive_radius",
    "roi_quality",
    "save_sr_model",
    "srcnn_residual",
    "srgan_discriminator",
    "srgan_generator",
    "super_resolve",
    "super_resolve_dask",
    "super_resolve_zarr",
    "tile_plan",
    "fit_tile",
    "DEFAULT_TILE",
    "TorchForward",
    "UnsupportedModel",
    "forward_fn",
    "train",
]

from ._perceptual import (  # noqa: E402  (paper 003's VGG19 loss and its substitutes)
    CONTENT_LOSSES,
    EncoderRun,
    content_loss,
    feature_loss,
    gradient_loss,
    sem_encoder,
    train_sem_encoder,
    vgg19_features,
)

__all__ += [
    "CONTENT_LOSSES",
    "EncoderRun",
    "content_loss",
    "feature_loss",
    "gradient_loss",
    "sem_encoder",
    "train_sem_encoder",
    "vgg19_features",
]
