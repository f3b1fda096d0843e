"""report.xlsx rows: coverage, concerns and the next step from the result, in words."""

from __future__ import annotations

import pytest

from engine.output.xlsx import gap_rows, node_rows, tree_order


def _result(**extra):
    node = {"kind": "statement", "title": "Shared direction", "children": ["c1"], "level": 2,
            "max_level": 3, "label": "Developing", "max_label": "Established",
            "status": "partial", "advice": "Refresh the strategy.", "gaps": []}
    node.update(extra)
    crit = {"kind": "criterion", "title": "Strategy", "children": [], "level": None,
            "max_level": None, "label": None, "max_label": None, "status": "not_assessed",
            "advice": None, "gaps": [{"evidence": "strategy", "pointer": "/approved_on",
                                      "title": "Trust strategy", "provided": True}]}
    return {"framework": {"root": "s", "scale": [{"level": n, "label": label} for n, label in
                                                 enumerate(["Foundations", "Developing",
                                                            "Established", "Exemplary"], 1)]},
            "order": ["c1", "s"], "results": {"s": node, "c1": crit}}


@pytest.mark.parametrize("extra,coverage,concerns,step", [
    ({}, "", "", "Refresh the strategy."),
    ({"coverage": {"assessed": 1, "of": 3}}, "judged on 1 of 3 criteria", "",
     "Refresh the strategy."),
    ({"coverage": {"assessed": 3, "of": 3}}, "judged on all 3 criteria", "",
     "Refresh the strategy."),
    ({"concerns": [{"node": "s", "text": "A team describes a closed culture",
                    "advice": "Visit the team.", "source": "x.crit:3", "reads": []},
                   {"node": "c1", "text": "=no board report", "advice": None,
                    "source": "x.crit:9", "reads": []}]},
     "", "A team describes a closed culture (Visit the team.)\n=no board report",
     "Refresh the strategy."),
    ({"next_step": {"level": 3, "advice": "Report to the board twice a year.", "unmet": [
        {"condition": "ftsu.reports >= 2", "outcome": "false",
         "words": "board reports are 1; this level needs at least 2", "reads": []},
        {"condition": "x", "outcome": "unknown", "words": "not yet provided: ftsu.yaml",
         "reads": []},
        {"condition": "y", "outcome": "unknown", "words": "not yet provided: ftsu.yaml",
         "reads": []}]}},
     "", "", "To reach Established: Report to the board twice a year.\nboard reports are 1; "
             "this level needs at least 2\nnot yet provided: ftsu.yaml"),
])
def test_summary_rows_render_the_result_fields_when_present(extra, coverage, concerns, step):
    rows = node_rows(_result(**extra))
    assert [r[0] for r in rows] == ["s", "c1"]          # from the top down
    assert rows[0][3:] == ["Developing, could be Established", 2, "2 to 3", "partial",
                           coverage, concerns, step]
    assert rows[1][3:8] == ["Not assessed: evidence needed", "", "–", "not assessed", ""]


def test_gap_rows_list_gaps_and_concerns_not_checked_once():
    result = _result(concerns_not_checked=[
        {"node": "s", "text": "Board has not heard from the guardian", "advice": None,
         "source": "x.crit:5", "reads": [{"type": "ftsu", "pointer": "/last_board_report_on",
                                          "known": False}]}])
    result["results"]["c1"]["concerns_not_checked"] = []
    assert tree_order(result) == ["s", "c1"]
    assert gap_rows(result) == [
        ["c1", "Strategy", "evidence gap", "strategy", "Trust strategy", "/approved_on",
         "the document is given but this field is empty"],
        ["s", "Shared direction", "concern not checked", "", "", "ftsu /last_board_report_on",
         "Board has not heard from the guardian"]]
