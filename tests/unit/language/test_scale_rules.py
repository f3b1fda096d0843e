"""Scale rules: the scale's numbering, levels within it, and aggregations (E030 to E034)."""

from __future__ import annotations

import pytest

from engine.diagnostics import Diagnostics
from engine.language.parse import parse_text
from engine.language.resolve import resolve
from engine.language.scale_rules import check_scales

SCALE = '''scale maturity {
  level 1 foundations "Foundations" "a"
  level 2 developing "Developing" "b"
  level 3 established "Established" "c"
  level 4 exemplary "Exemplary" "d"
}
'''
AGGREGATION = 'aggregation lowest "Lowest" { method min }\n'
TREE = '''key_question kq "KQ" { aggregate lowest }
statement st "S" {
  under kq
  aggregate lowest
  criterion c "C" {
RUNGS
  }
}
'''


def problems(rungs: str = "    level 2 when true", scale: str = SCALE,
             aggregation: str = AGGREGATION, extra: str = "") -> list[tuple[str, str]]:
    text = ('framework fw "F" {\n  scale maturity\n  root kq\n}\n' + scale + aggregation
            + TREE.replace("RUNGS", rungs) + extra)
    file, diags = parse_text(text, "a.crit")
    assert file is not None, [d.message for d in diags]
    symbols, _ = resolve((file,))
    found = Diagnostics()
    check_scales(symbols, found)
    return [(d.code, d.message) for d in found]


CASES = [
    ("a good set", {}, []),
    ("a rung above the scale", {"rungs": "    level 5 when true"},
     [("E030", "rung level 5 is outside the scale `maturity`")]),
    ("a rung for level 1, which needs none", {"rungs": "    level 1 when true"},
     [("E030", "rung level 1 is outside the scale `maturity`")]),
    ("a rung by level id", {"rungs": "    level exemplary when true"}, []),
    ("a cap below the scale", {"rungs": "    level 2 when true\n    cap 0 when true"},
     [("E030", "cap level 0 is outside the scale `maturity`")]),
    ("two rungs for one level", {"rungs": "    level 2 when true\n    level developing when false"},
     [("E031", "level 2 has two rungs in criterion `c`")]),
    ("a scale with a gap", {"scale": SCALE.replace("level 3 established", "level 4 established")
                            .replace("level 4 exemplary", "level 5 exemplary")},
     [("E032", "scale `maturity`: level 4 is where level 3 should be")]),
    ("an unknown method", {"aggregation": 'aggregation lowest "L" { method median }\n'},
     [("E034", "unknown aggregation method `median`")]),
    ("percent without bands", {"aggregation": 'aggregation lowest "L" { method percent }\n'},
     [("E034", "aggregation `lowest` uses `method percent` but has no band")]),
    ("bands that do not rise", {"aggregation": 'aggregation lowest "L" {\n  method percent\n'
                                               '  band 2 from 50\n  band 3 from 40\n}\n'},
     [("E034", "band 3 starts at 40, not above band 2 (50)")]),
    ("a band outside 0 to 100", {"aggregation": 'aggregation lowest "L" {\n  method percent\n'
                                                '  band 2 from 150\n}\n'},
     [("E034", "band threshold 150 is not a percentage")]),
    ("bands on min", {"aggregation": 'aggregation lowest "L" {\n  method min\n'
                                     '  band 2 from 40\n}\n'},
     [("E034", "bands only apply to `method percent`, not `min`")]),
    ("a test's range that runs backwards",
     {"extra": 'test "t" {\n  expect c is 3 to 2\n}\n'},
     [("E030", "the range 3 to 2 runs backwards")]),
    ("a test's level above the scale", {"extra": 'test "t" {\n  expect c is 7\n}\n'},
     [("E030", "expected level 7 is outside the scale `maturity`")]),
]


@pytest.mark.parametrize("parts,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_scale_and_aggregation_problems(parts, expected):
    assert problems(**parts) == expected
