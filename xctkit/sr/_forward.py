"""A channels-last torch forward pass of a Keras SR model, for inference.

Why by hand: Keras 3 on the torch backend runs every ``Conv2D`` in NCHW after padding its input
explicitly (``padding='same'`` becomes a copy of the activation per layer), so the paper CNN infers
at about 45 GFLOP/s on two cores while oneDNN reaches about 85–110 GFLOP/s on the same tiles in
channels-last memory with the padding folded into the convolution (measured side by side in
``benchmarks/bench_sr_inference.py``). No library converts a Keras graph into such a forward, so
this module walks the model's own graph (Keras' functional executor) and substitutes, per layer,
one torch call with the layer's current weights. Only layers whose torch equivalent is exact are
accepted; any other model runs through Keras unchanged (:func:`forward_fn`).
"""

from __future__ import annotations

import functools
import logging

import numpy as np

__all__ = ["TorchForward", "UnsupportedModel", "forward_fn"]

log = logging.getLogger(__name__)


class UnsupportedModel(ValueError):
    """The model holds a layer (or setting) the channels-last forward does not reproduce exactly."""


def _activation(name: str):
    import torch
    import torch.nn.functional as F

    table = {"linear": None, "relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}
    if name not in table:
        raise UnsupportedModel(f"activation {name!r}")
    return table[name]


def _conv(x, *, weight, bias, padding, act):
    import torch.nn.functional as F

    y = F.conv2d(x, weight, bias, padding=padding)
    return y if act is None else act(y)


def _rescale(x, *, scale, offset):
    return x * scale + offset if offset else x * scale


def _add(*args):
    xs = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
    out = xs[0]
    for t in xs[1:]:
        out = out + t
    return out


class TorchForward:
    """Inference of a fully convolutional Keras model as channels-last torch convolutions.

    Supported layers: ``InputLayer``, ``Conv2D`` (stride 1, dilation 1, one group, ``'same'`` with an
    odd kernel or ``'valid'``, activation linear/relu/sigmoid/tanh), ``Activation`` (those four),
    ``ReLU`` (plain), ``LeakyReLU``, ``PReLU`` (alphas shared over space), ``Rescaling`` (scalar) and
    ``Add``. The weights are copied when the object is built, so
    build it after training (``predict_image`` builds one per call).

    Parameters
    ----------
    model : keras.Model
        A functional model with one ``(B, H, W, 1)`` input and one ``(B, H, W, 1)`` output.

    Raises
    ------
    UnsupportedModel
        If the backend is not torch, or a layer or setting is not supported (the message names it).

    Examples
    --------
    >>> import numpy as np
    >>> from xctkit import sr
    >>> fwd = TorchForward(sr.srcnn_residual())                    # doctest: +SKIP
    >>> fwd(np.zeros((2, 64, 64), np.float32)).shape                # doctest: +SKIP
    (2, 64, 64)
    """

    def __init__(self, model):
        import keras

        if keras.backend.backend() != "torch":
            raise UnsupportedModel(f"Keras backend {keras.backend.backend()!r} (needs 'torch')")
        if not hasattr(model, "_run_through_graph") or len(model.inputs) != 1 or len(model.outputs) != 1:
            raise UnsupportedModel("not a functional model with one input and one output")
        if tuple(model.inputs[0].shape[-1:]) != (1,) or tuple(model.outputs[0].shape[-1:]) != (1,):
            raise UnsupportedModel("input and output must have one channel")
        import torch

        self._model = model
        self._ops = {}
        for layer in model.layers:
            kind = type(layer).__name__
            if kind == "InputLayer":
                continue
            if kind == "Conv2D":
                k = layer.kernel_size
                if (tuple(layer.strides) != (1, 1) or tuple(layer.dilation_rate) != (1, 1)
                        or getattr(layer, "groups", 1) != 1 or layer.data_format != "channels_last"):
                    raise UnsupportedModel(f"Conv2D {layer.name!r}: strides, dilation, groups or data format")
                if layer.padding == "same":
                    if k[0] % 2 == 0 or k[1] % 2 == 0:
                        raise UnsupportedModel(f"Conv2D {layer.name!r}: 'same' padding of an even kernel")
                    padding = (k[0] // 2, k[1] // 2)
                elif layer.padding == "valid":
                    padding = (0, 0)
                else:
                    raise UnsupportedModel(f"Conv2D {layer.name!r}: padding {layer.padding!r}")
                weights = layer.get_weights()
                w = torch.from_numpy(np.ascontiguousarray(np.asarray(weights[0], np.float32).transpose(3, 2, 0, 1)))
                b = torch.from_numpy(np.asarray(weights[1], np.float32)) if layer.use_bias else None
                self._ops[id(layer)] = functools.partial(
                    _conv, weight=w.contiguous(memory_format=torch.channels_last), bias=b, padding=padding,
                    act=_activation(layer.activation.__name__))
            elif kind == "Activation":
                act = _activation(layer.activation.__name__)
                self._ops[id(layer)] = (lambda x: x) if act is None else act
            elif kind == "ReLU":
                if layer.max_value is not None or float(layer.negative_slope) != 0 or float(layer.threshold) != 0:
                    raise UnsupportedModel(f"ReLU {layer.name!r} with max_value/negative_slope/threshold")
                self._ops[id(layer)] = torch.nn.functional.relu
            elif kind == "LeakyReLU":
                self._ops[id(layer)] = functools.partial(torch.nn.functional.leaky_relu,
                                                         negative_slope=float(layer.negative_slope))
            elif kind == "Add":
                self._ops[id(layer)] = _add
            elif kind == "Rescaling":
                scale, offset = np.asarray(layer.scale, np.float32), np.asarray(layer.offset, np.float32)
                if scale.size != 1 or offset.size != 1:
                    raise UnsupportedModel(f"Rescaling {layer.name!r} with per-channel scale or offset")
                self._ops[id(layer)] = functools.partial(_rescale, scale=float(scale), offset=float(offset))
            elif kind == "PReLU":
                alpha = np.asarray(layer.get_weights()[0], np.float32)
                if alpha.ndim != 3 or alpha.shape[0] != 1 or alpha.shape[1] != 1:
                    raise UnsupportedModel(f"PReLU {layer.name!r} with alphas that vary in space")
                self._ops[id(layer)] = functools.partial(torch.nn.functional.prelu,
                                                         weight=torch.from_numpy(alpha.reshape(-1).copy()))
            else:
                raise UnsupportedModel(f"layer {layer.name!r} of type {kind}")

    def _op(self, operation):
        try:
            return self._ops[id(operation)]
        except KeyError:  # an operation that is not a layer of the model (cannot happen for Keras layers)
            raise UnsupportedModel(f"operation {operation!r}") from None

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        """Predict a batch: ``(B, H, W)`` float32 -> ``(B, H', W')`` float32 (``H' = H`` for 'same')."""
        import torch

        x = torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32)[:, None])
        x = x.contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            # Keras' own functional executor walks the graph (private API, pinned by the test that
            # compares this forward with Keras' predict_on_batch on every model xctkit builds)
            y = self._model._run_through_graph([x], operation_fn=self._op)
        y = y[0] if isinstance(y, (list, tuple)) else y
        return y[:, 0].contiguous().numpy()


def forward_fn(model, *, engine: str = "auto"):
    """The batch predictor the tiler uses: ``(B, H, W)`` -> ``(B, H', W')`` float32 arrays.

    Parameters
    ----------
    model : keras.Model
    engine : {'auto', 'torch', 'keras'}
        ``'torch'``: :class:`TorchForward` (error if the model is not supported); ``'keras'``:
        ``model.predict_on_batch``; ``'auto'``: torch where supported, else Keras (logged once).

    Returns
    -------
    callable
    """
    if engine not in ("auto", "torch", "keras"):
        raise ValueError(f"`engine` must be 'auto', 'torch' or 'keras', got {engine!r}")
    if engine in ("auto", "torch"):
        try:
            return TorchForward(model)
        except UnsupportedModel as exc:
            if engine == "torch":
                raise
            log.info("SR inference through Keras for %s: %s", getattr(model, "name", "model"), exc)

    def keras_forward(batch):
        out = model.predict_on_batch(np.asarray(batch, np.float32)[..., None])
        return np.asarray(out)[..., 0].astype(np.float32)

    return keras_forward
