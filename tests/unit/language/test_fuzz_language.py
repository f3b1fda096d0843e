"""Random and mutated criteria text: always diagnostics or a CheckedSet, never a crash.

Mutations of the conformance example delete, duplicate and swap tokens and
lines; whatever parses is also formatted, and must format to the same meaning
and to a fixed point.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import CriteriaError
from engine.language.check import CheckedSet, check_set
from engine.language.fmt import format_text
from engine.language.parse import parse_text

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "tests" / "golden" / "check" / "OK_clean.crit"
SCHEMAS = ROOT / "tests" / "golden" / "check" / "evidence_schemas"
TEXT = EXAMPLE.read_text(encoding="utf-8")
LINES = TEXT.split("\n")
TOKENS = re.findall(r'"[^"\n]*"|\S+|\s+', TEXT)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def mutate_lines(data: st.DataObject) -> str:
    lines = list(LINES)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        j = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.sampled_from(["delete", "duplicate", "swap"]))
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(j, lines[i])
        else:
            lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def mutate_tokens(data: st.DataObject) -> str:
    tokens = list(TOKENS)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(tokens) - 1))
        j = data.draw(st.integers(0, len(tokens) - 1))
        op = data.draw(st.sampled_from(["delete", "duplicate", "swap", "replace"]))
        if op == "delete" and len(tokens) > 1:
            del tokens[i]
        elif op == "duplicate":
            tokens.insert(j, tokens[i])
        elif op == "swap":
            tokens[i], tokens[j] = tokens[j], tokens[i]
        else:
            tokens[i] = data.draw(st.sampled_from(
                ["level", "(", ")", "{", "}", "\"", '"""', "#", "=", "==", "-", "3", "1.5",
                 "2025-13-45", "children", "survey", "x", "not", "where", "for", "in",
                 "[", "]", ",", ".", "established", "\n", "é", "\x00"]))
    return "".join(tokens)


def run(tmp_path: Path, text: str) -> None:
    folder = tmp_path / "set"
    folder.mkdir(exist_ok=True)
    link = folder / "evidence_schemas"
    if not link.exists():
        link.symlink_to(SCHEMAS, target_is_directory=True)
    (folder / "a.crit").write_text(text, encoding="utf-8")
    checked, diags = check_set(folder)
    assert (checked is None) == diags.has_errors
    if checked is not None:
        assert isinstance(checked, CheckedSet)
        assert set(checked.order) <= set(checked.graph.nodes)
    for d in diags:
        assert d.code and d.message and d.format(diags.sources)
    round_trip(text)


def round_trip(text: str) -> None:
    file, diags = parse_text(text, "a.crit")
    if file is None or diags.has_errors:
        with pytest.raises(CriteriaError):
            format_text(text, "a.crit")
        return
    from tests.unit.language.test_fmt import shape

    once = format_text(text, "a.crit")
    assert format_text(once, "a.crit") == once
    assert shape(parse_text(once, "a.crit")[0]) == shape(file)


@SETTINGS
@given(st.data())
def test_mutated_lines(tmp_path: Path, data: st.DataObject) -> None:
    run(tmp_path, mutate_lines(data))


@SETTINGS
@given(st.data())
def test_mutated_tokens(tmp_path: Path, data: st.DataObject) -> None:
    run(tmp_path, mutate_tokens(data))


WORDS = sorted(set(re.findall(r'"[^"\n]*"|[a-z_]+|\S', TEXT)))


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('abcxyz_019 \n{}()[]"#=<>.,-+*/')), max_size=200)
       | st.text(max_size=200)
       | st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join))
def test_random_text(text: str) -> None:
    file, diags = parse_text(text, "r.crit")
    assert file is not None or diags.has_errors
    round_trip(text)
