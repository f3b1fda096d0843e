"""Concerns: raised, not checked or not raised; never a level, never a value read for status;
listed on the declaring node and every ancestor; test blocks can expect them."""

import json

import pytest
from test_evaluate import build, judge

from engine.judge.record import Concern
from engine.output.results import result_document
from engine.judge.criteria_tests import format_report, run_tests

SET = """
statement st "St" { under kq aggregate bands
  concern "A team is at foundations" when any(c in children where c.level == 1)
    advice "Talk with the team's leaders about what they need first."
  criterion a "A" { category processes
    level 2 when s.flag
    level 3 when s.flag
    concern "Few staff feel safe to speak up" when s.score < 40
      advice "Ask the guardian which teams to visit."
  }
  criterion b "B" { category processes
    let low = s.other < 2
    level 2 when s.flag
    concern "The other figure is low" when low
  }
}
key_question kq2 "Unused" { aggregate bands }
"""


def concerns(j, node):
    return {c.text: c.state for c in j[node].concerns}


@pytest.mark.parametrize("s, want", [
    ({"flag": True, "score": 10, "other": 5}, {"Few staff feel safe to speak up": "raised"}),
    ({"flag": True, "score": 50, "other": 5}, {"Few staff feel safe to speak up": "not_raised"}),
    ({"flag": True, "other": 5}, {"Few staff feel safe to speak up": "not_checked"}),
    (None, {"Few staff feel safe to speak up": "not_checked"}),
])
def test_a_concern_is_raised_not_raised_or_not_checked(tmp_path, s, want):
    j = judge(build(tmp_path, SET), s=s)
    assert concerns(j, "a") == want


def test_a_concern_changes_no_level_and_its_reads_do_not_make_a_status(tmp_path):
    criteria = build(tmp_path, SET)
    # s.flag known, s.score absent: the concern is not checked, but `a` is still rated:
    # the concern's unknown read of s.score does not count towards the status.
    j = judge(criteria, s={"flag": True, "other": 5})
    assert (j["a"].status, j["a"].low, j["a"].high) == ("rated", 3, 3)
    assert not any(r.pointer == "/score" for r in j["a"].reads)
    raised = judge(criteria, s={"flag": True, "score": 1, "other": 5})
    assert (raised["a"].low, raised["a"].high) == (3, 3)   # raised, and still 3


def test_concerns_read_lets_and_children(tmp_path):
    j = judge(build(tmp_path, SET), s={"flag": False, "score": 90, "other": 1})
    assert concerns(j, "b") == {"The other figure is low": "raised"}
    # a and b are at 1: the statement's concern over `children` is raised
    assert concerns(j, "st") == {"A team is at foundations": "raised"}
    event = j["st"].of_kind(Concern)[0]
    assert event.outcome is True and event.source == "set.crit:16"


def result_of(criteria, s):
    j = judge(criteria, s=s)
    return result_document(criteria, j, None, {}, None)


def test_raised_concerns_are_listed_on_the_node_and_every_ancestor(tmp_path):
    criteria = build(tmp_path, SET)
    result = result_of(criteria, {"flag": True, "score": 10, "other": 1})
    a = result["results"]["a"]["concerns"]
    assert [c["text"] for c in a] == ["Few staff feel safe to speak up"]
    assert a[0] == {"node": "a", "text": "Few staff feel safe to speak up",
                    "advice": "Ask the guardian which teams to visit.", "source": "set.crit:21",
                    "reads": [{"type": "s", "file": "s.json", "pointer": "/score",
                               "known": True, "sensitive": False, "value": 10}]}
    # the key question at 3 still lists both criteria's concerns, sorted by node then source
    for node in ("st", "kq"):
        assert [(c["node"], c["text"]) for c in result["results"][node]["concerns"]] == [
            ("a", "Few staff feel safe to speak up"), ("b", "The other figure is low")]
    assert result["results"]["kq2"]["concerns"] == []
    assert result["results"]["b"]["concerns_not_checked"] == []


def test_concerns_not_checked_are_listed_apart(tmp_path):
    result = result_of(build(tmp_path, SET), {"flag": True, "other": 5})
    kq = result["results"]["kq"]
    assert kq["concerns"] == []
    assert [c["text"] for c in kq["concerns_not_checked"]] == ["Few staff feel safe to speak up"]
    assert kq["concerns_not_checked"][0]["reads"][0]["known"] is False


def test_the_result_with_concerns_follows_the_schema(tmp_path):
    from tests.unit.output.test_results_schema import schema_problems

    criteria = build(tmp_path, SET)

    class Bundle:
        name = "b"
        files = unused = problems = ()

    manifest = {"provider": {"id": "X", "name": "X", "type": "acute"},
                "assessment": {"date": "2025-06-30", "kind": "self_assessment"}}
    j = judge(criteria, s={"flag": True, "score": 10, "other": 1})
    result = json.loads(json.dumps(result_document(criteria, j, Bundle(), manifest, None),
                                   default=str))
    assert schema_problems(result) == []


TESTS = SET + """
test "concerns as expected" {
  date 2025-06-30
  evidence s = {"flag": true, "score": 10}
  expect concern "Few staff feel safe to speak up" is raised
  expect concern "The other figure is low" is not_checked
  expect concern "A team is at foundations" is not_raised
}

test "a wrong concern expectation fails with the reads" {
  date 2025-06-30
  evidence s = {"flag": true, "score": 90}
  expect concern "Few staff feel safe to speak up" is raised
}
"""


def test_test_blocks_expect_concerns(tmp_path):
    report = run_tests(build(tmp_path, TESTS))
    text = format_report(report, coverage=True)
    first, second = report.outcomes
    assert first.ok, text
    assert not second.ok
    assert ('expect concern "Few staff feel safe to speak up" is raised\n'
            "  but it is not raised") in text
    assert "condition: false  [s (inline)#/score = 90]" in text
    assert "rungs, caps and concerns seen both true and false" in text
