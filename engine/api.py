"""The library API that the CLI, a notebook or a web service call the same way.

>>> from engine.api import load_criteria, assess_bundle    # doctest: +SKIP
>>> criteria = load_criteria("criteria/cqc_well_led")      # parse, check, compile once
>>> result = assess_bundle(criteria, "examples/bundles/northfield")   # any number of times
>>> result["results"]["well_led"]["status"]
'rated'
"""

from __future__ import annotations

from engine.app.assess import assess_bundle, assess_workbook, load_criteria, write_outputs
from engine.options import AssessOptions

__all__ = ["AssessOptions", "assess_bundle", "assess_workbook", "load_criteria",
           "write_outputs"]
