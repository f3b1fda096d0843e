"""The board summary (engine/output/board.py) in the HTML and Markdown reports.

The fixture result is the rich Northfield fixture with the judge's fields added
(`coverage`, `concerns`, `concerns_not_checked`, `next_step`), as contracts.md
defines them, so the layout is tested whether or not the judge has filled them yet.
"""

from __future__ import annotations

import copy
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from engine.api import AssessOptions
from engine.output.board import board, field_words, settle, split_note
from engine.output.report import render

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "results" / "northfield.json"
FORBIDDEN = ["rung", ".crit:", "true, rung", "a record of", "UNCONFIRMED", "#/", "->"]
RAW_FLOAT = re.compile(r"\d+\.\d{2,}")

CONCERN = "A closed culture may be forming in one team"
CONCERN_ADVICE = "Talk with the team's staff side and the guardian before the next board"
UNCHECKED = "Speaking up may feel unsafe on night shifts"
UNMET = "appraisal rate is 88%; this level needs at least 90%"


def plain() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def judged() -> dict:
    """The fixture with coverage, concerns and next steps as the judge writes them."""
    result = copy.deepcopy(plain())
    nodes = result["results"]
    nodes["well_led"]["coverage"] = {"assessed": 2, "of": 3}
    concern = {"node": "raise_concerns", "text": CONCERN, "advice": CONCERN_ADVICE,
               "source": "statements/shared_direction.crit:40", "reads": []}
    unchecked = {"node": "guardian_in_post", "text": UNCHECKED, "advice": None,
                 "source": "statements/freedom_to_speak_up.crit:12",
                 "reads": [{"file": None, "type": "staff_survey", "pointer": "/questions/q3f",
                            "known": False, "sensitive": False, "value": None}]}
    for node_id in ("well_led", "shared_direction", "raise_concerns"):
        nodes[node_id]["concerns"] = [concern]
    for node in nodes.values():
        node.setdefault("concerns", [])
        node["concerns_not_checked"] = []
    for node_id in ("well_led", "freedom_to_speak_up", "guardian_in_post"):
        nodes[node_id]["concerns_not_checked"] = [unchecked]
    nodes["concerns_themed"]["next_step"] = {
        "level": 3,
        "advice": "Refresh the board development plan (project decision; UNCONFIRMED).",
        "unmet": [{"condition": "appraisal.rate >= 90", "outcome": "false", "words": UNMET,
                   "reads": []}]}
    return result


class _Text(HTMLParser):
    """The text inside the element with id ``target``, leaving out <details class=working>."""

    def __init__(self, html: str, target: str):
        super().__init__()
        self.target, self.depth, self.skip, self.parts = target, 0, 0, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth:
            self.depth += tag not in ("br", "hr", "img", "meta", "link", "input")
            if tag == "details" and "working" in (attrs.get("class") or ""):
                self.skip = self.depth
        elif attrs.get("id") == self.target:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            if self.skip == self.depth:
                self.skip = 0
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def readable(text: str, fmt: str) -> str:
    """A report's text as a reader sees it: entities and Markdown escapes undone."""
    return html.unescape(text) if fmt == "html" else re.sub(r"\\(.)", r"\1", text)


def summary_text(result: dict, fmt: str = "html") -> str:
    text = render(result, fmt, AssessOptions())
    if fmt == "html":
        return _Text(text, "summary").text
    text = readable(text, fmt)
    return text[text.index("## Board summary"):text.index("## Each statement in detail")]


# ---------------------------------------------------------------- plain words


@pytest.mark.parametrize("fmt", ["html", "md"])
@pytest.mark.parametrize("make", [plain, judged])
def test_board_summary_speaks_plain_words(fmt, make):
    text = summary_text(make(), fmt)
    assert text.strip()
    for word in FORBIDDEN:
        assert word not in text, f"{word!r} in the board summary"
    assert not RAW_FLOAT.search(text), RAW_FLOAT.search(text)


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_working_stays_in_the_same_report(fmt):
    text = readable(render(judged(), fmt, AssessOptions()), fmt)
    for needle in ("statements/shared_direction.crit:37", "lows 3 and 2: 5/8 = 62.5%",
                   "staff_survey.json", "/questions/vision_known/percent_positive"):
        assert needle in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_provenance_notes_go_to_about_these_criteria(fmt):
    text = readable(render(judged(), fmt, AssessOptions()), fmt)
    about = text[text.index("About these criteria", text.index("Each statement in detail")):]
    assert "third-party summary of CQC rules; UNCONFIRMED" in about
    assert "not yet checked against the regulator's own words" in about
    assert "the criteria authors' own choices" in about


# ---------------------------------------------------------------- the parts, in order


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_concerns_come_first_with_advice_and_the_unchecked_with_their_gaps(fmt):
    text = summary_text(judged(), fmt)
    assert text.index("Concerns to discuss") < text.index("Strengths")
    assert text.index(CONCERN) < text.index("Each quality statement")
    assert CONCERN_ADVICE in text
    unchecked = text[text.index("Not yet checked"):]
    assert UNCHECKED in unchecked and "staff_survey.yaml, questions, q3f" in unchecked


def test_no_concerns_section_until_the_result_has_concerns():
    assert "Concerns to discuss" not in summary_text(plain())
    result = judged()
    for node in result["results"].values():
        node["concerns"], node["concerns_not_checked"] = [], []
    text = summary_text(result)
    assert "Concerns to discuss" in text and "No concern was raised" in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_headline_names_its_range_and_coverage(fmt):
    text = summary_text(judged(), fmt)
    assert "Developing, could be Established" in text
    assert "level 2 to 3 of 4, judged on 2 of 3 statements" in text.lower()


def test_coverage_is_counted_when_the_judge_has_not_written_it():
    view = board(plain())
    assert view["coverage"] == "judged on 2 of 3 statements"   # one statement not assessed
    rows = {row["id"]: row for row in view["statements"]}
    assert rows["environmental_sustainability"]["coverage"] == ""   # no level: nothing to say


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_areas_to_develop_name_what_is_unmet_beside_the_advice(fmt):
    text = summary_text(judged(), fmt)
    develop = text[text.index("Areas to develop"):]
    assert UNMET in develop
    assert "Refresh the board development plan." in develop


def test_settling_evidence_is_grouped_by_file_each_field_once():
    result = plain()
    nodes = result["results"]
    gap = {"evidence": "ftsu", "pointer": "/cases_raised", "provided": True,
           "title": "Freedom to Speak Up guardian report"}
    for node_id in ("guardian_in_post", "concerns_themed"):
        nodes[node_id]["status"] = "partial"
        nodes[node_id]["gaps"] = [gap, dict(gap, pointer="/committees/0/review_on"),
                                  dict(gap, pointer="/committees/1/review_on")]
    view = settle(result)
    files = {entry["type"]: entry for entry in view["missing"] + view["incomplete"]}
    ftsu = files["ftsu"]
    assert ftsu["file"] == "ftsu.yaml" and ftsu["title"] == "Freedom to Speak Up guardian report"
    assert ftsu["fields"] == ["cases raised", "committees, review on (each entry)"]
    assert ftsu["settles"] == "2 criteria"
    assert all(entry["fields"] or not entry["provided"] for entry in files.values())
    assert view["lead"].endswith(f"to settle {view['criteria']} criteria.")


def test_a_missing_collection_is_named_as_its_folder():
    result = plain()
    node = result["results"]["learning_shared"]
    node["gaps"] = [{"evidence": "focus_group", "pointer": "", "provided": False,
                     "title": "Culture focus groups"}]
    entry = next(e for e in settle(result)["missing"] if e["type"] == "focus_group")
    assert entry["file"] == "focus_group/" and entry["fields"] == []


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_what_lenient_set_aside_is_in_the_summary(fmt):
    text = summary_text(plain(), fmt)
    assert "Evidence set aside" in text and "minutes.yaml" in text


@pytest.mark.parametrize("text,sentence,note", [
    ("Held at 3 (third-party summary; UNCONFIRMED).", "Held at 3.", "third-party summary; UNCONFIRMED"),
    ("Reach 85% (about 4 in 5).", "Reach 85% (about 4 in 5).", ""),
    ("", "", ""),
])
def test_split_note(text, sentence, note):
    assert split_note(text) == (sentence, note)


@pytest.mark.parametrize("pointer,words", [
    ("/a_b", "a b"), ("/x/0/y_z", "x, y z (each entry)"), ("", ""), ("/a~1b", "a/b"),
])
def test_field_words(pointer, words):
    assert field_words(pointer) == words


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_gap_without_a_field_never_shows_an_empty_field(fmt):
    result = plain()
    result["results"]["learning_shared"]["gaps"] = [
        {"evidence": "focus_group", "pointer": "", "provided": False,
         "title": "Culture focus groups"}]
    text = render(result, fmt, AssessOptions())
    assert "field <code></code>" not in text and "field ``" not in text
    assert "Culture focus groups" in text and "the whole file or folder" in text


def test_areas_to_develop_come_weakest_first():
    from engine.api import assess_bundle, load_criteria

    result = assess_bundle(load_criteria(ROOT / "criteria" / "cqc_well_led"),
                           ROOT / "examples" / "bundles" / "lowbridge", AssessOptions())
    nodes = result["results"]
    levels = [(nodes[row["id"]]["level"], nodes[row["id"]]["max_level"])
              for row in board(result)["develop"]]
    assert len(levels) > 3 and levels == sorted(levels)


def test_a_long_list_of_missing_fields_is_cut_short_in_the_summary():
    result = plain()
    node = result["results"]["guardian_in_post"]
    node["status"] = "partial"
    node["gaps"] = [{"evidence": "ftsu", "pointer": f"/field_{i}", "provided": True,
                     "title": "Freedom to Speak Up guardian report"} for i in range(10)]
    entry = next(e for e in settle(result)["incomplete"] if e["type"] == "ftsu")
    assert len(entry["fields"]) == 10 and len(entry["shown"]) == 4 and entry["more"] == 6
    assert "and 6 more fields (listed under Evidence gaps)" in summary_text(result, "md")


def test_set_aside_files_are_listed_one_a_line_with_their_reasons():
    result = plain()
    result["bundle"]["set_aside"] = [
        {"path": "ftsu.yaml", "evidence": "ftsu", "reasons": ["/cases_raised: expected a number"]},
        {"path": "focus_group/", "evidence": "focus_group", "reasons": []}]
    view = board(result)
    assert view["set_aside"] == ["ftsu.yaml: /cases_raised: expected a number", "focus_group/"]
    assert "ftsu.yaml: /cases_raised: expected a number" in summary_text(result)
