"""The ladder, caps and status rules of "Judging a criterion"."""

import pytest

from engine.judge.judge import apply_cap, ladder, status_of
from engine.judge.values import UNKNOWN as U

T, F = True, False


@pytest.mark.parametrize("outcomes, want", [
    ({}, (1, 1)),                                  # no rung: level 1
    ({2: T, 3: T, 4: T}, (4, 4)),
    ({2: T, 3: F, 4: T}, (2, 2)),                  # a false rung stops the climb
    ({2: T, 3: U, 4: T}, (2, 4)),
    ({2: U, 3: T, 4: T}, (1, 4)),
    ({2: F, 3: U, 4: U}, (1, 1)),
    ({2: T, 3: T}, (3, 3)),                        # no level above the highest rung
    ({2: T, 3: U}, (2, 3)),
    ({2: T, 4: T}, (4, 4)),                        # level 3 takes rung 4
    ({2: T, 4: F}, (2, 2)),                        # a gap is no free step
    ({2: T, 4: U}, (2, 4)),
    ({3: T}, (3, 3)),                              # level 2 takes rung 3
    ({3: F}, (1, 1)),
    ({3: U}, (1, 3)),
    ({4: U}, (1, 4)),
])
def test_ladder(outcomes, want):
    assert ladder(outcomes) == want


@pytest.mark.parametrize("low, high, cap, outcome, want", [
    (3, 4, 2, T, (2, 2, "both")),     # a true cap caps both ends
    (3, 4, 2, U, (2, 4, "low")),      # an unknown cap caps the low end
    (3, 4, 2, F, (3, 4, None)),
    (1, 2, 3, T, (1, 2, None)),       # a cap above the level changes nothing
    (2, 3, 2, U, (2, 3, None)),
    (4, 4, 3, T, (3, 3, "both")),
])
def test_caps(low, high, cap, outcome, want):
    assert apply_cap(low, high, cap, outcome) == want


@pytest.mark.parametrize("low, high, known, unknown, want", [
    (2, 2, 0, 1, "rated"),            # rated whenever low = high
    (1, 4, 0, 1, "not_assessed"),     # every value read was unknown
    (1, 4, 1, 1, "partial"),
    (1, 4, 0, 0, "partial"),          # nothing read: not "not assessed"
])
def test_status(low, high, known, unknown, want):
    assert status_of(low, high, known, unknown) == want
