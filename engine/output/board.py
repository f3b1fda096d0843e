"""The board summary: what a board reads first, in plain words, the same in every format.

``board(result, options)`` turns a result document into a small view: the
headline with its range and coverage, concerns to discuss, each statement in
words, strengths, areas to develop with the next step, the evidence that would
settle the open ranges (grouped by file, each field once), what changed since
the last assessment, and what ``--lenient`` set aside. The HTML, Markdown and
PDF reports lay it out; none of them works anything out again.

Nothing here speaks the engine's language: no rungs, no source lines, no
JSON pointers, no arithmetic, no raw floats. The working stays in the detail
sections and the appendices of the same report.

>>> split_note("A limit applies (project decision; CQC verbatim UNCONFIRMED).")
('A limit applies.', 'project decision; CQC verbatim UNCONFIRMED')
>>> split_note("Staff feel safe.")
('Staff feel safe.', '')
>>> field_words("/questions/q3f/percent_positive")
'questions, q3f, percent positive'
>>> field_words("/committees/0/effectiveness_review_on")
'committees, effectiveness review on (each entry)'
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from engine import words
from engine.judge.record import Cap, Concern, Event, Rung
from engine.output.trace import trace_events

# ---------------------------------------------------------------- provenance notes

# A criteria author's note on where a rule comes from, written as a closing
# parenthesis of a ``because`` or ``advice`` text: "(project decision based on
# CQC's rating limiters; CQC verbatim UNCONFIRMED)". The board reads the sentence
# without it; the "About these criteria" appendix lists each note once.
_NOTE_WORDS = re.compile(
    r"UNCONFIRMED|verbatim|project decision|project's choice|third-party|summary of|"
    r"source:|sourced from|based on", re.I)
_TRAILING_PAREN = re.compile(r"\s*\(([^()]*)\)\s*(\.?)\s*$")
_AUTHORS = re.compile(r"project decision|project's choice|authors' choice|our choice", re.I)
_UNCHECKED = re.compile(r"UNCONFIRMED|third-party|not checked", re.I)


def split_note(text: str | None) -> tuple[str, str]:
    """``text`` without a closing provenance note, and the note ("" when there is none)."""
    if not text:
        return text or "", ""
    return _split_note(text)


@lru_cache(maxsize=4096)
def _split_note(text: str) -> tuple[str, str]:
    # A pure memo: the same criteria texts come back in every report of a batch.
    match = _TRAILING_PAREN.search(text)
    if not match or not _NOTE_WORDS.search(match.group(1)):
        return text, ""
    return text[:match.start()] + (match.group(2) or ""), match.group(1).strip()


def note_kind(note: str) -> str:
    """Who a threshold comes from, in words, judged from the author's own note."""
    if _AUTHORS.search(note):
        return "the criteria authors' own choice"
    if _UNCHECKED.search(note):
        return ("based on the regulator's approach as others have described it; "
                "not yet checked against the regulator's own words")
    return "from the source named in the note"


def plain(text: str | None) -> str:
    """A ``because`` or ``advice`` text as the board reads it: the provenance note taken out."""
    return split_note(text)[0]


# ---------------------------------------------------------------- fields and files


_INDEX = re.compile(r"^\d+$")
# The board summary names at most this many missing fields of one file, then "and N more
# fields": the full list is under "Evidence gaps" (a summary must fit four A4 pages).
FIELDS_SHOWN = 4


@lru_cache(maxsize=4096)
def field_words(pointer: str | None) -> str:
    """A JSON pointer as words: "/committees/0/review_on" -> "committees, review on (each entry)"."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in (pointer or "").split("/")[1:]]
    each = any(_INDEX.match(p) for p in parts)
    named = [p.replace("_", " ") for p in parts if not _INDEX.match(p)]
    text = ", ".join(named)
    return f"{text} (each entry)" if each and text else text


def file_name(evidence_type: str, pointer: str | None) -> str:
    """The file a bundle would hold for an evidence type: ``ftsu.yaml`` for one document,
    the folder ``focus_group/`` when the whole collection is missing (pointer "")."""
    return f"{evidence_type}/" if not pointer else f"{evidence_type}.yaml"


def _criteria(result: dict[str, Any]) -> list[str]:
    return [i for i in result["order"] if result["results"][i]["kind"] == "criterion"]


def _types_provided(result: dict[str, Any]) -> dict[str, str]:
    """Evidence type -> the file (or, for a collection, the folder) that provided it."""
    out: dict[str, str] = {}
    for item in result["bundle"]["files"]:
        path = item["path"]
        out.setdefault(item["type"], path if "/" not in path else path.split("/", 1)[0] + "/")
    return out


def settle(result: dict[str, Any]) -> dict[str, Any]:
    """The evidence that would settle the open judgements, grouped by file, each field once.

    ``missing``: files not provided (title, file, criteria); ``incomplete``: files provided
    with fields missing (title, file, fields, criteria); ``criteria``: how many criteria
    (a range or not assessed) name a gap.
    """
    nodes = result["results"]
    provided = _types_provided(result)
    files: dict[str, dict[str, Any]] = {}
    open_criteria = []
    for node_id in _criteria(result):
        node = nodes[node_id]
        if node["status"] not in ("partial", "not_assessed") or not node.get("gaps"):
            continue
        open_criteria.append(node_id)
        for gap in node["gaps"]:
            kind = gap["evidence"]
            entry = files.setdefault(kind, {
                "type": kind, "title": gap.get("title") or kind.replace("_", " "),
                "provided": kind in provided or bool(gap.get("provided")),
                "file": None, "fields": {}, "criteria": {}})
            pointer = gap.get("pointer") or ""
            if kind in provided:
                entry["file"] = provided[kind]
            elif entry["file"] is None or not pointer:
                entry["file"] = file_name(kind, pointer if entry["file"] is None else "")
            words_ = field_words(pointer)
            if words_:
                entry["fields"][words_] = None        # a dict keeps the order, each once
            entry["criteria"][node_id] = node["title"]
    ordered = sorted(files.values(), key=lambda e: (-len(e["criteria"]), e["title"]))
    for entry in ordered:
        entry["fields"] = list(entry["fields"])
        entry["criteria"] = list(entry["criteria"].values())
        entry["settles"] = words.plural(len(entry["criteria"]), "criterion")
        entry["shown"] = entry["fields"][:FIELDS_SHOWN]
        entry["more"] = len(entry["fields"]) - len(entry["shown"])
    return {
        "missing": [e for e in ordered if not e["provided"]],
        "incomplete": [e for e in ordered if e["provided"]],
        "criteria": len(open_criteria),
        "lead": settle_words(sum(not e["provided"] for e in ordered),
                             sum(bool(e["provided"]) for e in ordered), len(open_criteria)),
    }


def settle_words(missing: int, incomplete: int, criteria: int) -> str:
    """One sentence: "Provide these 3 files and complete 2 more to settle 12 criteria."

    >>> settle_words(3, 0, 12)
    'Provide these 3 files to settle 12 criteria.'
    >>> settle_words(0, 1, 1)
    'Complete this 1 file to settle 1 criterion.'
    >>> settle_words(0, 0, 0)
    ''
    """
    if not criteria:
        return ""
    parts = []
    if missing:
        parts.append(f"Provide {'this' if missing == 1 else 'these'} "
                     f"{words.plural(missing, 'file')}")
    if incomplete:
        verb = "complete" if missing else "Complete"
        these = "this" if incomplete == 1 and not missing else "these"
        parts.append(f"{verb} {these + ' ' if not missing else ''}"
                     f"{words.plural(incomplete, 'file')}{' already provided' if missing else ''}")
    return " and ".join(parts) + f" to settle {words.plural(criteria, 'criterion')}."


# ---------------------------------------------------------------- nodes in words


def coverage_of(result: dict[str, Any], node: dict[str, Any]) -> dict[str, int] | None:
    """``{"assessed": N, "of": M}`` of a statement or key question: the judge's own field when
    the result has it, otherwise counted the same way (children that apply; those with a
    level of their own)."""
    if node.get("coverage"):
        return node["coverage"]
    if node["kind"] == "criterion":
        return None
    children = [result["results"][c] for c in node.get("children", [])
                if c in result["results"]]
    applying = [c for c in children if c["status"] != "not_applicable"]
    return {"assessed": sum(c["status"] in ("rated", "partial") for c in applying),
            "of": len(applying)}


def coverage_words(result: dict[str, Any], node: dict[str, Any]) -> str:
    """ "judged on 1 of 8 statements" when part of a parent's children have no level; else ""."""
    cov = coverage_of(result, node)
    if not cov or node.get("level") is None:
        return ""
    kinds = {result["results"][c]["kind"] for c in node.get("children", [])
             if c in result["results"]}
    noun = "statement" if kinds == {"statement"} else (
        "criterion" if kinds == {"criterion"} else "part")
    return words.coverage(cov["assessed"], cov["of"], noun)


def judgement(node: dict[str, Any]) -> str:
    """The judgement in words ("Developing, could be Established")."""
    return words.judgement(node.get("label"), node.get("max_label"), node.get("level"),
                           node.get("max_level"), node.get("status"))


def _scale_words(result: dict[str, Any], node: dict[str, Any]) -> str:
    """ "level 2 to 3 of 4" or "" when there is no level."""
    if node.get("level") is None:
        return ""
    top = len(result["framework"]["scale"])
    return f"level {words.level_range(node['level'], node.get('max_level'))} of {top}"


def next_step(node: dict[str, Any]) -> dict[str, Any]:
    """What is not yet met, in words, and the level's own advice: from the judge's
    ``next_step`` when the result has it, else the criterion's advice alone."""
    step = node.get("next_step")
    if step:
        unmet = [u["words"] for u in step.get("unmet") or [] if u.get("words")]
        return {"level": step.get("level"), "label": step.get("label"), "unmet": unmet,
                "advice": plain(step.get("advice") or node.get("advice"))}
    return {"level": None, "label": None, "unmet": [], "advice": plain(node.get("advice"))}


def _top(result: dict[str, Any]) -> int:
    return max(step["level"] for step in result["framework"]["scale"])


def _label(result: dict[str, Any], level: int | None) -> str:
    for step in result["framework"]["scale"]:
        if step["level"] == level:
            return step["label"]
    return f"level {level}"


# ---------------------------------------------------------------- concerns


def _gap_words(reads: list[dict[str, Any]]) -> list[str]:
    """ "not yet provided: staff_survey.yaml, questions, q3f" for each unknown read, once."""
    out = []
    for read in reads or []:
        if read.get("known"):
            continue
        where = read.get("file") or file_name(str(read.get("type")), read.get("pointer"))
        field = field_words(read.get("pointer"))
        text = f"{where}{', ' + field if field else ''}"
        if text not in out:
            out.append(text)
    return out


def concerns(result: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Raised and not-checked concerns on the root (which carries those of every node below)."""
    root = result["results"][result["framework"]["root"]]
    nodes = result["results"]

    def view(item: dict[str, Any]) -> dict[str, Any]:
        node = nodes.get(item.get("node"), {})
        return {"node": item.get("node"), "where": node.get("title") or item.get("node"),
                "text": item.get("text"), "advice": plain(item.get("advice")),
                "gaps": _gap_words(item.get("reads") or [])}

    return {"raised": [view(c) for c in root.get("concerns") or []],
            "not_checked": [view(c) for c in root.get("concerns_not_checked") or []]}


# ---------------------------------------------------------------- the summary


def board(result: dict[str, Any]) -> dict[str, Any]:
    """The board summary of ``result`` as plain data for the templates, with what every
    format of the report shares: each node's typed events, each criterion's next step and the
    notes of ``about``."""
    nodes = result["results"]
    root = nodes[result["framework"]["root"]]
    top = _top(result)
    changes = result.get("since") or {}
    change_of = changes.get("nodes", {})

    statement_ids = [c for c in root.get("children", []) if nodes[c]["kind"] != "criterion"]
    statement_rows = []
    for sid in statement_ids:
        node = nodes[sid]
        statement_rows.append({
            "id": sid, "title": node["title"], "judgement": judgement(node),
            "digits": words.level_range(node.get("level"), node.get("max_level")),
            "coverage": coverage_words(result, node), "status": node["status"],
            "change": change_of.get(sid)})

    criteria = _criteria(result)
    next_steps = {cid: next_step(nodes[cid]) for cid in criteria}
    strengths, develop = [], []
    for cid in criteria:
        node = nodes[cid]
        if node["status"] not in ("rated", "partial"):
            continue
        row = {"id": cid, "title": node["title"], "judgement": judgement(node),
               "parent": nodes.get(node.get("parent") or "", {}).get("title", ""),
               "change": change_of.get(cid)}
        if node["level"] > top / 2:
            strengths.append(row)
        else:
            row["next"] = next_steps[cid]
            row["next_label"] = row["next"]["label"] or _label(
                result, row["next"]["level"] or node["level"] + 1)
            develop.append(row)

    # the weakest first: what the evidence assures, then how far it could reach
    develop.sort(key=lambda row: (nodes[row["id"]]["level"],
                                  nodes[row["id"]].get("max_level") or 0))
    events = trace_events(result)      # each node's typed events, made once
    changed = [dict(change, id=node_id, title=nodes[node_id]["title"], kind=nodes[node_id]["kind"])
               for node_id, change in change_of.items()
               if node_id in nodes and change.get("change") != "same"]
    return {
        "title": root["title"],
        "judgement": judgement(root),
        "scale": _scale_words(result, root),
        "status": root["status"],
        "coverage": coverage_words(result, root),
        "description": root.get("description") or "",
        "concerns": concerns(result),
        "statements": statement_rows,
        "strengths": strengths,
        "develop": develop,
        "settle": settle(result),
        "since": ({"date": changes.get("previous", {}).get("date"),
                   "counts": changes.get("counts", {}), "changed": changed,
                   "lead": changes.get("lead", "")} if changes else None),
        "set_aside": set_aside(result["bundle"]),
        "change_of": change_of,
        "events": events,
        "next_steps": next_steps,            # each criterion's next step, for its section
        "about": about(result, events),      # made once for every format of the report
    }


def set_aside(bundle: dict[str, Any]) -> list[str]:
    """What ``--lenient`` set aside, one line per file with its reason (the bundle's
    ``set_aside`` when the result has it, else its list of problems)."""
    entries = bundle.get("set_aside")
    if entries is None:
        return list(bundle.get("problems") or [])
    lines = []
    for entry in entries:
        reasons = entry.get("reasons") or []
        lines.append(f"{entry.get('path')}: {'; '.join(reasons)}" if reasons
                     else str(entry.get("path")))
    return lines


_NOTED = (Rung, Cap, Concern)     # the events with a ``because`` (rungs, caps) or ``advice``


def about(result: dict[str, Any], events: dict[str, tuple[Event, ...]] | None = None
          ) -> list[dict[str, Any]]:
    """Every provenance note in the criteria's texts, once, with what it limits and who chose
    it. ``events``: ``view["events"]`` (each node's typed events), made if not given."""
    seen: dict[str, dict[str, Any]] = {}
    nodes = result["results"]
    if events is None:
        events = trace_events(result)
    for node_id in result["order"]:
        node = nodes[node_id]
        noted = [e for e in events[node_id] if type(e) in _NOTED]
        texts = [(e.because, e) for e in noted if type(e) is not Concern and e.because]
        texts += [(e.advice, e) for e in noted if e.advice]
        texts.append((node.get("advice"), None))
        for text, event in texts:
            sentence, note = split_note(text)
            if not note:
                continue
            entry = seen.setdefault(sentence, {"rule": sentence, "note": note,
                                               "kind": note_kind(note), "where": {}})
            entry["where"][node_id] = node["title"]
    for entry in seen.values():
        entry["where"] = list(dict.fromkeys(entry["where"].values()))
    return list(seen.values())
