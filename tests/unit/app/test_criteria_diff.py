"""The criteria half of `wellled diff`: each kind of edit a policy team makes, as the diff
names it (table-driven over copies of the shipped set), and the AST printer it compares."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.api import load_criteria
from engine.app.criteria_diff import criteria_changes
from engine.language.fmt_ast import format_expr
from engine.language.parse import parse_expression
from tests.diffcases import CONCERN, SHARED, SHIPPED, copy_set, replace

WORKFORCE = "statements/workforce_edi.crit"


@lru_cache(maxsize=1)
def shipped():
    return load_criteria(SHIPPED).checked


def changes_after(tmp_path: Path, edits) -> list[tuple]:
    folder = copy_set(tmp_path / "new")
    for relative, old, new in edits:
        replace(folder, relative, old, new)
    found = criteria_changes(shipped(), load_criteria(folder).checked)
    return [(c["node"], c["part"], c["change"], c["type"], c["old"], c["new"]) for c in found]


CASES = {
    "threshold": (
        [(SHARED, "level 2 when aware >= 50", "level 2 when aware >= 55")],
        [("staff_know_vision", "Level 2 (Developing)", "changed", "rule",
          "level 2 when aware >= 50", "level 2 when aware >= 55")]),
    "let": (
        [(SHARED, 'let aware = staff_survey.questions["vision_known"].percent_positive',
          'let aware = staff_survey.questions["vision_known"].percent_positive - 5')],
        [("staff_know_vision", "Value `aware`", "changed", "rule",
          'let aware = staff_survey.questions["vision_known"].percent_positive',
          'let aware = staff_survey.questions["vision_known"].percent_positive - 5')]),
    "category": (
        [(SHARED, "category staff_feedback", "category processes")],
        [("staff_know_vision", "Category", "changed", "rule", "staff_feedback",
          "processes")]),
    "applies": (
        [("statements/governance_management.crit", 'applies when provider.type == "mental_health"',
          'applies when provider.type in ["mental_health", "community"]')],
        [("mental_health_act_duties", "Applies when", "changed", "rule",
          'applies when provider.type == "mental_health"',
          'applies when provider.type in ["mental_health", "community"]')]),
    "advice is wording": (
        [(SHARED, "advice \"Help at least half", "advice \"Help half")],
        [("staff_know_vision", "Level 2 (Developing): advice", "changed", "wording", None, None)]),
    "rung removed": (
        [(SHARED, "    level 2 when aware >= 50\n      advice",
          "    # level 2 when aware >= 50\n      # advice")],
        "rung removed"),
    "band": (
        [("framework.crit", "band 3 from 63", "band 3 from 65")],
        [("cqc_bands", "Band for level 3 (Established)", "changed", "rule",
          "band 3 from 63", "band 3 from 65")]),
    "scale label is wording": (
        [("framework.crit", 'level 1 foundations "Foundations"',
          'level 1 foundations "Beginning"')],
        [("maturity", "Level 1: name", "changed", "wording", "Foundations", "Beginning")]),
    "aggregation of a statement": (
        [(WORKFORCE, "aggregate cqc_bands", "aggregate cqc_bands by category cqc_bands")],
        [("workforce_edi", "How the parts combine", "changed", "rule",
          "aggregate cqc_bands", "aggregate cqc_bands by category cqc_bands")]),
    "concern reworded": (
        [(SHARED, "    level 2 when aware >= 50", CONCERN + "    level 2 when aware >= 50")],
        None),
    "categories declared": (
        [("framework.crit", "  categories ", "  categories board_feedback ")],
        None),
    "cap level changed": (
        [("key_questions.crit", "cap 2 when any(c in children where c.level == 1)",
          "cap 1 when any(c in children where c.level == 1)")],
        [("well_led", "Cap at level 1 (Foundations)", "changed", "rule",
          "cap 2 when any(c in children where c.level == 1)",
          "cap 1 when any(c in children where c.level == 1)")]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_edit_is_named_as_a_policy_team_would(tmp_path, name):
    edits, expected = CASES[name]
    got = changes_after(tmp_path, edits)
    if name == "concern reworded":      # base: the shipped set plus the concern
        base = copy_set(tmp_path / "base")
        replace(base, *edits[0])
        folder = copy_set(tmp_path / "reworded")
        replace(folder, *edits[0])
        replace(folder, SHARED, "Fewer than four in five staff", "Under 80% of staff")
        found = criteria_changes(load_criteria(base).checked, load_criteria(folder).checked)
        assert [(c["part"], c["change"], c["type"], c["old"], c["new"]) for c in found] == [
            ("Concern \u201cUnder 80% of staff know the vision\u201d: text", "changed",
             "wording", "Fewer than four in five staff know the vision",
             "Under 80% of staff know the vision")]
        replace(folder, SHARED, "when aware < 80", "when aware < 75")
        found = criteria_changes(load_criteria(base).checked, load_criteria(folder).checked)
        assert [(c["change"], c["type"]) for c in found] == [("added", "rule"),
                                                             ("removed", "rule")]
        return
    if name == "categories declared":    # a list of names: compared as a set, sorted
        [(node, part, change, kind, old, new)] = got
        assert (node, part, change, kind) == ("cqc_well_led", "Evidence categories", "changed",
                                              "rule")
        assert new == "categories " + " ".join(sorted(old.split()[1:] + ["board_feedback"]))
        return
    if name == "rung removed":
        [(node, part, change, kind, old, new)] = got     # its advice goes with it
        assert (node, part, change, kind, new) == \
            ("staff_know_vision", "Level 2 (Developing)", "removed", "rule", None)
        assert old.startswith('level 2 when aware >= 50\nadvice "Help at least half of staff')
    else:
        assert [(g[0], g[1], g[2], g[3]) + ((g[4], g[5]) if expected[0][4] else ())
                for g in got] == [e[:4] + ((e[4], e[5]) if e[4] else ()) for e in expected]


def test_a_criterion_moved_to_another_statement_is_one_move(tmp_path):
    folder = copy_set(tmp_path / "new")
    text = (folder / SHARED).read_text(encoding="utf-8")
    start = text.index("  criterion staff_know_vision")
    end = text.index("\n  }\n", start) + len("\n  }\n")
    block = text[start:end]
    (folder / SHARED).write_text(text[:start] + text[end:], encoding="utf-8")
    replace(folder, WORKFORCE, "\n  criterion fair_recruitment",
            "\n" + block + "\n  criterion fair_recruitment")
    found = criteria_changes(shipped(), load_criteria(folder).checked)
    assert [(c["node"], c["part"], c["change"], c["old"], c["new"]) for c in found] == [
        ("staff_know_vision", "Placed under", "moved",
         "Shared direction and culture (shared_direction)",
         "Workforce equality, diversity and inclusion (workforce_edi)")]


def test_the_same_set_has_no_changes():
    assert criteria_changes(shipped(), shipped()) == []


_names = st.sampled_from(["a", "s.score", "x.y[0]", 'q["k"].p', "level(c)", "assessment.date"])
_atoms = st.one_of(_names, st.sampled_from(["70", "0.8", '"text"', "true", "none", "12 months",
                                            "2025-03-31", "[1, 2]"]))


@st.composite
def _exprs(draw, depth=0):
    if depth > 3 or draw(st.booleans()):
        return draw(_atoms)
    form = draw(st.integers(0, 6))
    a, b = draw(_exprs(depth + 1)), draw(_exprs(depth + 1))
    return [f"({a}) and ({b})", f"({a}) or ({b})", f"not ({a})", f"({a}) >= ({b})",
            f"({a}) - ({b}) * ({b})", f"count(x in ({a}) where ({b}))",
            f"max(({a}), ({b}))"][form]


@settings(max_examples=200, deadline=None)
@given(_exprs())
def test_printed_expressions_read_back_to_the_same_text(text):
    printed = format_expr(parse_expression(text))
    assert format_expr(parse_expression(printed)) == printed
    assert "  " not in printed
