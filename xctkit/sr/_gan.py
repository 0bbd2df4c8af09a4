"""Adversarial training of a super-resolution generator (paper 000's GAN and SRGAN).

:class:`AdversarialSR` overrides ``train_step``/``test_step`` and keeps ``fit()``, so callbacks,
history and progress work as for any Keras model (the keras-io DCGAN pattern). Keras 3 has no
backend-neutral gradient API, so the gradient code below is written for the PyTorch backend, the
one xctkit runs on; it is the only backend-specific code in xctkit.

The discriminator is frozen during the generator step by construction: the generator step takes
gradients with respect to the generator's weights only and applies them with the generator's
optimiser (the Keras 2 "``trainable = False`` in a combined model" pattern silently stops the
discriminator from ever training in Keras 3, so it is not used).
"""

from __future__ import annotations

from .._validate import check_nonnegative
from ._models import _keras

__all__ = ["AdversarialSR", "make_adversarial"]

keras = _keras()


def _bce_logits(labels_one: bool, logits):
    from keras import ops

    target = ops.ones_like(logits) if labels_one else ops.zeros_like(logits)
    return ops.mean(keras.losses.binary_crossentropy(target, logits, from_logits=True))


@keras.saving.register_keras_serializable(package="xctkit")
class AdversarialSR(keras.Model):
    """A generator trained with content (MSE) + ``adv_weight`` × adversarial loss.

    Parameters
    ----------
    generator : keras.Model
        ``(B, H, W, 1) -> (B, H', W', 1)``.
    discriminator : keras.Model
        ``(B, H', W', 1) -> (B, 1)`` logits ("realness").
    adv_weight : float
        Weight of the adversarial term in the generator loss (paper 000 does not state it;
        SRGAN uses 1e-3).
    d_steps : int
        Discriminator updates per generator update.
    content_loss : callable, optional
        ``content_loss(y_true, y_pred) -> scalar`` added to the generator loss with weight 1 instead of
        the MSE (e.g. a perceptual/feature loss); the logged ``loss``/``mae`` stay pixel MSE/MAE so
        runs remain comparable. Must be built from ``keras.ops`` and be differentiable.

    Notes
    -----
    Losses: the discriminator minimises binary cross-entropy on logits (real → 1, generated → 0);
    the generator minimises ``MSE(HR, G(LR)) + adv_weight · BCE(D(G(LR)) → 1)``. Logged per batch:
    ``loss`` and ``mae`` (content terms, comparable to the supervised models), ``d_loss``,
    ``adv_loss`` and ``g_loss``.
    """

    def __init__(self, generator, discriminator, *, adv_weight: float = 1e-3, d_steps: int = 1,
                 content_loss=None, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.content_loss = content_loss
        self.adv_weight = check_nonnegative(adv_weight, "adv_weight")
        self.d_steps = int(d_steps)
        self.content_tracker = keras.metrics.Mean(name="loss")
        self.mae_tracker = keras.metrics.Mean(name="mae")
        self.d_tracker = keras.metrics.Mean(name="d_loss")
        self.adv_tracker = keras.metrics.Mean(name="adv_loss")
        self.g_tracker = keras.metrics.Mean(name="g_loss")

    def compile(self, *, g_optimizer=None, d_optimizer=None, **kwargs):
        """One optimiser per network (Adam 1e-4 each by default, paper 000)."""
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(1e-4)
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(1e-4)
        # Keras callbacks (ReduceLROnPlateau, the learning-rate log) act on `model.optimizer`:
        # make that the generator's, or they would schedule an unused default optimiser.
        # `xctkit.sr.train` keeps the discriminator's rate in step with it.
        super().compile(optimizer=self.g_optimizer, **kwargs)
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)

    @property
    def metrics(self):
        return [self.content_tracker, self.mae_tracker, self.d_tracker, self.adv_tracker, self.g_tracker]

    def call(self, x, training=False):
        return self.generator(x, training=training)

    # --- the two steps, separately testable --------------------------------------------------
    def discriminator_step(self, x, y):
        """One discriminator update on a batch; returns its loss. The generator is not updated."""
        import torch

        with torch.no_grad():
            fake = self.generator(x, training=False)
        real_logits = self.discriminator(y, training=True)
        fake_logits = self.discriminator(fake, training=True)
        d_loss = _bce_logits(True, real_logits) + _bce_logits(False, fake_logits)
        weights = self.discriminator.trainable_variables
        grads = torch.autograd.grad(d_loss, [w.value for w in weights])
        with torch.no_grad():
            self.d_optimizer.apply(list(grads), weights)
        return d_loss

    def generator_step(self, x, y):
        """One generator update with the discriminator frozen; returns (g_loss, content, adv, mae, fake)."""
        import torch
        from keras import ops

        fake = self.generator(x, training=True)
        content = ops.mean(ops.square(y - fake))
        adv = _bce_logits(True, self.discriminator(fake, training=False))
        pixel_or_custom = content if self.content_loss is None else self.content_loss(y, fake)
        g_loss = pixel_or_custom + self.adv_weight * adv
        weights = self.generator.trainable_variables
        grads = torch.autograd.grad(g_loss, [w.value for w in weights])
        with torch.no_grad():
            self.g_optimizer.apply(list(grads), weights)
        mae = ops.mean(ops.abs(y - fake))
        return g_loss, content, adv, mae

    def train_step(self, data):
        x, y = data[0], data[1]
        for _ in range(self.d_steps):
            d_loss = self.discriminator_step(x, y)
        g_loss, content, adv, mae = self.generator_step(x, y)
        for tracker, value in ((self.content_tracker, content), (self.mae_tracker, mae),
                               (self.d_tracker, d_loss), (self.adv_tracker, adv), (self.g_tracker, g_loss)):
            tracker.update_state(value.detach())
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        from keras import ops

        x, y = data[0], data[1]
        fake = self.generator(x, training=False)
        self.content_tracker.update_state(ops.mean(ops.square(y - fake)))
        self.mae_tracker.update_state(ops.mean(ops.abs(y - fake)))
        return {"loss": self.content_tracker.result(), "mae": self.mae_tracker.result()}

    def get_config(self):
        return {
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "adv_weight": self.adv_weight,
            "d_steps": self.d_steps,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        g = keras.saving.deserialize_keras_object(config.pop("generator"))
        d = keras.saving.deserialize_keras_object(config.pop("discriminator"))
        return cls(g, d, **config)


def make_adversarial(generator, discriminator, *, adv_weight: float = 1e-3, learning_rate: float = 1e-4,
                     d_steps: int = 1, content_loss=None) -> AdversarialSR:
    """Build and compile an :class:`AdversarialSR` with Adam(``learning_rate``) for both networks.

    ``content_loss`` replaces the pixel MSE in the generator loss (see :class:`AdversarialSR`).
    """
    if keras.backend.backend() != "torch":
        raise RuntimeError(
            "xctkit's adversarial training step is written for the PyTorch backend; set "
            "KERAS_BACKEND=torch before importing keras (xctkit sets it by default)"
        )
    gan = AdversarialSR(generator, discriminator, adv_weight=adv_weight, d_steps=d_steps,
                        content_loss=content_loss, name=f"{generator.name}_adversarial")
    gan.compile(g_optimizer=keras.optimizers.Adam(learning_rate), d_optimizer=keras.optimizers.Adam(learning_rate))
    return gan
