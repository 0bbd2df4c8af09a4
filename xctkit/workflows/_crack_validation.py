"""Paper 003's crack descriptors of each segmentation route against the truth, next to the
temperature effects they are meant to reveal.

The truth for the section descriptors (crack size d, length ℓ, width b, crack intensity λ and the
particle porosity ρ_p) is the *true sections* route: the exact planar sections of the 3-D virtual
specimen, analysed by the same chain. ρ (the crack volume fraction, Delesse) is judged against the
3-D truth itself. A route can only support paper 003's reading of Table 1 ("ρ rises with
temperature") where its error is smaller than the step between two conditions in the truth:
:func:`descriptor_validation` puts the two side by side and :func:`describe_descriptor_errors`
writes the verdict from that table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..stereology import SectionAnalysis

__all__ = ["DESCRIPTORS", "DescriptorValidation", "descriptor_validation", "describe_descriptor_errors"]

#: Descriptor name -> (description, unit). Medians over the kept cracks / particle sections of a condition.
DESCRIPTORS = {
    "rho": ("pooled particle porosity ρ (3-D truth: crack volume fraction)", "1"),
    "lambda_per_um2": ("crack intensity λ", "µm⁻²"),
    "d_um": ("median crack size d", "µm"),
    "length_um": ("median crack length ℓ", "µm"),
    "width_um": ("median crack width b", "µm"),
    "rho_p": ("median particle porosity ρ_p", "1"),
}


def _descriptors(a: SectionAnalysis) -> dict:
    cracks, particles = a.cracks, a.particles
    med = (lambda frame, col: float(np.median(frame[col])) if len(frame) else np.nan)  # noqa: E731
    return {"rho": a.rho, "lambda_per_um2": a.lambda_per_um2, "d_um": med(cracks, "d_um"),
            "length_um": med(cracks, "length_um"), "width_um": med(cracks, "width_um"),
            "rho_p": med(particles, "rho_p")}


@dataclass(frozen=True)
class DescriptorValidation:
    """Result of :func:`descriptor_validation`.

    Attributes
    ----------
    errors : pandas.DataFrame
        One row per route, descriptor and condition: ``route``, ``descriptor``, ``unit``,
        ``condition``, ``value``, ``truth``, ``rel_error`` (``value / truth - 1``).
    steps : pandas.DataFrame
        One row per route, descriptor and pair of neighbouring conditions: ``route``, ``descriptor``,
        ``step`` ("20 °C → 30 °C"), ``truth_step`` and ``route_step`` (relative change from the
        colder to the warmer condition), ``error`` (the larger ``|rel_error|`` of the pair),
        ``same_sign`` (the route moves the way the truth does), ``masked`` (``error >=
        |truth_step|``: the route's error is as large as the effect), ``step_error``
        (``route_step - truth_step``; a bias common to both conditions cancels here) and
        ``recovered`` (same sign and ``|step_error| <= |truth_step| / 2``: the route measures the
        effect to within half its size).
    reference : str
        The route the section descriptors are judged against.
    """

    errors: object
    steps: object
    reference: str

    def to_frame(self):
        """Chapter table ``descriptor_errors``."""
        return self.errors

    def route_errors(self, route: str):
        """``rel_error`` of one route: descriptors × conditions."""
        e = self.errors[self.errors.route == route]
        if e.empty:
            raise ValueError(f"`route` must be one of {sorted(set(self.errors.route))}, got {route!r}")
        return e.pivot_table(index="descriptor", columns="condition", values="rel_error", sort=False)

    def step_table(self):
        """The truth's and every route's relative steps: (descriptor, step) × (quantity, route)."""
        return self.steps.pivot_table(index=["descriptor", "step"], columns="route",
                                      values=["truth_step", "route_step"], sort=False)

    def summary(self):
        """Per route: how many steps are masked, go the right way and are recovered, of how many."""
        return self.steps.groupby("route", sort=False)[["masked", "same_sign", "recovered"]].agg(["sum", "count"])


def descriptor_validation(analyses: dict, truths: dict, *, reference: str) -> DescriptorValidation:
    """Every route's descriptors per condition against the truth, and the truth's condition steps.

    Parameters
    ----------
    analyses : dict of route -> dict of condition label -> xctkit.stereology.SectionAnalysis
        Must hold ``reference``; conditions in the order they are compared (e.g. rising temperature).
    truths : dict of condition label -> object with ``crack_fraction``
        The 3-D truth (:class:`xctkit.synth.SEMTruth`); ρ is judged against it.
    reference : str
        The route of the true sections (chapter 06: ``workflows.TRUE_ROUTE``).

    Returns
    -------
    DescriptorValidation

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> from xctkit.stereology import SectionAnalysis
    >>> def sa(crack_px, d):
    ...     images = pd.DataFrame({"crack_px": [crack_px], "particle_px": [1000], "n_cracks": [2], "area_um2": [10.0]})
    ...     cracks = pd.DataFrame({"d_um": [d, d], "length_um": [d, d], "width_um": [0.1, 0.1]})
    ...     return SectionAnalysis(images, cracks, pd.DataFrame({"rho_p": [crack_px / 1000]}), None, None, 0.0143)
    >>> truths = {"20 °C": SimpleNamespace(crack_fraction=0.010), "30 °C": SimpleNamespace(crack_fraction=0.020)}
    >>> v = descriptor_validation({"truth": {"20 °C": sa(10, 1.0), "30 °C": sa(20, 1.2)},
    ...                            "route": {"20 °C": sa(12, 1.1), "30 °C": sa(18, 1.1)}}, truths, reference="truth")
    >>> row = v.steps.query("route == 'route' and descriptor == 'd_um'").iloc[0]
    >>> float(round(row.truth_step, 3)), float(round(row.route_step, 3)), bool(row.same_sign), bool(row.masked)
    (0.2, 0.0, False, False)
    """
    import pandas as pd

    if not isinstance(analyses, dict) or reference not in analyses:
        raise ValueError(f"`analyses` must be a dict of route -> analyses holding the reference route {reference!r}")
    conditions = list(analyses[reference])
    missing = [c for c in conditions if c not in truths]
    if missing:
        raise ValueError(f"`truths` lacks the conditions {missing}")
    truth_values = {}
    for c in conditions:
        truth_values[c] = _descriptors(analyses[reference][c])
        truth_values[c]["rho"] = float(truths[c].crack_fraction)
    rows = []
    for route, by_condition in analyses.items():
        if route == reference:
            continue
        if list(by_condition) != conditions:
            raise ValueError(f"`analyses[{route!r}]` must hold the conditions {conditions} in that order")
        for c in conditions:
            a = by_condition[c]
            if not isinstance(a, SectionAnalysis):
                raise TypeError(f"`analyses[{route!r}][{c!r}]` must be a SectionAnalysis")
            for name, value in _descriptors(a).items():
                truth = truth_values[c][name]
                rows.append({"route": route, "descriptor": name, "unit": DESCRIPTORS[name][1], "condition": c,
                             "value": value, "truth": truth,
                             "rel_error": value / truth - 1 if truth else np.nan})
    errors = pd.DataFrame(rows)
    steps = []
    for (route, name), g in errors.groupby(["route", "descriptor"], sort=False):
        g = g.set_index("condition").loc[conditions]
        for lo, hi in zip(conditions, conditions[1:], strict=False):
            truth_step = g.truth[hi] / g.truth[lo] - 1
            route_step = g.value[hi] / g.value[lo] - 1
            error = max(abs(g.rel_error[lo]), abs(g.rel_error[hi]))
            steps.append({"route": route, "descriptor": name, "step": f"{lo} → {hi}", "truth_step": truth_step,
                          "route_step": route_step, "error": error,
                          "same_sign": bool(np.sign(truth_step) == np.sign(route_step)),
                          "masked": bool(error >= abs(truth_step)), "step_error": route_step - truth_step,
                          "recovered": bool(np.sign(truth_step) == np.sign(route_step)
                                            and abs(route_step - truth_step) <= abs(truth_step) / 2)})
    return DescriptorValidation(errors, pd.DataFrame(steps), reference)


def describe_descriptor_errors(validation: DescriptorValidation, route: str) -> str:
    """One paragraph, generated from :func:`descriptor_validation`'s tables, for one route: its error
    range per descriptor against the truth's steps between neighbouring conditions, and which steps it
    reproduces with the wrong sign or with an error at least as large as the step.

    Examples
    --------
    >>> import pandas as pd
    >>> errors = pd.DataFrame({"route": ["r"] * 2, "descriptor": ["rho"] * 2, "rel_error": [-0.3, 0.1]})
    >>> steps = pd.DataFrame({"route": ["r"], "descriptor": ["rho"], "step": ["20 °C → 30 °C"],
    ...                       "truth_step": [0.2], "route_step": [-0.4], "error": [0.3],
    ...                       "same_sign": [False], "masked": [True]})
    >>> print(describe_descriptor_errors(DescriptorValidation(errors, steps, "truth"), "r"))  # doctest: +NORMALIZE_WHITESPACE
    r against the truth: ρ errors -30 to +10 % (truth's steps between neighbouring conditions: +20 %).
    1 of 1 steps are masked (route error ≥ the step) and 1 go the wrong way: ρ 20 °C → 30 °C (truth +20 %, route -40 %).
    """
    err, steps = validation.errors, validation.steps
    if route not in set(err.route):
        raise ValueError(f"`route` must be one of {sorted(set(err.route))}, got {route!r}")
    short = {"rho": "ρ", "lambda_per_um2": "λ", "d_um": "d", "length_um": "ℓ", "width_um": "b", "rho_p": "ρ_p"}
    e, s = err[err.route == route], steps[steps.route == route]
    parts = []
    for name in dict.fromkeys(e.descriptor):
        re, st = 100 * e[e.descriptor == name].rel_error, 100 * s[s.descriptor == name].truth_step
        steps_text = ", ".join(f"{v:+.0f} %" for v in st)
        parts.append(f"{short.get(name, name)} errors {re.min():+.0f} to {re.max():+.0f} % "
                     f"(truth's steps between neighbouring conditions: {steps_text})")
    bad = s[s.masked | ~s.same_sign]
    listed = "; ".join(f"{short.get(r.descriptor, r.descriptor)} {r.step} (truth {100 * r.truth_step:+.0f} %, "
                       f"route {100 * r.route_step:+.0f} %)" for r in bad[~bad.same_sign].itertuples())
    text = (f"{route} against the truth: {'; '.join(parts)}.\n{int(s.masked.sum())} of {len(s)} steps are masked "
            f"(route error ≥ the step) and {int((~s.same_sign).sum())} go the wrong way")
    text += f": {listed}." if listed else "."
    if "recovered" in s:
        text += (f" Measured as a change between conditions, where a bias common to both cancels, "
                 f"{int(s.recovered.sum())} of {len(s)} steps are recovered to within half their size.")
    return text
