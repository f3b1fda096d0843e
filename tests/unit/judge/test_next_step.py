"""The next step names what is not yet met: the lowest unmet rung, broken down to its
comparisons, with the value read and the threshold in words (result.json `next_step`)."""

import pytest
from test_evaluate import build, judge, one_criterion

from engine.output.results import result_document


def next_step(tmp_path, body, s):
    criteria = build(tmp_path, one_criterion(body))
    result = result_document(criteria, judge(criteria, s=s), None, {}, None)
    return result["results"]["c"]["next_step"]


CASES = [
    ("an and: only the part not met",
     "level 2 when s.flag\nlevel 3 when s.score >= 50 and s.other >= 3\n  advice \"Raise other.\"",
     {"flag": True, "score": 60, "other": 1},
     3, [("s.other >= 3", "false", "s other is 1; this level needs at least 3")]),
    ("an or: every part, since any one would do",
     "level 2 when s.score >= 90 or s.other >= 5",
     {"score": 60, "other": 1},
     2, [("s.score >= 90", "false", "s score is 60; this level needs at least 90"),
         ("s.other >= 5", "false", "s other is 1; this level needs at least 5")]),
    ("a nested or that holds is not listed",
     "level 2 when s.flag and (s.score >= 90 or s.other >= 5)",
     {"flag": False, "score": 95, "other": 1},
     2, [("s.flag", "false", "s flag is no; this level needs yes")]),
    ("a condition that is not a comparison",
     "level 2 when all(i in s.items where i > 2)",
     {"items": [1, 5]},
     2, [("all(i in s.items where i > 2)", "false", "not yet met: every one of Survey › items meets: each is more than 2")]),
    ("a document not provided",
     "level 2 when s.score >= 50",
     None,
     2, [("s.score >= 50", "unknown", "not yet provided: Survey (s)")]),
    ("a field not provided",
     "level 2 when s.flag\nlevel 3 when s.score >= 50",
     {"flag": True},
     3, [("s.score >= 50", "unknown", "not yet provided: Survey: score")]),
    ("a percentage from its path, threshold written on the left",
     'level 2 when 60 <= s.questions["speak_up"].pct',
     {"questions": {"speak_up": {"pct": 55.25}}},
     2, [('60 <= s.questions["speak_up"].pct', "false",
          "speak up is 55.3%; this level needs at least 60%")]),
    ("a date against the assessment date",
     "level 2 when s.reviewed_on >= assessment.date - 12 months",
     {"reviewed_on": "2024-01-25"},
     2, [("s.reviewed_on >= assessment.date - 12 months", "false",
          "reviewed on is 2024-01-25; this level needs a date on or after 2024-06-30 "
          "(12 months before the assessment date)")]),
    ("a threshold keeps its decimals",
     "level 2 when s.score <= 1.25",
     {"score": 1.9},
     2, [("s.score <= 1.25", "false", "s score is 1.9; this level needs at most 1.25")]),
    ("an unknown let: the gaps of what it read",
     "let items = count(s.items)\nlevel 2 when items >= 2",
     {"flag": True},
     2, [("items >= 2", "unknown", "not yet provided: Survey: items")]),
]


@pytest.mark.parametrize("note, body, s, level, want", CASES, ids=[c[0] for c in CASES])
def test_next_step_names_what_is_not_met(tmp_path, note, body, s, level, want):
    step = next_step(tmp_path, body, s)
    assert step["level"] == level
    assert [(u["condition"], u["outcome"], u["words"]) for u in step["unmet"]] == want


def test_the_next_step_carries_the_rung_advice_and_the_reads(tmp_path):
    step = next_step(tmp_path, CASES[0][1], {"flag": True, "score": 60, "other": 1})
    assert step["advice"] == "Raise other."
    assert step["label"] == "Established"
    assert [r["pointer"] for r in step["unmet"][0]["reads"]] == ["/other"]


def test_no_next_step_at_the_top_or_when_not_applicable(tmp_path):
    assert next_step(tmp_path, "level 2 when s.flag", {"flag": True}) is None
    assert next_step(tmp_path, 'applies when provider.type == "ambulance"\nlevel 2 when s.flag',
                     {"flag": False}) is None


def test_a_cap_holding_the_level_down_is_the_next_step(tmp_path):
    step = next_step(tmp_path, 'level 2 when s.flag\ncap 1 when s.score < 50 because "Too low."',
                     {"flag": True, "score": 10})
    assert step["level"] == 2 and step["advice"] == "Too low."
    [held] = step["unmet"]
    assert held["outcome"] == "true"
    assert held["words"] == "the level is held at 1: Too low."


def test_next_step_does_not_repeat_warnings(tmp_path):
    criteria = build(tmp_path, one_criterion("level 2 when s.score / s.other > 1"))
    j = judge(criteria, s={"score": 3, "other": 0})["c"]
    assert [m for m, _ in j.warnings] == ["division by zero"]
