"""The options of one assessment: how to read a bundle and what the outputs may show.

A base-layer module (beside ``words.py``) so every layer below the API takes the same typed
options: the bundle reader, the judge's result document, the reports, batch and diff.

>>> AssessOptions().suppress_below
10
>>> AssessOptions(include_sensitive=True).include_sensitive
True
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AssessOptions:
    """How to read a bundle and what the outputs may show.

    ``lenient``: set an invalid evidence file aside (as not provided) instead of stopping;
    ``include_sensitive``: quote fields marked ``x-sensitive``; ``suppress_below``: a count
    of people below it is shown as "fewer than N"; ``max_file_mb``: the largest evidence
    file read.
    """

    lenient: bool = False
    include_sensitive: bool = False
    suppress_below: int = 10
    max_file_mb: float = 50.0


DEFAULT = AssessOptions()

__all__ = ["AssessOptions", "DEFAULT"]
