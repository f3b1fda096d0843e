"""`wellled fmt`: canonical layout, idempotent, meaning and comments kept."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from engine import resources
from engine.app.fmt import format_set
from engine.errors import CriteriaError
from engine.language import nodes as n
from engine.language.fmt import format_text
from engine.language.parse import parse_text
from engine.source import Span

ROOT = Path(__file__).resolve().parents[3]
CORPUS = sorted([
    *(Path(__file__).resolve().parents[2] / "data" / "conformance/criteria").glob("**/*.crit"),
    *(ROOT / "tests" / "golden" / "check").glob("*.crit"),
    *resources.data_dir("criteria").glob("**/*.crit"),
])


def shape(value: object) -> object:
    """A node with its spans and paths left out, for comparing meaning."""
    if isinstance(value, Span):
        return None
    if isinstance(value, n.File):
        return (shape(value.declarations), [c.text for c in value.comments])
    if dataclasses.is_dataclass(value):
        return (type(value).__name__, tuple(
            shape(getattr(value, f.name)) for f in dataclasses.fields(value)
            if not f.name.endswith("span")))
    if isinstance(value, tuple | list):
        return tuple(shape(v) for v in value)
    return value


def parses(text: str) -> bool:
    file, diags = parse_text(text, "x.crit")
    return file is not None and not diags.has_errors


FORMATTABLE = CORPUS


@pytest.mark.parametrize("path", FORMATTABLE, ids=lambda p: p.name)
def test_corpus_is_idempotent_and_keeps_meaning(path: Path) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        pytest.skip("not UTF-8 (a golden of E002)")
    if not parses(text):
        with pytest.raises(CriteriaError):
            format_text(text, path.name)
        return
    once = format_text(text, path.name)
    assert format_text(once, path.name) == once
    assert shape(parse_text(once, "x.crit")[0]) == shape(parse_text(text, "x.crit")[0])


CASES = [
    ("spacing and one item per line",
     'aggregation m   "Mean"{method mean round   nearest}\n',
     'aggregation m "Mean" {\n  method mean\n  round nearest\n}\n'),
    ("blank line between declarations, evidence kept together",
     'evidence a "A"\nevidence b many "B" schema "b.json"\nscale s {\nlevel 1 x "X" "x"\n}\n',
     'evidence a "A"\nevidence b many "B" schema "b.json"\n\nscale s {\n'
     '  level 1 x "X" "x"\n}\n'),
    ("minimal parentheses",
     'statement s "S" { criterion c "C" { level 2 when ((a + (b * c)) >= (3)) and '
     '(not (x)) or ((y - z) - w) == 1 } }\n',
     'statement s "S" {\n  criterion c "C" {\n'
     '    level 2 when a + b * c >= 3 and not x or y - z - w == 1\n  }\n}\n'),
    ("parentheses that matter stay",
     'statement s "S" { criterion c "C" { level 2 when (a or b) and not (c == d) and '
     'a - (b - c) > -(x + 1) } }\n',
     'statement s "S" {\n  criterion c "C" {\n'
     '    level 2 when (a or b) and not c == d and a - (b - c) > -(x + 1)\n  }\n}\n'),
    ("notes under their rung, blank line before a criterion",
     'statement s "S" { under k\ncriterion c "C" { level 2 when a advice "do" because "why" '
     '} }\n',
     'statement s "S" {\n  under k\n\n  criterion c "C" {\n    level 2 when a\n'
     '      advice "do"\n      because "why"\n  }\n}\n'),
    ("comments kept: leading, trailing, end of block, end of file",
     '# top\nevidence a "A" # about a\nkey_question k "K" {\n  # lead\n  aggregate m  # m\n'
     '  # last\n}\n# bottom\n',
     '# top\nevidence a "A"  # about a\n\nkey_question k "K" {\n  # lead\n  aggregate m  # m\n'
     '  # last\n}\n# bottom\n'),
    ("triple-quoted strings re-aligned under their first line",
     'statement s "S" {\nwe """one\n  two\n        three"""\n}\n',
     'statement s "S" {\n  we """one\n        two\n        three"""\n}\n'),
    ("a long quantifier breaks before `where`",
     'statement s "S" { criterion c "C" { let partners = count(p in strategy.coproduced_with '
     'where p in ["people_using_services", "staff", "system_partners"]) } }\n',
     'statement s "S" {\n  criterion c "C" {\n'
     '    let partners = count(p in strategy.coproduced_with\n'
     '                         where p in ["people_using_services", "staff", '
     '"system_partners"])\n  }\n}\n'),
    ("a long `and` chain puts each operand on its own line",
     'statement s "S" { criterion c "C" { level 2 when patient_safety.psirf_policy_published_on '
     '<= assessment.date and patient_safety.psirf_plan_published_on <= assessment.date } }\n',
     'statement s "S" {\n  criterion c "C" {\n'
     '    level 2 when patient_safety.psirf_policy_published_on <= assessment.date\n'
     '                 and patient_safety.psirf_plan_published_on <= assessment.date\n'
     '  }\n}\n'),
    ("long inline evidence is laid out one member per line",
     'test "t" { evidence s = {"year": 2024, "questions": {"action_after_incidents": '
     '{"percent_positive": 76, "benchmark": 70}, "fair": {"percent_positive": 66}}} }\n',
     'test "t" {\n  evidence s = {\n    "year": 2024,\n    "questions": {\n'
     '      "action_after_incidents": {"percent_positive": 76, "benchmark": 70},\n'
     '      "fair": {"percent_positive": 66}\n    }\n  }\n}\n'),
    ("tests and JSON",
     'test "t" { date 2025-06-30 provider type "acute" evidence s = {"a" : [1,-2, null],'
     '"b":{}} expect c is 2 to 3 expect d >= established }\n',
     'test "t" {\n  date 2025-06-30\n  provider type "acute"\n'
     '  evidence s = {"a": [1, -2, null], "b": {}}\n  expect c is 2 to 3\n'
     '  expect d >= established\n}\n'),
]


@pytest.mark.parametrize("note, text, expected", CASES, ids=[c[0] for c in CASES])
def test_layout(note: str, text: str, expected: str) -> None:
    out = format_text(text, "x.crit")
    assert out == expected
    assert format_text(out, "x.crit") == out
    assert shape(parse_text(out, "x.crit")[0]) == shape(parse_text(text, "x.crit")[0])


def test_syntax_errors_raise_with_diagnostics() -> None:
    with pytest.raises(CriteriaError) as err:
        format_text('evidence "no id"\n', "bad.crit")
    assert [d.code for d in err.value.diagnostics] == ["E001"]


def test_format_set_reports_and_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "a.crit").write_text('evidence a   "A"\n')
    (tmp_path / "set" / "b.crit").write_text('evidence b "B"\n')
    assert format_set(Path("set"), write=False) == ["set/a.crit"]
    assert (tmp_path / "set" / "a.crit").read_text() == 'evidence a   "A"\n'
    assert format_set(Path("set"), write=True) == ["set/a.crit"]
    assert (tmp_path / "set" / "a.crit").read_text() == 'evidence a "A"\n'
    assert format_set(Path("set"), write=False) == []


def test_format_set_writes_nothing_when_a_file_has_errors(tmp_path: Path) -> None:
    (tmp_path / "a.crit").write_text('evidence a   "A"\n')
    (tmp_path / "b.crit").write_text("evidence\n")
    with pytest.raises(CriteriaError):
        format_set(tmp_path, write=True)
    assert (tmp_path / "a.crit").read_text() == 'evidence a   "A"\n'
