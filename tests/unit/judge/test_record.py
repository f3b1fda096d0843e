"""The typed judgement record (engine/judge/record.py) and its one written form.

Every stored golden result.json is read back into the record and written again, byte for
byte; a record made by the judge writes the same events as the record read back from its
document; events and judgements are frozen; the schema names exactly the kinds the judge
produces.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

from engine.judge.assess import evaluate
from engine.judge.record import (
    EVENTS,
    Applies,
    Cap,
    Excluded,
    Judgement,
    Ladder,
    LevelUse,
    Read,
    Rung,
    shown_reads,
)
from engine.judge.values import UNKNOWN, Ev, Gap
from engine.options import AssessOptions
from engine.output.results import (
    dump_result,
    event_document,
    event_of,
    events_of,
    result_document,
    result_schema,
)
from tests.result_cases import cases

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "tests" / "golden" / "results"
STORED = sorted(GOLDEN.glob("*.result.json"))


def _labels(result: dict):
    scale = {step["level"]: step["label"] for step in result["framework"]["scale"]}
    return scale.get


@pytest.mark.parametrize("path", STORED, ids=[p.name.removesuffix(".result.json") for p in STORED])
def test_document_to_record_to_document_is_byte_identical(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    result = json.loads(text)
    label = _labels(result)
    for node in result["results"].values():
        events = events_of(node)
        written = [event_document(e, label, include=False) for e in events]
        # the record read back writes the same events (sensitive values stay as written)
        assert written == node["trace"]
        assert events_of({"trace": written}) == events        # and reads back the same
    rewritten = {**result, "results": {
        node_id: {**node, "trace": [event_document(e, label, include=True)
                                    for e in events_of(node)]}
        for node_id, node in result["results"].items()}}
    assert dump_result(rewritten) == text


@lru_cache(maxsize=None)
def _criteria(path: Path):
    from engine.api import load_criteria

    return load_criteria(path)


SOME = [c for c in cases() if c.name in ("conformance.early", "concerns.oakfield",
                                         "cqc_well_led.northfield.sensitive",
                                         "cqc_well_led.harrowmere", "generated.b1")]
assert len(SOME) == 5


@pytest.mark.parametrize("case", SOME, ids=[c.name for c in SOME])
def test_the_judged_record_and_the_record_read_back_agree(case) -> None:
    from engine.evidence.bundle import load_bundle

    criteria = _criteria(case.criteria)
    bundle = load_bundle(case.bundle, criteria.schemas)
    options = AssessOptions(**case.options)
    judgements, manifest = evaluate(criteria, bundle)
    document = result_document(criteria, judgements, bundle, manifest, options)
    for node_id, judgement in judgements.items():
        back = events_of(document["results"][node_id])
        assert [type(e) for e in back] == [type(e) for e in judgement.events]
        for made, read in zip(judgement.events, back, strict=True):
            assert made.source == read.source
            if hasattr(made, "outcome"):
                assert made.outcome is read.outcome           # True, False or UNKNOWN
            if hasattr(made, "reads"):
                assert tuple(shown_reads(made.reads, options.include_sensitive)) == read.reads
                assert made.reads_omitted == read.reads_omitted


def test_events_and_judgements_are_frozen() -> None:
    rung = Rung(2, "a.crit:3", True, None, None)
    with pytest.raises(AttributeError):
        rung.outcome = False                                   # type: ignore[misc]
    judgement = Judgement("rated", 2, 2, None, [rung])
    with pytest.raises(AttributeError):
        judgement.low = 1                                      # type: ignore[misc]
    with pytest.raises(AttributeError):
        del judgement.status
    assert judgement.events == (rung,)                         # held as a tuple
    assert not hasattr(rung, "__dict__") and not hasattr(judgement, "__dict__")


def test_events_are_equal_only_to_events_of_their_own_kind() -> None:
    rung = Rung(3, "a.crit:3", UNKNOWN, None, None)
    assert rung == Rung(3, "a.crit:3", UNKNOWN, None, None)
    assert rung != Cap(3, "a.crit:3", UNKNOWN, None, None)
    assert Excluded("x", "not_applicable", "s") != Ladder("x", "not_applicable", "s", "")
    assert LevelUse("a", 1, 2, "partial") != ("a", 1, 2, "partial")
    assert len({rung, Rung(3, "a.crit:3", UNKNOWN, None, None)}) == 1


def test_reads_are_kept_as_read_and_written_each_place_once() -> None:
    class Schema:
        @staticmethod
        def is_sensitive(pointer: str) -> bool:
            return pointer == "/secret"

    reads = (Ev(7, "ftsu", "ftsu.yaml", "/cases", Schema), Gap("survey", None, "/rate", Schema),
             Ev("x", "ftsu", "ftsu.yaml", "/secret", Schema),
             Ev(7, "ftsu", "ftsu.yaml", "/cases", Schema))
    event = Applies("a.crit:1", UNKNOWN, reads)
    written = event_document(event, lambda level: None, include=False)
    assert written == {"kind": "applies", "source": "a.crit:1", "outcome": "unknown", "reads": [
        {"type": "ftsu", "file": "ftsu.yaml", "pointer": "/cases", "known": True,
         "sensitive": False, "value": 7},
        {"type": "survey", "file": None, "pointer": "/rate", "known": False,
         "sensitive": False, "value": None},
        {"type": "ftsu", "file": "ftsu.yaml", "pointer": "/secret", "known": True,
         "sensitive": True, "value": "[sensitive]"}]}
    assert event_of(written).reads[2] == Read("ftsu", "ftsu.yaml", "/secret", True, True,
                                              "[sensitive]")
    assert event_document(event, lambda level: None, include=True)["reads"][2]["value"] == "x"


def test_reading_a_kind_the_judge_never_produces_is_refused() -> None:
    with pytest.raises(ValueError, match="'warning'"):
        event_of({"kind": "warning", "message": "m", "source": "a.crit:1"})


def test_the_schema_names_exactly_the_kinds_the_judge_produces() -> None:
    kinds = result_schema()["$defs"]["event"]["properties"]["kind"]["enum"]
    assert set(kinds) == set(EVENTS)


ENGINE = ROOT / "engine"
WRITER = {ENGINE / "output" / "results.py", ENGINE / "judge" / "record.py"}
# Keys that exist only in result.json's trace events: reading one outside the writer means a
# reader with its own idea of the keys.
EVENT_ONLY = {"trace", "reads_omitted", "effect", "because", "inputs"}


def _key_reads(path: Path) -> list[str]:
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        key = None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            key = node.slice.value
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "get" and node.args
              and isinstance(node.args[0], ast.Constant)):
            key = node.args[0].value
        if key in EVENT_ONLY:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} reads [{key!r}]")
    return found


def test_only_the_writer_reads_the_written_events() -> None:
    """Every other reader takes typed events (``results.events_of``), never the dicts."""
    found = [hit for path in sorted(ENGINE.rglob("*.py")) if path not in WRITER
             for hit in _key_reads(path)]
    templates = sorted((ROOT / "reports").glob("*.j2"))
    found += [f"{path.name}: .trace" for path in templates
              if ".trace" in path.read_text(encoding="utf-8").replace('class="trace"', "")]
    assert not found, "\n".join(found)
