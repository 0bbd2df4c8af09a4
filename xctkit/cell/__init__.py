"""Cell performance from measured structure: PyBaMM parameters and simulations.

Measured quantities (porosity, tortuosity factors, particle sizes, surface area, thickness) map to the
positive electrode of a PyBaMM cell (:func:`electrode_parameters`, :meth:`CellParameters.to_pybamm`);
:func:`simulate_discharge` and :func:`rate_table` run constant-current discharges (DFN, SPMe) and
:func:`one_at_a_time` / :func:`global_sensitivity` rank which measured quantity moves the capacity.
Parameter sets come bundled with PyBaMM (``Chen2020``); nothing is downloaded.

.. autosummary::

   electrode_parameters
   CellParameters
   bruggeman_exponent
   chen2020_parameters
   simulate_discharge
   Discharge
   rate_table
   measured_ranges
   one_at_a_time
   global_sensitivity
"""

from ._parameters import (
    BASE_SETS,
    NMC811_DENSITY_G_CM3,
    CellParameters,
    bruggeman_exponent,
    chen2020_parameters,
    electrode_parameters,
)
from ._simulate import (
    COARSE_MESH,
    MODELS,
    SENSITIVITY_QUANTITIES,
    Discharge,
    global_sensitivity,
    measured_ranges,
    one_at_a_time,
    rate_table,
    simulate_discharge,
)

__all__ = [
    "electrode_parameters",
    "CellParameters",
    "bruggeman_exponent",
    "chen2020_parameters",
    "BASE_SETS",
    "NMC811_DENSITY_G_CM3",
    "simulate_discharge",
    "Discharge",
    "rate_table",
    "measured_ranges",
    "one_at_a_time",
    "global_sensitivity",
    "MODELS",
    "COARSE_MESH",
    "SENSITIVITY_QUANTITIES",
]
