"""The resolver: what each name stands for, decided once, and the problems it finds.

Each case is a piece of a criteria set; the test lists every name in its expressions in
source order with what the resolver recorded for it (``None``: no reference, and an error
says why). The type checker and the compiler read these references and decide nothing
themselves, so a wrong one here is a wrong judgement later.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.language import nodes as n
from engine.language.check import check_set
from engine.language.parse import parse_text
from engine.language.resolve import Reference, Symbols, resolve

HEAD = '''framework fw "F" {
  scale maturity
  root kq
}
scale maturity {
  level 1 foundations "Foundations" "a"
  level 2 developing "Developing" "b"
  level 3 established "Established" "c"
  level 4 exemplary "Exemplary" "d"
}
evidence survey "Survey"
evidence teams many "Team returns"
aggregation lowest "Lowest" { method min }
key_question kq "KQ" { aggregate lowest }
'''


def resolved(body: str, caps: str = "", head: str = HEAD) -> tuple[Symbols, list]:
    """Resolve HEAD plus a statement with ``caps`` and one criterion ``c`` with ``body``."""
    text = (f'{head}statement st "S" {{\n  under kq\n  aggregate lowest\n{caps}\n'
            f'  criterion c "C" {{\n{body}\n  }}\n}}\n')
    file, diags = parse_text(text, "a.crit")
    assert file is not None, [d.message for d in diags]
    symbols, diags = resolve((file,))
    return symbols, [(d.code, d.message) for d in diags]


def names_in(symbols: Symbols) -> list[tuple[str, str | None]]:
    """Every name in the expressions, in source order, with the kind of its reference."""
    exprs: list[n._Expr] = []
    for owner in (*symbols.statements.values(), *symbols.criteria.values()):
        exprs += [c.when for c in owner.caps] + [c.when for c in owner.concerns]
    for c in symbols.criteria.values():
        exprs += [let.value for let in c.lets] + [r.when for r in c.rungs]
        exprs += [c.applies] if c.applies is not None else []
    found = [e for expr in exprs for e in n.walk(expr) if isinstance(e, n.Name)]
    found.sort(key=lambda e: (e.span.line, e.span.column))
    return [(e.id, getattr(symbols.references.get(e), "kind", None)) for e in found]


CASES = [
    # (id, criterion body, statement caps, names in order with their kinds, problems)
    ("evidence id", "    level 2 when survey.year >= 2024", "",
     [("survey", "evidence")], []),
    ("scale level id stands for its number", "    level 2 when level(other) >= established",
     "", [("established", "level")], [("E010", "unknown criterion or statement `other` in "
                                              "`level(...)`")]),
    ("assessment and provider are facts",
     '    level 2 when assessment.date > 2024-01-01 and provider.type == "acute"', "",
     [("assessment", "fact"), ("provider", "fact")], []),
    ("a let above is a let",
     "    let y = survey.year\n    level 2 when y >= 2024", "",
     [("survey", "evidence"), ("y", "let")], []),
    ("a quantifier's variable", "    level 2 when all(t in teams where t.ok)", "",
     [("teams", "evidence"), ("t", "variable")], []),
    ("a quantifier's variable hides a let of the same name inside it only",
     "    let t = survey.year\n    level 2 when t > 1 and any(t in teams where t.ok)", "",
     [("survey", "evidence"), ("t", "let"), ("teams", "evidence"), ("t", "variable")], []),
    ("the source of a quantifier is outside its variable's scope",
     "    let t = teams\n    level 2 when any(t in t where t.ok)", "",
     [("teams", "evidence"), ("t", "let"), ("t", "variable")], []),
    ("children in a statement's caps", "    level 2 when survey.year > 1",
     "  cap 2 when any(x in children where x.level == 1)",
     [("children", "children"), ("x", "variable"), ("survey", "evidence")], []),
    ("children is not known in a criterion",
     "    level 2 when count(children) > 1", "",
     [("children", None)], [("E011", "`children` is only known in a statement's or key "
                                     "question's caps")]),
    ("a let used before it is defined",
     "    level 2 when y > 1\n    let y = survey.year", "",
     [("y", None), ("survey", "evidence")], [("E010", "`y` is used before its `let`")]),
    ("applies when sees no let, even one written above it",
     "    let y = survey.year\n    applies when y > 1\n    level 2 when y > 1", "",
     [("survey", "evidence"), ("y", None), ("y", "let")],
     [("E010", "`applies when` cannot use `let y`: it is decided before any `let`")]),
    ("a let does not see itself",
     "    let y = y + 1\n    level 2 when y > 1", "",
     [("y", None), ("y", "let")], [("E010", "`y` is used before its `let`")]),
    ("an unknown name", "    level 2 when survay.year > 1", "",
     [("survay", None)], [("E010", "unknown name `survay`")]),
    ("a criterion is not a value", "    level 2 when c > 1", "",
     [("c", None)], [("E011", "`c` is a criterion, not a value")]),
    ("a concern's condition sees the lets above it",
     '    let y = survey.year\n    level 2 when y > 1\n    concern "Old" when y < 2000', "",
     [("survey", "evidence"), ("y", "let"), ("y", "let")], []),
]


@pytest.mark.parametrize("body,caps,names,problems",
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_each_name_gets_its_reference(body, caps, names, problems):
    symbols, diags = resolved(body, caps)
    assert names_in(symbols) == names
    assert diags == problems


def test_a_level_reference_carries_its_number_and_a_fact_its_name():
    symbols, _ = resolved("    level 2 when exemplary > developing and provider.id == \"x\"")
    refs = sorted(symbols.references.values(), key=lambda r: (r.kind, r.target))
    assert refs == [Reference("fact", "provider"), Reference("level", "developing", 2),
                    Reference("level", "exemplary", 4)]


@pytest.mark.parametrize("head,name,kind,code", [
    # The first declaration of an id wins; the second is E003 and never a reference.
    (HEAD + 'evidence established "Evidence named like a level"\n', "established", "level",
     "E003"),
    # A level id that is also a built-in: the built-in, as the compiler always read it.
    (HEAD.replace("exemplary", "assessment"), "assessment", "fact", None),
    (HEAD.replace("exemplary", "children"), "children", "level", None),
])
def test_level_id_against_evidence_id(head, name, kind, code):
    symbols, diags = resolved(f"    level 2 when {name} == 1", head=head)
    assert names_in(symbols) == [(name, kind)]
    assert [c for c, _ in diags] == ([code] if code else [])


def test_evidence_declared_before_a_level_of_the_same_id_is_the_evidence():
    head = HEAD.replace("scale maturity {", 'evidence developing "E"\nscale maturity {')
    symbols, diags = resolved("    level 2 when developing.x == 1", head=head)
    assert names_in(symbols) == [("developing", "evidence")]
    assert [c for c, _ in diags] == ["E003"]


@pytest.mark.parametrize("body,reads,used", [
    ("    let y = survey.year\n    level 2 when y > 1", {"survey"}, {("c", "y")}),
    ("    let y = 1\n    level 2 when all(y in teams where y.ok)", {"teams"}, set()),
    ("    level 2 when survey.a > 1 and survey.b > 1", {"survey"}, set()),
])
def test_what_a_criterion_reads_and_which_lets_it_uses(body, reads, used):
    symbols, _ = resolved(body)
    assert set(symbols.reads["c"]) == reads
    assert symbols.used_lets == used


@pytest.mark.parametrize("body,code,message", [
    ("    let survey = 1\n    level 2 when survey > 0", "E003",
     "`survey` would hide evidence of the same name"),
    ("    level 2 when all(developing in teams where developing.ok)", "E003",
     "`developing` would hide a scale level of the same name"),
    ("    level 2 when all(t in teams where any(t in teams where t.ok))", "E003",
     "`t` would hide a variable of the same name"),
    ("    level 2 when all(provider in teams where provider.ok)", "E003",
     "`provider` would hide the built-in `provider` of the same name"),
    ("    level 2 when all(t in teams)", "E012", "`all` is not called in one of its forms"),
])
def test_names_that_would_hide_another(body, code, message):
    _, diags = resolved(body)
    assert (code, message) in diags


SHIPPED = sorted(p for p in (Path(__file__).resolve().parents[3] / "criteria").iterdir()
                 if p.is_dir())


@pytest.mark.parametrize("folder", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_name_in_a_shipped_set_has_one_reference(folder):
    checked, diags = check_set(folder)
    assert checked is not None, diags.errors
    found = [e for f in checked.files for d in f.declarations for e in _exprs(d)
             if isinstance(e, n.Name)]
    assert found and all(e in checked.references for e in found)
    assert {checked.references[e].kind for e in found} >= {"evidence", "fact", "let",
                                                             "variable"}


def _exprs(decl):
    """Every expression node under a statement, key question or criterion."""
    owners = [decl, *getattr(decl, "criteria", ())]
    for owner in owners:
        roots = [c.when for c in getattr(owner, "caps", ())]
        roots += [c.when for c in getattr(owner, "concerns", ())]
        roots += [r.when for r in getattr(owner, "rungs", ())]
        roots += [let.value for let in getattr(owner, "lets", ())]
        roots += [owner.applies] if getattr(owner, "applies", None) is not None else []
        for root in roots:
            yield from n.walk(root)
