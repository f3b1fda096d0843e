"""Three-valued logic, ranges, dates and durations: one table per rule of the spec."""

import datetime as dt

import pytest

from engine.judge import values as v
from engine.judge.values import UNKNOWN as U
from engine.judge.values import Dur, Fault, Range

T, F = True, False


@pytest.mark.parametrize("a, b, want", [
    (T, T, T), (T, F, F), (T, U, U),
    (F, T, F), (F, F, F), (F, U, F),
    (U, T, U), (U, F, F), (U, U, U),
])
def test_and_is_kleene(a, b, want):
    assert v.and3(a, b) is want


@pytest.mark.parametrize("a, b, want", [
    (T, T, T), (T, F, T), (T, U, T),
    (F, T, T), (F, F, F), (F, U, U),
    (U, T, T), (U, F, U), (U, U, U),
])
def test_or_is_kleene(a, b, want):
    assert v.or3(a, b) is want


@pytest.mark.parametrize("a, want", [(T, F), (F, T), (U, U)])
def test_not_is_kleene(a, want):
    assert v.not3(a) is want


@pytest.mark.parametrize("items, all_, any_", [
    ([], T, F),
    ([T, T], T, T),
    ([T, F], F, T),
    ([T, U], U, T),
    ([F, U], F, U),
    ([U, U], U, U),
])
def test_all_and_any_follow_kleene_element_by_element(items, all_, any_):
    assert v.all3(items) is all_
    assert v.any3(items) is any_


@pytest.mark.parametrize("op, a, b, want", [
    (">=", Range(2, 4), 2, T),      # holds for every level in the range
    (">=", Range(2, 4), 3, U),      # holds for some
    (">=", Range(2, 4), 5, F),      # holds for none
    ("<", Range(2, 4), 2, F),
    ("<", Range(1, 4), 2, U),
    ("<", Range(1, 1), 2, T),
    ("==", Range(3, 3), 3, T),
    ("==", Range(2, 3), 3, U),
    ("==", Range(2, 3), 4, F),
    ("!=", Range(2, 3), 4, T),
    ("!=", Range(2, 3), 3, U),
    (">", 3, Range(1, 2), T),
    ("<=", Range(1, 2), Range(2, 3), T),
    ("<=", Range(1, 3), Range(2, 3), U),
    (">=", U, 2, U),
    ("==", U, U, U),
])
def test_comparisons_with_ranges_and_unknown(op, a, b, want):
    assert v.compare(op, a, b) is want


@pytest.mark.parametrize("a, container, want", [
    ("staff", ["staff", "governors"], T),
    ("public", ["staff"], F),
    (Range(1, 2), [1, 2], T),
    (Range(1, 3), [1, 2], U),
    (Range(3, 4), [1, 2], F),
    (U, [1], U),
    ("ward", "ward 7", T),
])
def test_membership(a, container, want):
    assert v.member(a, container) is want


@pytest.mark.parametrize("date, dur, want", [
    (dt.date(2025, 3, 31), Dur(-1, "months"), dt.date(2025, 2, 28)),   # day clamped
    (dt.date(2024, 3, 31), Dur(-1, "months"), dt.date(2024, 2, 29)),   # leap year
    (dt.date(2024, 2, 29), Dur(1, "years"), dt.date(2025, 2, 28)),
    (dt.date(2025, 6, 30), Dur(-12, "months"), dt.date(2024, 6, 30)),
    (dt.date(2025, 1, 31), Dur(1, "months"), dt.date(2025, 2, 28)),
    (dt.date(2025, 12, 15), Dur(1, "months"), dt.date(2026, 1, 15)),
    (dt.date(2025, 6, 30), Dur(-90, "days"), dt.date(2025, 4, 1)),
    (dt.date(2025, 6, 30), Dur(2, "weeks"), dt.date(2025, 7, 14)),
])
def test_calendar_durations_clamp_the_day(date, dur, want):
    assert v.arith("+", date, dur) == want


def test_date_minus_duration_and_date_difference():
    assert v.arith("-", dt.date(2025, 6, 30), Dur(12, "months")) == dt.date(2024, 6, 30)
    assert v.arith("-", dt.date(2025, 6, 30), dt.date(2025, 6, 1)) == Dur(29, "days")
    assert v.compare("<=", Dur(29, "days"), Dur(4, "weeks")) is F


@pytest.mark.parametrize("op, a, b, want", [
    ("+", 2, 3, 5), ("-", 2, 3, -1), ("*", 2, 3, 6), ("/", 6, 3, 2), ("/", 1, 4, 0.25),
    ("+", Range(1, 2), 1, Range(2, 3)), ("-", 5, Range(1, 2), Range(3, 4)),
    ("*", Range(1, 2), 2, Range(2, 4)), ("+", U, 1, U),
])
def test_arithmetic(op, a, b, want):
    assert v.arith(op, a, b) == want


@pytest.mark.parametrize("op, a, b", [
    ("/", 1, 0), ("/", 1, Range(-1, 1)), ("+", "a", 1), ("-", dt.date(2025, 1, 1), 3),
])
def test_faults_of_arithmetic_raise_fault(op, a, b):
    with pytest.raises(Fault):
        v.arith(op, a, b)


def test_comparing_unlike_values_is_a_fault_not_false():
    with pytest.raises(Fault):
        v.compare("<", "70", 70)


def test_unknown_has_no_truth_value():
    with pytest.raises(TypeError):
        bool(U)


def test_months_do_not_compare_with_days():
    with pytest.raises(Fault):
        v.compare("<", Dur(1, "months"), Dur(30, "days"))


@pytest.mark.parametrize("op, a, b, want", [
    (">=", dt.date(2025, 6, 30), "2025-01-01", T),     # an ISO date kept as text by its schema
    ("==", "2025-06-30", dt.date(2025, 6, 30), T),
    ("<", "2025-07-01", dt.date(2025, 6, 30), F),
])
def test_a_date_compares_with_an_iso_date_written_as_text(op, a, b, want):
    assert v.compare(op, a, b) is want


def test_a_date_compared_with_other_text_is_a_fault():
    with pytest.raises(Fault, match="write dates as YYYY-MM-DD"):
        v.compare("<", dt.date(2025, 6, 30), "last spring")
