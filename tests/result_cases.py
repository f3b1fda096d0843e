"""The assessments whose outputs are stored in tests/golden/results/ (see test_golden_results.py).

Each case is one criteria set, one bundle and the options it runs with. Together they
cover every shipped set with every example bundle, the conformance examples, every
fixture set under tests/data and a generated set that uses every kind of expression.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
EXAMPLES = ("eastmarch", "harrowmere", "lowbridge", "northfield")
SETS = ("cqc_well_led", "cqc_well_led_2023", "nhs_well_led_2017")


@dataclass(frozen=True)
class Case:
    name: str
    criteria: Path
    bundle: Path
    options: dict = field(default_factory=dict)


def cases() -> list[Case]:
    found = [Case(f"{set_}.{bundle}", ROOT / "criteria" / set_, ROOT / "examples" / "bundles" / bundle)
             for set_ in SETS for bundle in EXAMPLES]
    found += [
        Case("cqc_well_led.northfield.sensitive", ROOT / "criteria" / "cqc_well_led",
             ROOT / "examples" / "bundles" / "northfield", {"include_sensitive": True}),
        Case("cqc_well_led.harrowmere.no_suppression", ROOT / "criteria" / "cqc_well_led",
             ROOT / "examples" / "bundles" / "harrowmere", {"suppress_below": 0}),
    ]
    for sub in ("conformance", "worked_example", "crit_tests", "concerns", "generated"):
        set_ = DATA / sub / ("criteria" if sub == "conformance" else
                             "set" if sub == "generated" else "")
        for bundle in sorted((DATA / sub / "bundles").iterdir()):
            found.append(Case(f"{sub}.{bundle.name}", set_, bundle))
    return found
