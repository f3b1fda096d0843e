"""The library API that the CLI, a notebook or a web service call the same way.

>>> from engine.api import load_criteria, assess_bundle    # doctest: +SKIP
>>> criteria = load_criteria("criteria/cqc_well_led")      # parse, check, compile once
>>> result = assess_bundle(criteria, "examples/bundles/northfield")   # any number of times
>>> result["results"]["well_led"]["status"]
'rated'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.options import AssessOptions


def load_criteria(path: str | Path, limits=None):
    """Parse, check and compile the criteria set at ``path``: a ``CriteriaSet``.

    ``limits`` (``engine.language.limits.Limits``) bounds file size and nesting
    depth; the defaults suit every real framework. Raises ``CriteriaError``
    with every diagnostic when the set has errors.
    """
    from engine.judge.compile import compile_path

    return compile_path(Path(path), limits)


def assess_bundle(criteria, bundle: str | Path, options: AssessOptions = AssessOptions()
                  ) -> dict[str, Any]:
    """Judge one evidence bundle: the ``result.json`` document, as plain data."""
    from engine.evidence.bundle import load_bundle
    from engine.evidence.workbook import is_workbook
    from engine.output.results import assess

    if is_workbook(Path(bundle)):
        return assess_workbook(criteria, Path(bundle), options)
    loaded = load_bundle(Path(bundle), criteria.schemas, max_file_mb=options.max_file_mb,
                         lenient=options.lenient)
    return assess(criteria, loaded, options)


def assess_workbook(criteria, path: Path, options: AssessOptions = AssessOptions()
                    ) -> dict[str, Any]:
    """Judge an evidence workbook (``.xlsx``) read in memory: each read names its cell."""
    from engine.evidence.workbook import cite_cells, load_workbook_bundle
    from engine.output.results import assess

    loaded, book = load_workbook_bundle(path, criteria.schemas, max_file_mb=options.max_file_mb,
                                        lenient=options.lenient)
    return cite_cells(assess(criteria, loaded, options), book)


def write_outputs(result: dict[str, Any], out: Path, formats: tuple[str, ...],
                  options: AssessOptions = AssessOptions()) -> list[Path]:
    """Write ``result.json``, ``report.html``, ``report.md``, ``report.pdf``, ``report.xlsx``
    (as asked) into ``out`` as one set: the previous set there is replaced in one step, or
    kept whole on a failure."""
    from engine.output.board import board
    from engine.output.report import render
    from engine.output.results import dump_result
    from engine.output.write import write_set

    names = {"json": "result.json", "html": "report.html", "md": "report.md",
             "pdf": "report.pdf", "xlsx": "report.xlsx"}
    texts: dict[str, str | bytes] = {}
    view = board(result) if "html" in formats and "md" in formats else None
    for fmt in formats:
        if fmt == "pdf":
            from engine.output.pdf import pdf_bytes

            texts[names[fmt]] = pdf_bytes(result, options)
        elif fmt == "xlsx":
            from engine.output.xlsx import result_workbook

            texts[names[fmt]] = result_workbook(result)
        else:
            texts[names[fmt]] = (dump_result(result) if fmt == "json"
                                 else render(result, fmt, options, view=view))
    return write_set(Path(out), texts)


__all__ = ["AssessOptions", "assess_bundle", "assess_workbook", "load_criteria",
           "write_outputs"]
