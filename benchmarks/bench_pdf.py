"""``report.pdf`` of each example bundle (issue 15): timed on its own, not with the other
formats, because WeasyPrint lays out some forty A4 pages per report."""

from __future__ import annotations

from pathlib import Path

from benchmarks.timing import Figure, load_once, once
from engine.api import AssessOptions, assess_bundle

ROOT = Path(__file__).resolve().parent.parent
SECTION = "report.pdf: shipped cqc_well_led x examples/bundles (WeasyPrint)"


def run(work: Path, quick: bool) -> list[Figure]:
    from engine.output.pdf import available, pdf_bytes

    if not available():
        return [Figure(SECTION, "skipped", 0, "", "WeasyPrint is not installed")]
    criteria = load_once(ROOT / "criteria" / "cqc_well_led")
    options = AssessOptions()
    figures = []
    for bundle in sorted(p for p in (ROOT / "examples" / "bundles").iterdir() if p.is_dir()):
        result = assess_bundle(criteria, bundle, options)
        seconds, data = once(lambda result=result: pdf_bytes(result, options))
        pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
        figures.append(Figure(SECTION, f"{bundle.name}: {pages} pages", seconds, "s",
                              f"{len(data) // 1024} kB"))
    return figures
