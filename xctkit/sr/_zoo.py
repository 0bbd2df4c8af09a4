"""The models compared in paper 000's SR chapter, built by name with the report's settings."""

from __future__ import annotations

from pathlib import Path

from .._validate import check_choice, check_int

__all__ = ["MODEL_NAMES", "build_model", "models_root"]

MODEL_NAMES = ("CNN", "GAN", "SRGAN", "EDSR")
"""Trained models: paper 000's residual SRCNN ("CNN") and GAN, and the stronger references it names
as future work (an SRGAN-style residual GAN and EDSR). "bicubic" (no model) is added at evaluation."""


def build_model(name: str, *, patch: int, filters: int = 64, n_blocks: int = 16, adv_weight: float = 1e-3,
                learning_rate: float = 1e-4):
    """Build one of :data:`MODEL_NAMES` (adversarial ones wrapped and compiled).

    Parameters
    ----------
    name : {'CNN', 'GAN', 'SRGAN', 'EDSR', 'bicubic'}
    patch : int
        Training patch size (fixes the discriminators' input).
    filters, n_blocks : int
        Width and depth of SRGAN's generator and EDSR (the paper's CNN and GAN have fixed
        architectures).
    adv_weight : float
        Adversarial weight for GAN and SRGAN.
    learning_rate : float

    Returns
    -------
    keras.Model or AdversarialSR
    """
    from ._gan import make_adversarial
    from ._models import (
        bicubic_baseline,
        edsr,
        paper_gan_discriminator,
        paper_gan_generator,
        srcnn_residual,
        srgan_discriminator,
        srgan_generator,
    )

    check_choice(name, "name", (*MODEL_NAMES, "bicubic"))
    patch = check_int(patch, "patch", min_value=16)
    if name == "CNN":
        return srcnn_residual(name="CNN")
    if name == "EDSR":
        return edsr(filters=filters, n_blocks=n_blocks, name="EDSR")
    if name == "GAN":
        return make_adversarial(paper_gan_generator(name="GAN"), paper_gan_discriminator(patch),
                                adv_weight=adv_weight, learning_rate=learning_rate)
    if name == "SRGAN":
        return make_adversarial(srgan_generator(filters=filters, n_blocks=n_blocks, name="SRGAN"),
                                srgan_discriminator(patch, filters=filters), adv_weight=adv_weight,
                                learning_rate=learning_rate)
    return bicubic_baseline()


def models_root(data_dir, *, profile: str, seed: int) -> Path:
    """Folder of the trained models of one report profile and seed."""
    return Path(data_dir) / "models" / f"{profile}-seed{int(seed)}"
