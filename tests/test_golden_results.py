"""result.json, report.md, report.html and the whole explain trace of every case, byte for byte.

The stored copies in tests/golden/results/ were made before the typed judgement
record (issue 13; report.html before the batch speed work of issue 15) and are the
proof that a change of structure changed no output.
After a deliberate change of rule or wording, store them again with
``.venv/bin/python scripts/store_results.py`` and review the diff in git.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from tests.result_cases import Case, cases

GOLDEN = Path(__file__).parent / "golden" / "results"
SUFFIXES = ("result.json", "report.md", "report.html", "explain.txt")


@lru_cache(maxsize=None)
def _criteria(path: Path):
    from engine.api import load_criteria

    return load_criteria(path)


def outputs(case: Case) -> dict[str, str]:
    """Each stored output of ``case``, made as ``wellled assess`` makes it: result.json,
    report.md and report.html as written to disk (``write_outputs``), then the explain trace."""
    import tempfile

    from engine.api import AssessOptions, assess_bundle
    from engine.app.assess import write_outputs
    from engine.output.explain import explain_text

    options = AssessOptions(**case.options)
    result = assess_bundle(_criteria(case.criteria), case.bundle, options)
    explained = "\n".join(explain_text(result, node) for node in result["results"])
    with tempfile.TemporaryDirectory() as folder:
        written = write_outputs(result, Path(folder) / "out", ("json", "md", "html"), options)
        texts = {path.name: path.read_bytes().decode("utf-8") for path in written}
    return {**texts, "explain.txt": explained}


CASES = cases()


def test_every_case_has_its_stored_copies() -> None:
    stored = {p.name for p in GOLDEN.iterdir()}
    wanted = {f"{case.name}.{suffix}" for case in CASES for suffix in SUFFIXES}
    assert wanted - stored == set()
    assert stored - wanted == set(), "stored copies of cases that no longer exist"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_outputs_are_byte_identical_to_the_stored_copies(case: Case) -> None:
    for suffix, text in outputs(case).items():
        stored = (GOLDEN / f"{case.name}.{suffix}").read_text(encoding="utf-8")
        assert text == stored, f"{case.name}.{suffix} differs from its stored copy"
