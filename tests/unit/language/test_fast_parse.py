"""The fast parser (``engine.language.lalr``) against Lark: the same AST, spans and messages.

``parse_text`` drives Lark's LALR table itself and builds the AST on each
reduce; it falls back to Lark for anything it does not expect. These tests
hold the two paths to the same answer on every criteria file in the project,
on generated sets, and on hypothesis-mutated text, and check that valid files
really take the fast path rather than silently falling back.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.generate import generate_set
from engine.diagnostics import Diagnostics
from engine.language.lalr import Unsupported
from engine.language.parse import _ToAst, fast_parser, parse_text

ROOT = Path(__file__).resolve().parents[3]
CORPUS = sorted(p for folder in ("criteria", "tests", "examples")
                for p in (ROOT / folder).rglob("*.crit"))
TEXTS = {p.relative_to(ROOT).as_posix(): p.read_bytes().decode("utf-8", "replace")
         for p in CORPUS}
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def both(text: str, name: str = "t.crit") -> tuple[tuple, tuple]:
    """(AST, diagnostics) from the fast path and from Lark alone."""
    out = []
    for fast in (True, False):
        file, diags = parse_text(text, name, fast=fast)
        out.append((file, [(d.code, d.severity, d.message, d.span, d.help) for d in diags]))
    return out[0], out[1]


def takes_fast_path(text: str, name: str = "t.crit") -> bool:
    driver = fast_parser()
    assert driver is not None, "the fast parser could not read this Lark's tables"
    try:
        driver.parse(text, _ToAst(name, Diagnostics()))
    except Unsupported:
        return False
    return True


def test_corpus_is_large_enough_to_mean_something():
    assert len(CORPUS) >= 40
    assert any("statements" in name for name in TEXTS)


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_every_project_file_parses_the_same_both_ways(name):
    fast, lark = both(TEXTS[name], name)
    assert fast == lark


@pytest.mark.parametrize("name", [n for n in sorted(TEXTS) if n.startswith("criteria/")])
def test_shipped_criteria_take_the_fast_path(name):
    assert takes_fast_path(TEXTS[name], name)


def test_generated_sets_parse_the_same_both_ways_and_fast(tmp_path):
    spec = generate_set(tmp_path / "gen", 150, seed=7, per_file=40)
    files = sorted(spec.root.rglob("*.crit"))
    assert len(files) >= 4
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast, lark = both(text, path.name)
        assert fast == lark, path.name
        assert fast[0] is not None and takes_fast_path(text, path.name)


@pytest.mark.parametrize("text", [
    "statement s \"t\" { criterion c \"c\" { level 2 when x @ y } }",   # no terminal matches
    "statement s \"t\" { criterion c \"c\" { level 2 when } }",         # token not accepted
    "statement s \"t\" {",                                              # ends too soon
    "statement s \"t\" { criterion c \"c\" { level 2 when x = 1 } }",   # `=` where `==` is meant
    "Statement s \"t\" {}",                                             # capital letter
])
def test_bad_text_falls_back_to_lark_for_its_message(text):
    assert not takes_fast_path(text)
    fast, lark = both(text)
    assert fast == lark
    assert fast[0] is None and fast[1][0][0] == "E001"


@pytest.mark.parametrize("text", [
    "",                                       # nothing at all: an empty file
    "# only a comment\n",
    "   \n\t\n",
    'evidence e many "E" schema "e.json" source "S"',
    'test "t" { evidence e = {"a": [1, -2.5, true, false, null, {}, []], "b": {"c": "d"}} }',
    'statement s "t" { criterion c "c" { level 2 when (a or b) and not (c) } }',
    'statement s "t" { criterion c "c" { level 2 when x.level == x.date and [] == [1, (2)] } }',
    'statement s "t" { criterion c "c" { level 2 when count(y in ys where y.ok) > -3 months } }',
    'statement s "t" { criterion c "c" { level 2 when mean(y.v for y in ys) is not missing } }',
    'aggregate_like x',  # a NAME where a declaration is expected: Lark's message
])
def test_edge_cases_parse_the_same_both_ways(text):
    fast, lark = both(text)
    assert fast == lark


# ---------------------------------------------------------------- fuzz

PIECES = ["level", "(", ")", "{", "}", '"', '"""', "#", "=", "==", "<=", "-", "3", "1.5", "2025-01-31",
          "2025-13-45", "children", "survey", "x", "not", "where", "for", "in", "is", "missing",
          "[", "]", ",", ".", ":", "established", "\n", " ", "é", "\x00", "Level", "months",
          "true", "null", "{}", '"s"', "'", "@", "many", "date", "\\"]


@st.composite
def mutated(draw) -> str:
    name = draw(st.sampled_from(sorted(TEXTS)))
    text = TEXTS[name]
    rng = random.Random(draw(st.integers(0, 2**32)))
    # a window of the file, so that the mutations matter relative to its size
    lines = text.split("\n")
    start = rng.randrange(len(lines))
    chunk = "\n".join(lines[start:start + rng.randint(1, 40)])
    for _ in range(draw(st.integers(0, 4))):
        if not chunk:
            break
        i = rng.randrange(len(chunk))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(PIECES))
        if op == "insert":
            chunk = chunk[:i] + piece + chunk[i:]
        elif op == "delete":
            chunk = chunk[:i] + chunk[i + rng.randint(1, 8):]
        else:
            chunk = chunk[:i] + piece + chunk[i + len(piece):]
    return chunk


@SETTINGS
@given(mutated())
def test_mutated_text_parses_the_same_both_ways(text):
    fast, lark = both(text)
    assert fast == lark


@SETTINGS
@given(st.lists(st.sampled_from(PIECES + ["statement", "criterion", "s", '"t"', "when", "and",
                                          "or", "cap", "because", "advice", "aggregate",
                                          "let", "test", "expect", "evidence", "=", "is"]),
                max_size=40).map(" ".join))
def test_random_token_soup_parses_the_same_both_ways(text):
    fast, lark = both(text)
    assert fast == lark


# Valid expressions, generated down the grammar's precedence levels, with blanks,
# newlines and comments between tokens: these all take the fast path, so they test
# its spans (parentheses, `?` rules passed through) rather than its fallback.
BLANKS = [" ", " ", " ", "\n    ", "  ", " # note\n  ", "\t"]
FIELDS = ["x", "score", "level", "date", "year", "months", "in", "not", "category", "for"]


@st.composite
def expressions(draw, depth: int = 3) -> str:
    def gap() -> str:
        return draw(st.sampled_from(BLANKS))

    def level(n: int, budget: int) -> str:
        # 0 or, 1 and, 2 not, 3 comparison, 4 sum, 5 product, 6 unary, 7 postfix, 8 atom
        if budget <= 0 or n >= 8:
            return atom(budget)
        if n == 0 and draw(st.integers(0, 3)) == 0:
            return f"{level(0, budget - 1)}{gap()}or{gap()}{level(1, budget - 1)}"
        if n == 1 and draw(st.integers(0, 3)) == 0:
            return f"{level(1, budget - 1)}{gap()}and{gap()}{level(2, budget - 1)}"
        if n == 2 and draw(st.integers(0, 4)) == 0:
            return f"not{gap()}{level(2, budget - 1)}"
        if n == 3 and draw(st.integers(0, 2)) == 0:
            op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in"]))
            return f"{level(4, budget - 1)}{gap()}{op}{gap()}{level(4, budget - 1)}"
        if n == 3 and draw(st.integers(0, 5)) == 0:
            tail = draw(st.sampled_from(["is missing", "is not missing", "is none",
                                         "is not none"]))
            return f"{level(4, budget - 1)}{gap()}{tail}"
        if n in (4, 5) and draw(st.integers(0, 3)) == 0:
            op = draw(st.sampled_from(["+", "-"] if n == 4 else ["*", "/"]))
            return f"{level(n, budget - 1)}{gap()}{op}{gap()}{level(n + 1, budget - 1)}"
        if n == 6 and draw(st.integers(0, 5)) == 0:
            return f"-{gap()}{level(6, budget - 1)}"
        if n == 7 and draw(st.integers(0, 2)) == 0:
            if draw(st.booleans()):
                return f"{level(7, budget - 1)}.{draw(st.sampled_from(FIELDS))}"
            return f'{level(7, budget - 1)}[{gap()}{level(0, budget - 1)}{gap()}]'
        return level(n + 1, budget)

    def atom(budget: int) -> str:
        choice = draw(st.integers(0, 12 if budget > 0 else 7))
        simple = ["12", "1.5", '"text"', "2025-03-31", "true", "none", "survey",
                  f"3{gap()}months"]
        if choice < len(simple):
            return simple[choice]
        inner = level(0, budget - 1)
        return [f"({gap()}{inner}{gap()})",
                f"[{inner},{gap()}{level(0, budget - 1)}]",
                f"level({gap()}c{gap()})",
                f"count(x{gap()}in{gap()}xs{gap()}where{gap()}{inner})",
                f"mean({inner}{gap()}for{gap()}x{gap()}in{gap()}xs)",
                f"max({inner},{gap()}{level(0, budget - 1)})"][choice - len(simple)]

    return level(0, depth + draw(st.integers(0, 3)))


@SETTINGS
@given(expressions(), st.sampled_from(["", "\n", "  # lead\n"]))
def test_generated_expressions_take_the_fast_path_and_match_lark(expression, lead):
    text = (f'{lead}statement s "t" {{\n  criterion c "c" {{\n    level 2 when {expression}\n'
            f'      because "why"\n  }}\n}}\n')
    assert takes_fast_path(text), text
    fast, lark = both(text)
    assert fast == lark


def test_a_grammar_with_a_rule_that_can_match_nothing_is_refused():
    # The driver's spans rely on every rule but `start` spanning some text; a grammar
    # that breaks that must fail to build the fast parser, not parse subtly wrong.
    from lark import Lark

    from engine.language.lalr import FastParser

    toy = Lark('start: item*\nitem: "a" opt\nopt: "b"?\n%ignore " "', parser="lalr",
               propagate_positions=True, maybe_placeholders=True)
    with pytest.raises(ValueError, match="opt"):
        FastParser(toy)
