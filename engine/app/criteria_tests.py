"""``wellled test`` as a library call: run a criteria set's ``test`` blocks, report them
and, if asked, write the JUnit XML file.

Running and reporting are ``engine.judge.criteria_tests`` (no files written there); this
module writes the one file, atomically.

>>> report, text = run_criteria_tests(criteria, coverage=True)   # doctest: +SKIP
>>> write_junit(report, Path("tests.xml"))                       # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from engine.judge.compiled import CriteriaSet
from engine.judge.criteria_tests import TestReport, format_report, junit_xml, run_tests
from engine.app.write import atomic_write


def write_junit(report: TestReport, path: Path) -> None:
    """Write the report as JUnit XML at ``path``, atomically."""
    atomic_write(Path(path), junit_xml(report))


def run_criteria_tests(criteria: CriteriaSet, coverage: bool = False
                       ) -> tuple[TestReport, str]:
    """Run every test block of the set, in file order; the report and its text."""
    report = run_tests(criteria)
    return report, format_report(report, coverage=coverage)
