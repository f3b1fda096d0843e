"""engine/output/compare.py: the change of one node, and refusals (assess and batch --since)."""

from __future__ import annotations

import pytest

from engine.errors import UsageError
from engine.output.compare import change, check_comparable, compare, counts_words


@pytest.mark.parametrize("was,now,expected", [
    (None, (2, 2, "rated"), "new"),
    ((2, 2, "rated"), (2, 2, "rated"), "same"),
    ((2, 2, "rated"), (3, 3, "rated"), "up"),
    ((2, 3, "partial"), (3, 4, "partial"), "up"),
    ((3, 3, "rated"), (2, 2, "rated"), "down"),
    ((2, 4, "partial"), (3, 3, "rated"), "range narrowed"),
    ((2, 4, "partial"), (2, 3, "partial"), "range narrowed"),
    ((3, 3, "rated"), (2, 4, "partial"), "range widened"),
    ((2, 3, "partial"), (1, 4, "partial"), "range widened"),
    ((None, None, "not_assessed"), (2, 3, "partial"), "newly assessed"),
    ((2, 3, "partial"), (None, None, "not_assessed"), "no longer assessed"),
    ((None, None, "not_assessed"), (None, None, "not_applicable"), "same"),
])
def test_change(was, now, expected):
    assert change(was, now) == expected


def _result(fw_id="cqc_well_led", version="2024.1", level=2):
    node = {"kind": "criterion", "title": "A", "status": "rated", "level": level,
            "max_level": level, "label": f"L{level}", "max_label": f"L{level}"}
    return {"framework": {"id": fw_id, "version": version}, "order": ["a"],
            "results": {"a": node}, "bundle": {"assessment": {"date": "2024-06-30"},
                                               "provider": {"name": "T"}}}


def test_compare_counts_and_words():
    since = compare(_result(level=2), _result(level=3))
    assert since["nodes"]["a"] == {"change": "up", "was": "L2", "words": "up: was L2, now L3"}
    assert since["counts"] == {"up": 1} and since["lead"] == "1 up"
    assert since["previous"] == {"date": "2024-06-30", "provider": "T"}


@pytest.mark.parametrize("other", [_result(fw_id="nhs_well_led_2017"), _result(version="2025.1")])
def test_other_criteria_are_refused(other):
    with pytest.raises(UsageError, match="cannot be compared"):
        check_comparable(other, _result())


def test_counts_words_orders_changes_before_the_same():
    assert counts_words({"same": 30, "down": 1, "up": 2}) == "2 up, 1 down, 30 the same"
