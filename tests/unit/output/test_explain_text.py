"""``wellled explain``: each kind of event of the judgement record as one readable line
(engine/output/explain.py), table-driven over typed events written the one way
(``results.event_document``) into a small result document.
"""

from __future__ import annotations

import pytest

from engine.errors import UsageError
from engine.judge.record import (
    Aggregate,
    Applies,
    Cap,
    Category,
    Concern,
    Excluded,
    Input,
    Ladder,
    Let,
    Read,
    Rung,
)
from engine.judge.values import UNKNOWN, Range
from engine.output.explain import explain_text, judgement_line
from engine.output.results import event_document

SCALE = [{"level": n, "id": f"l{n}", "label": label, "description": None}
         for n, label in enumerate(("Foundations", "Developing", "Established", "Exemplary"),
                                   start=1)]
LABELS = {step["level"]: step["label"] for step in SCALE}
KNOWN = Read("ftsu", "ftsu.yaml", "/guardian_in_post", True, False, True)
MISSING = Read("staff_survey", None, "/rate", False, False, None)
SECRET = Read("ftsu", "ftsu.yaml", "/summary", True, True, "[sensitive]")


def _node(events, **fields) -> dict:
    node = {"kind": "criterion", "title": "Staff can speak up", "parent": "st",
            "status": "partial", "level": 2, "max_level": 3, "label": "Developing",
            "max_label": "Established", "source": "a.crit:1", "category": None,
            "coverage": None, "advice": None, "next_step": None, "gaps": [],
            "concerns": [], "concerns_not_checked": [],
            "trace": [event_document(e, LABELS.get, include=False) for e in events]}
    node.update(fields)
    return node


def _result(node: dict, **others) -> dict:
    return {"framework": {"scale": SCALE, "root": "c"},
            "results": {"c": node, **others}}


def _body(events, **others) -> list[str]:
    """The lines of the trace only: between the heading's blank line and the closing one."""
    text = explain_text(_result(_node(events), **others), "c")
    return text.split("\n\n")[1].splitlines()


@pytest.mark.parametrize("event,lines", [
    (Applies("a.crit:2", True, (KNOWN,)),
     ["applies (a.crit:2): true", "    ftsu.yaml#/guardian_in_post = true"]),
    (Let("rate", "a.crit:3", 87.5, True, (), 0), ["let rate = 87.5 (a.crit:3)"]),
    (Let("lvl", "a.crit:3", Range(2, 3), True), ['let lvl = {"high": 3, "low": 2} (a.crit:3)']),
    (Let("rate", "a.crit:3", UNKNOWN, False, (MISSING,)),
     ["let rate = unknown (a.crit:3)", "    staff_survey (not provided)#/rate = unknown"]),
    (Rung(2, "a.crit:4", True, "Staff know whom to ask.", None, (KNOWN,)),
     ["rung 2 Developing (a.crit:4): met", "    ftsu.yaml#/guardian_in_post = true",
      "    because: Staff know whom to ask."]),
    (Rung(3, "a.crit:5", False, None, None), ["rung 3 Established (a.crit:5): not met"]),
    (Rung(4, "a.crit:6", UNKNOWN, None, None, (SECRET,), 12),
     ["rung 4 Exemplary (a.crit:6): unknown",
      '    ftsu.yaml#/summary = "[sensitive]" (sensitive)',
      "    and 12 more values read, not listed here"]),
    (Cap(2, "a.crit:7", True, "No guardian.", None, effect="both"),
     ["cap 2 (a.crit:7): true, level held at 2", "    because: No guardian."]),
    (Cap(2, "a.crit:7", UNKNOWN, None, None, effect="low"),
     ["cap 2 (a.crit:7): unknown, assured level held at 2"]),
    (Cap(2, "a.crit:7", False, None, None), ["cap 2 (a.crit:7): false, no effect"]),
    (Ladder(2, 3, "a.crit:1", "rung 2 true, rung 3 unknown: level 2, could be 3"),
     ["ladder: rung 2 true, rung 3 unknown: level 2, could be 3 -> 2 to 3"]),
    (Ladder(1, 1, "a.crit:1", "no rungs: level 1"), ["ladder: no rungs: level 1 -> 1"]),
    (Aggregate("mean", "mean", "kq.crit:2", 2, 3,
               (Input("a", 2, 2, "rated"), Input("b", 1, 4, "not_assessed")), "mean 1.5 to 3"),
     ["aggregate by mean (mean) (kq.crit:2): a 2, b 1 to 4 (not assessed: the whole scale)",
      "    mean 1.5 to 3", "    -> 2 to 3"]),
    (Category("staff_feedback", "worst", "worst", "kq.crit:2", 1, 1,
              (Input("a", 1, 1, "rated"),), "worst of 1: 1"),
     ["category staff_feedback by worst (kq.crit:2): a 1", "    worst of 1: 1", "    -> 1"]),
    (Concern("Cases wait too long", "Ask why.", "a.crit:9", True, (KNOWN,)),
     ["concern (a.crit:9): raised: Cases wait too long", "    ftsu.yaml#/guardian_in_post = true",
      "    to discuss: Ask why."]),
    (Concern("Cases wait too long", "Ask why.", "a.crit:9", UNKNOWN),
     ["concern (a.crit:9): not checked (evidence not provided): Cases wait too long"]),
    (Concern("Cases wait too long", "Ask why.", "a.crit:9", False),
     ["concern (a.crit:9): not raised: Cases wait too long"]),
])
def test_each_event_in_words(event, lines):
    assert _body([event]) == lines


def test_a_child_left_out_is_named_with_its_title():
    other = _node([], title="Sustainability", status="not_applicable", level=None,
                  max_level=None, label=None, max_label=None)
    assert _body([Excluded("env", "not_applicable", "kq.crit:2")], env=other) == [
        "left out: env (Sustainability): not applicable"]


def test_heading_and_closing():
    node = _node([Ladder(2, 3, "a.crit:1", "t")], advice="Run the survey.",
                 next_step={"level": 3, "label": "Established", "advice": None,
                            "unmet": [{"words": "rate is 40%; this level needs at least 60%",
                                       "condition": "rate >= 60"}]},
                 gaps=[{"evidence": "staff_survey", "title": "NHS Staff Survey",
                        "pointer": "/rate", "provided": False}])
    text = explain_text(_result(node), "c")
    assert text.splitlines()[:3] == [
        "c: Staff can speak up", "criterion under st, declared at a.crit:1",
        "judgement: partial: Developing, could be Established (2 to 3)"]
    assert text.endswith("next step: Run the survey.\n"
                         "to reach level 3 (Established), not yet met:\n"
                         "    rate is 40%; this level needs at least 60%  [rate >= 60]\n"
                         "evidence gap: staff_survey (NHS Staff Survey) /rate\n")


def test_a_parent_line_never_hides_its_coverage():
    node = _node([], kind="statement", coverage={"assessed": 1, "of": 3}, children=["a", "b"],
                 level=1, max_level=4, label="Foundations", max_label="Exemplary")
    kids = {k: _node([], kind="criterion") for k in ("a", "b")}
    assert judgement_line(node, kids) == (
        "Foundations, could be Exemplary (1 to 4, partial, judged on 1 of 3 criteria)")


def test_an_unknown_node_is_a_usage_error_with_a_hint():
    result = _result(_node([]), raise_concerns=_node([]))
    with pytest.raises(UsageError, match="did you mean `raise_concerns`"):
        explain_text(result, "raise_concern")
