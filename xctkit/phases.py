"""Phase label constants shared by every module.

Labelled volumes are small unsigned integers; always use these names, never the numbers.
"""

from __future__ import annotations

PORE: int = 0
"""Pore space (electrolyte-filled in a cell, air in a dry scan)."""
CBD: int = 1
"""Carbon-binder domain: carbon black + binder, low X-ray attenuation."""
NMC: int = 2
"""NMC811 active material (secondary particles)."""
CRACK: int = 3
"""Crack voids inside or between NMC particles (pore-like, but tracked separately in truth)."""

PHASE_NAMES: dict[int, str] = {PORE: "pore", CBD: "cbd", NMC: "nmc", CRACK: "crack"}

__all__ = ["PORE", "CBD", "NMC", "CRACK", "PHASE_NAMES"]
