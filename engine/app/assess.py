"""One assessment as the library runs it: criteria compiled, a bundle judged, its outputs
written as one set. ``engine.api`` offers these functions to callers outside the engine;
the use cases in ``engine/app/`` (batch, diff) call them here, so that ``app`` never
imports ``api`` and the two stay free of an import circle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.app.write import write_set
from engine.options import AssessOptions


def load_criteria(path: str | Path, limits=None):
    """Parse, check and compile the criteria set at ``path``: a ``CriteriaSet``.

    ``limits`` (``engine.language.limits.Limits``) bounds file size and nesting
    depth; the defaults suit every real framework. Raises ``CriteriaError``
    with every diagnostic when the set has errors.
    """
    from engine.judge.compile import compile_path  # lazy: start-up

    return compile_path(Path(path), limits)


def assess_bundle(criteria, bundle: str | Path, options: AssessOptions = AssessOptions()
                  ) -> dict[str, Any]:
    """Judge one evidence bundle: the ``result.json`` document, as plain data."""
    from engine.evidence.bundle import load_bundle  # lazy: start-up
    from engine.evidence.workbook import is_workbook  # lazy: start-up
    from engine.output.results import assess  # lazy: start-up

    if is_workbook(Path(bundle)):
        return assess_workbook(criteria, Path(bundle), options)
    loaded = load_bundle(Path(bundle), criteria.schemas, max_file_mb=options.max_file_mb,
                         lenient=options.lenient)
    return assess(criteria, loaded, options)


def assess_workbook(criteria, path: Path, options: AssessOptions = AssessOptions()
                    ) -> dict[str, Any]:
    """Judge an evidence workbook (``.xlsx``) read in memory: each read names its cell."""
    from engine.evidence.workbook import cite_cells, load_workbook_bundle  # lazy: start-up
    from engine.output.results import assess  # lazy: start-up

    loaded, book = load_workbook_bundle(path, criteria.schemas, max_file_mb=options.max_file_mb,
                                        lenient=options.lenient)
    return cite_cells(assess(criteria, loaded, options), book)


def write_outputs(result: dict[str, Any], out: Path, formats: tuple[str, ...],
                  options: AssessOptions = AssessOptions(), *, tidy: bool = True
                  ) -> list[Path]:
    """Write ``result.json``, ``report.html``, ``report.md``, ``report.pdf``, ``report.xlsx``
    (as asked) into ``out`` as one set: the previous set there is replaced in one step, or
    kept whole on a failure. ``tidy``: as ``write_set``'s."""
    from engine.output.board import board  # lazy: start-up
    from engine.output.report import render  # lazy: start-up
    from engine.output.results import result_bytes  # lazy: start-up

    names = {"json": "result.json", "html": "report.html", "md": "report.md",
             "pdf": "report.pdf", "xlsx": "report.xlsx"}
    texts: dict[str, str | bytes] = {}
    view = board(result) if "html" in formats and "md" in formats else None
    for fmt in formats:
        if fmt == "pdf":
            from engine.output.pdf import pdf_bytes  # lazy: start-up

            texts[names[fmt]] = pdf_bytes(result, options)
        elif fmt == "xlsx":
            from engine.output.xlsx import result_workbook  # lazy: start-up

            texts[names[fmt]] = result_workbook(result)
        else:
            texts[names[fmt]] = (result_bytes(result) if fmt == "json"
                                 else render(result, fmt, options, view=view))
    return write_set(Path(out), texts, tidy=tidy)
