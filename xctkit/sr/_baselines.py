"""Non-learned baselines a super-resolution model has to beat: bicubic, and bicubic whose grey-level
histogram is mapped onto the HR scans' (fitted on the training scans only).

Most of a residual CNN's PSNR gain over bicubic on XCT can be a global grey-level mapping (the LR and
HR set-ups differ in contrast, paper 000 Fig. 5g–h); :class:`HistogramMatch` is that mapping alone, so
a model's gain over it is what the model learned beyond a look-up table.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_grey, check_int

__all__ = ["HistogramMatch"]


class HistogramMatch:
    """Quantile mapping of upscaled-LR grey levels onto HR grey levels (a monotone look-up table).

    :meth:`fit` pools the training pairs' upscaled LR and HR voxels and stores ``n_quantiles``
    matching quantiles of each; :meth:`apply` maps a volume through the piecewise-linear curve
    (``numpy.interp``; values beyond the fitted range are clamped to the end points, as
    ``skimage.exposure.match_histograms`` does for a single image pair). The same mapping is applied to
    every test volume, so nothing of a test electrode is used.

    Parameters
    ----------
    n_quantiles : int
        Points of the mapping curve (≥ 2).
    name : str
        Row name in evaluation tables.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> hr = rng.normal(1.0, 0.2, 10_000)
    >>> lr = 0.5 * hr + 0.1
    >>> hm = HistogramMatch().fit([lr], [hr])
    >>> bool(abs(hm(lr).std() - hr.std()) < 0.01)
    True
    """

    def __init__(self, *, n_quantiles: int = 1024, name: str = "bicubic+histmatch"):
        self.n_quantiles = check_int(n_quantiles, "n_quantiles", min_value=2)
        self.name = str(name)
        self.source_quantiles: np.ndarray | None = None
        self.target_quantiles: np.ndarray | None = None

    def fit(self, sources, targets) -> HistogramMatch:
        """Fit the mapping on training volumes.

        Parameters
        ----------
        sources : sequence of ndarray
            Upscaled LR volumes (any shape) of the training electrodes.
        targets : sequence of ndarray
            HR volumes of the same electrodes (their voxel counts may differ from ``sources``).

        Returns
        -------
        HistogramMatch
            ``self``, fitted.

        Raises
        ------
        ValueError
            If either sequence is empty or holds non-finite values.
        """
        srcs = [sources] if isinstance(sources, np.ndarray) else list(sources)
        tgts = [targets] if isinstance(targets, np.ndarray) else list(targets)
        if not srcs or not tgts:
            raise ValueError("`sources` and `targets` must each hold at least one training volume")
        q = np.linspace(0.0, 100.0, self.n_quantiles)
        pooled = []
        for name, vols in (("sources", srcs), ("targets", tgts)):
            flat = np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in vols])
            if flat.size == 0 or not np.all(np.isfinite(flat)):
                raise ValueError(f"`{name}` must hold finite values")
            pooled.append(np.percentile(flat, q))
        src, tgt = pooled
        # np.interp needs strictly increasing x: merge plateaus of the source quantiles
        src, idx = np.unique(src, return_index=True)
        self.source_quantiles, self.target_quantiles = src, tgt[idx]
        return self

    def apply(self, volume) -> np.ndarray:
        """Map a volume's grey levels.

        Parameters
        ----------
        volume : ndarray
            Upscaled LR, same units as the training sources.

        Returns
        -------
        ndarray of float32, shape of ``volume``

        Raises
        ------
        ValueError
            If :meth:`fit` has not been called.
        """
        if self.source_quantiles is None:
            raise ValueError("HistogramMatch is not fitted; call `fit` first")
        v = as_grey(volume, "volume", ndim=(1, 2, 3))
        return np.interp(v, self.source_quantiles, self.target_quantiles).astype(np.float32)

    __call__ = apply

    def __repr__(self) -> str:
        state = "fitted" if self.source_quantiles is not None else "unfitted"
        return f"HistogramMatch(n_quantiles={self.n_quantiles}, name={self.name!r}, {state})"
