"""The benchmark generators make what the benchmarks claim to measure (no timing here).

A generated set must check clean and use the language's features; its bundles
must load; the rungs marked as translatable must mean the same to rule-engine,
to the plain-Python floor and to our compiled closures.
"""

from __future__ import annotations

import pytest

from benchmarks.bench_rules import to_rule_engine
from benchmarks.generate import bundle_docs, generate_set, write_bundle, write_large_bundle
from engine.api import AssessOptions, load_criteria
from engine.evidence.bundle import load_bundle
from engine.judge.assess import documents, facts, manifest_dict
from engine.output.results import assess
from engine.output.results import jsonable as _jsonable
from engine.judge.context import Ctx
from engine.language.check import check_set


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("gen") / "set"
    return generate_set(root, 60, seed=5)


def test_generated_set_checks_clean(generated):
    checked, diags = check_set(generated.root)
    assert checked is not None, diags.format()
    assert not diags.errors and not diags.warnings, diags.format()
    assert len(checked.criteria) == 60
    assert len(checked.statements) == 6


@pytest.mark.parametrize("feature", [
    "let ", 'questions["', "months", " in ", "percent(", "all(", "any(", "count(", "mean(",
    "sum(", "level(c_", "cap ", "applies when",
])
def test_generated_set_uses_language_features(generated, feature):
    text = "".join(p.read_text(encoding="utf-8")
                   for p in sorted((generated.root / "statements").glob("*.crit")))
    assert feature in text


def test_generation_is_deterministic(tmp_path, generated):
    again = generate_set(tmp_path / "again", 60, seed=5)
    for path in sorted((generated.root / "statements").glob("*.crit")):
        twin = again.root / "statements" / path.name
        assert twin.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    assert bundle_docs(generated, 3) == bundle_docs(again, 3)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_generated_bundles_load_and_assess(tmp_path, generated, seed):
    criteria = load_criteria(generated.root)
    folder = write_bundle(tmp_path / f"b{seed}", generated, seed=seed)
    loaded = load_bundle(folder, criteria.schemas)
    assert loaded.documents or loaded.collections
    result = assess(criteria, loaded, AssessOptions())
    assert result["results"]["well_led"]["kind"] == "key_question"
    assert {r["status"] for r in result["results"].values()} <= {
        "rated", "partial", "not_assessed", "not_applicable"}


def test_translated_rules_agree_with_ours(tmp_path, generated):
    import rule_engine

    criteria = load_criteria(generated.root)
    loaded = load_bundle(write_bundle(tmp_path / "full", generated, seed=9, complete=True),
                         criteria.schemas)
    ctx = Ctx(documents(criteria, loaded), facts(manifest_dict(loaded.manifest)), {})
    plain = {k: _jsonable(d.data) for k, d in loaded.documents.items()}
    assert generated.rules
    for rule in generated.rules:
        step = next(s for s in criteria.nodes[rule.criterion].rungs if s.level == rule.level)
        ours = step.when(ctx)
        assert ours is rule.floor(plain), rule.text
        assert rule_engine.Rule(to_rule_engine(rule.text)).matches(plain) is ours, rule.text


@pytest.mark.parametrize("text,expected", [
    ("rpt_0.in_post", "rpt_0['in_post']"),
    ('svy_1.questions["q_7"].percent_positive >= 40',
     "svy_1['questions']['q_7']['percent_positive'] >= 40"),
    ('rpt_0.m_1 >= 3 and (rpt_0.m_2 >= 1 or rpt_0.state == "assured")',
     "rpt_0['m_1'] >= 3 and (rpt_0['m_2'] >= 1 or rpt_0['state'] == \"assured\")"),
])
def test_to_rule_engine(text, expected):
    assert to_rule_engine(text) == expected


def test_large_bundle_is_about_the_size_asked(tmp_path, generated):
    criteria = load_criteria(generated.root)
    size = write_large_bundle(tmp_path / "large", generated, documents=6, megabytes=0.5)
    assert 400_000 < size < 650_000
    loaded = load_bundle(tmp_path / "large", criteria.schemas)
    assert len(loaded.files) == 7          # six documents and the manifest
