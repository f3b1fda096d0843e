"""Where the project's data folders are: inside the wheel, or at the checkout root.

A wheel carries grammar/, criteria/, evidence_schemas/ and reports/ as
``engine/_data/<name>``; a checkout (or an editable install) has them beside
the ``engine`` package. The wheel copy wins when both exist.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder ``name`` (``grammar``, ``criteria``, ``evidence_schemas``, ``reports``)."""
    bundled = _PACKAGE / "_data" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / name


def shipped_criteria(name: str) -> Path | None:
    """The shipped criteria set called ``name`` (``cqc_well_led``), if there is one."""
    path = data_dir("criteria") / name
    return path if path.is_dir() else None


DEFAULT_CRITERIA = "cqc_well_led"
