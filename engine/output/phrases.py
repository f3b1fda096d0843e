"""The phrases of a report: levels, outcomes and values read in words, anchors, the
choice of nodes for each section, the chart, and Markdown escaping.

Shared by the page (``report.py``), a criterion's section (``criterion.py``) and its
trace (``trace.py``). Two rules hold for every value taken from a bundle or a criteria
file: a read marked ``sensitive`` is never quoted unless ``options.include_sensitive``,
and a count of people below ``options.suppress_below`` is shown as "fewer than N".

>>> str(md_escape("<b>"))
'&lt;b>'
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

from engine import words
from engine.judge.record import Aggregate, Applies, Cap, Category, Event, Excluded, Let, Read, Rung
from engine.judge.record import outcome_text as _outcome_text
from engine.judge.record import shown_value
from engine.options import AssessOptions
from engine.words import printable



# Last JSON-pointer segments that hold a number of people. A value read from
# such a field below ``suppress_below`` is shown as "fewer than N", so that a
# small group cannot be identified. Kept short and explicit on purpose: add a
# field here (and to docs/decisions.md) when an evidence schema gains one.
PEOPLE_COUNT_FIELDS = frozenset(
    {"respondents", "participants", "participant_count", "cases_raised", "headcount",
     "responses"})
# A field named ``<anything>_<one of the above>`` counts people too (``feedback_responses``,
# ``fft_responses``, ``workforce_headcount``). A share of such a group (a field whose name
# holds one of SHARE_WORDS, read from the same file and object as a count kept back) is
# kept back with it: "100%" of one response says what that one person said.
SHARE_WORDS = ("percent", "rate", "share", "proportion")

SENSITIVE_TEXT = "withheld: sensitive"
UNKNOWN_TEXT = words.NOT_KNOWN
_MAX_VALUE_CHARS = 160


class _MdSafe(str):
    """Markdown built by a filter: the Markdown environment does not escape it again."""



# ---------------------------------------------------------------- levels in words


def range_words(node: dict[str, Any]) -> str:
    """A node's judgement in words: "Developing, could be Established", "Established"."""
    return words.judgement(node.get("label"), node.get("max_label"), node.get("level"),
                           node.get("max_level"), node.get("status"))


def range_digits(node: dict[str, Any]) -> str:
    """A node's level as digits: "2", "2 to 3", or a dash when it has none."""
    return words.level_range(node.get("level"), node.get("max_level"))


_STATUS_WORDS = {
    "rated": "judged",
    "partial": "a range: some evidence missing",
    "not_assessed": "not assessed: evidence needed",
    "not_applicable": "not applicable",
}


def status_words(status: str) -> str:
    """What a status means for a reader."""
    return _STATUS_WORDS.get(status, str(status).replace("_", " "))


def outcome_words(event: Rung | Cap | Applies) -> str:
    """A rung's, cap's or ``applies``' outcome in developmental words."""
    return kind_outcome_words(type(event), _outcome_text(event.outcome),
                              getattr(event, "level", None))


def kind_outcome_words(kind: type, outcome: str, level: int | None) -> str:
    """``outcome_words`` of an event of ``kind`` (Rung, Cap or Applies), its outcome as
    result.json writes it ("true", "false", "unknown") and its level (a cap's)."""
    if kind is Rung:
        return words.rung_outcome(outcome, plain=True)
    if kind is Cap:
        return words.cap_outcome(outcome, level, plain=True)
    return words.applies_outcome(outcome)


def outcome_mark(event: Rung | Cap | Applies) -> str:
    """A one-character sign for an outcome, always shown beside its words."""
    return outcome_sign(event.outcome)


def outcome_sign(outcome: Any) -> str:
    """``outcome_mark`` of an event's outcome (True, False or unknown)."""
    return "✓" if outcome is True else "○" if outcome is False else "?"


def scale_label(result: dict[str, Any], level: int | None) -> str:
    """The scale label of ``level`` ("Developing"), or "level N" if the scale lacks it."""
    for step in result["framework"]["scale"]:
        if step["level"] == level:
            return step["label"]
    return f"level {level}"


def badge(node: dict[str, Any], result: dict[str, Any]) -> Markup:
    """The level badge of a node: a pip per scale step (assured, possible, neither) beside
    the level in digits and words."""
    levels = tuple(step["level"] for step in result["framework"]["scale"])
    return _badge(node.get("status"), node.get("level"), node.get("max_level"),
                  range_words(node), range_digits(node), levels)


@lru_cache(maxsize=1024)
def _badge(status: Any, low: Any, high: Any, words_: str, digits: str,
           levels: tuple[int, ...]) -> Markup:
    # A pure memo: a report holds a few dozen badges of a handful of kinds.
    pips = "".join(
        '<i class="pip on"></i>' if low is not None and step <= low else
        '<i class="pip maybe"></i>' if high is not None and step <= high else
        '<i class="pip"></i>' for step in levels)
    number = f'<span class="digits">{escape(digits)}</span> ' if low is not None else ""
    return Markup(f'<span class="badge status-{escape(status)}"><span class="pips" '
                  f'aria-hidden="true">{pips}</span><span class="badge-text">{number}'
                  f"{escape(printable(words_, keep_lines=True))}</span></span>")


# ---------------------------------------------------------------- values read


@lru_cache(maxsize=4096)
def _field(pointer: str) -> tuple[bool, bool, str]:
    """(counts people, is a share, parent object) of a JSON pointer: a pure memo, as the
    same fields are read again and again."""
    parent, _, last = pointer.rpartition("/")
    counts = last in PEOPLE_COUNT_FIELDS or any(
        last.endswith("_" + name) for name in PEOPLE_COUNT_FIELDS)
    return counts, any(word in last for word in SHARE_WORDS), parent


def is_people_count(read: Read) -> bool:
    """True when ``read`` comes from a field that counts people (``PEOPLE_COUNT_FIELDS``,
    or a name ending ``_`` and one of them, such as ``feedback_responses``)."""
    return _field(read.pointer or "")[0]


def small_group_share(read: Read, siblings: tuple[Read, ...] | None,
                      options: AssessOptions) -> bool:
    """True when ``read`` is a share (percent, rate) of a group whose count, read beside it
    from the same file and object, is below ``options.suppress_below``."""
    if not siblings:
        return False
    _, share, parent = _field(read.pointer or "")
    if not share:
        return False
    where = read.file
    for other in siblings:
        counts, _, other_parent = _field(other.pointer or "")
        if (counts and other_parent == parent and other.file == where
                and other.known and _suppressed(other.value, options)):
            return True
    return False


def _suppressed(value: Any, options: AssessOptions) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and value < options.suppress_below)


_float_text = lru_cache(maxsize=4096)(words.number)   # a pure memo: the same values repeat


def _plain(value: Any) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif type(value) is int:
        text = str(value)
    elif isinstance(value, float):
        text = _float_text(value)           # never 33.333333333333336
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[:_MAX_VALUE_CHARS - 1] + "…"
    return text


def read_value(read: Read, options: AssessOptions,
               siblings: tuple[Read, ...] | None = None) -> str:
    """The value of one read as a report may show it (sensitive and small counts kept back).

    ``siblings`` are the reads shown beside it: a share of a group kept back is kept back too.
    """
    if read.sensitive and not options.include_sensitive:
        return SENSITIVE_TEXT
    if not read.known:
        return UNKNOWN_TEXT
    value = read.value
    counts, share, _ = _field(read.pointer or "")
    if counts and _suppressed(value, options):
        return f"fewer than {options.suppress_below}"
    if share and siblings and small_group_share(read, siblings, options):
        return f"withheld: a group of fewer than {options.suppress_below}"
    return _plain(value)


def let_value(event: Let, options: AssessOptions) -> str:
    """The value of a ``let``; withheld when any read behind it is, like the reads themselves."""
    reads = event.reads
    if any(r.sensitive for r in reads) and not options.include_sensitive:
        return SENSITIVE_TEXT
    if not event.known:
        return UNKNOWN_TEXT
    value = shown_value(event.value, options.include_sensitive)
    if any(is_people_count(r) for r in reads) and _suppressed(value, options):
        return f"fewer than {options.suppress_below}"
    if (isinstance(value, (int, float)) and not isinstance(value, bool)
            and any(is_people_count(r) and r.known
                    and _suppressed(r.value, options) for r in reads)):
        return f"withheld: a group of fewer than {options.suppress_below}"
    return _plain(value)


def evidence_ref(read: Read) -> str:
    """Where a value came from: ``file#/pointer``, or the evidence type when not provided."""
    where = read.file or f"{read.type} (not provided)"
    return f"{where}#{read.pointer or ''}"


# ---------------------------------------------------------------- anchors


_NOT_ID = re.compile(r"[^A-Za-z0-9_]")


@lru_cache(maxsize=4096)
def _anchor(prefix: str, text: str) -> str:
    # Injective: every character outside [A-Za-z0-9_] (``-`` included) becomes
    # -hex-, so two different names never share an id, and criteria ids
    # ([a-z_][a-z0-9_]*) stay readable: ``node-raise_concerns``.
    return prefix + _NOT_ID.sub(lambda m: f"-{ord(m.group()):x}-", str(text))


def evidence_target(read: Read, result: dict[str, Any]) -> str:
    """The anchor of the provenance row a read links to, or "" when nothing was read.

    A read from a ``many`` type names its folder (``focus_group/``); it links to
    the first file in that folder.
    """
    path = read.file
    if not path:
        return ""
    paths = [item["path"] for item in result["bundle"]["files"]]
    if path in paths:
        return file_anchor(path)
    folder = path.rstrip("/") + "/"
    inside = sorted(p for p in paths if p.startswith(folder))
    return file_anchor(inside[0]) if inside else ""


def node_anchor(node_id: str) -> str:
    """The HTML id of a criterion, statement or key question section."""
    return _anchor("node-", node_id)


def file_anchor(path: str) -> str:
    """The HTML id of an evidence file's row in the provenance table."""
    return _anchor("file-", path)


# ---------------------------------------------------------------- choosing nodes


def statements(result: dict[str, Any]) -> list[str]:
    """Statement ids: the root's children in source order, then any others in evaluation order."""
    nodes = result["results"]
    root = nodes.get(result["framework"]["root"], {})
    ids = [c for c in root.get("children", []) if nodes.get(c, {}).get("kind") == "statement"]
    ids += [i for i in result["order"] if nodes[i]["kind"] == "statement" and i not in ids]
    return ids


def criteria_of(result: dict[str, Any], node_id: str) -> list[str]:
    """The criteria directly under ``node_id``, in source order."""
    nodes = result["results"]
    return [c for c in nodes[node_id].get("children", []) if nodes[c]["kind"] == "criterion"]


def _criteria(result: dict[str, Any]) -> list[str]:
    return [i for i in result["order"] if result["results"][i]["kind"] == "criterion"]


def _top(result: dict[str, Any]) -> int:
    return max(step["level"] for step in result["framework"]["scale"])


def strengths(result: dict[str, Any]) -> list[str]:
    """Criteria whose assured level is in the upper half of the scale (3 and 4 of 4)."""
    top = _top(result)
    return [i for i in _criteria(result)
            if (result["results"][i].get("level") or 0) > top / 2]


def areas_to_develop(result: dict[str, Any]) -> list[str]:
    """Criteria that have a next step and are not yet assured in the upper half of the scale."""
    top = _top(result)
    out = []
    for node_id in _criteria(result):
        node = result["results"][node_id]
        if node["status"] in ("rated", "partial") and node["level"] <= top / 2:
            out.append(node_id)
    return out


def not_assessed(result: dict[str, Any]) -> list[str]:
    """Criteria that could not be judged for want of evidence."""
    return [i for i in _criteria(result) if result["results"][i]["status"] == "not_assessed"]


def ranged_with_gaps(result: dict[str, Any]) -> list[str]:
    """Criteria judged as a range, with the evidence that would settle it."""
    return [i for i in _criteria(result)
            if result["results"][i]["status"] == "partial" and result["results"][i]["gaps"]]


_COMBINING = (Category, Aggregate, Excluded, Cap)


def aggregation_events(events: tuple[Event, ...]) -> list[Event]:
    """The events (of ``view.events[node_id]``) that say how a statement or key question
    was combined."""
    return [e for e in events if type(e) in _COMBINING]


def file_types(result: dict[str, Any]) -> dict[str, str]:
    """Evidence type -> the file that provided it (the first, for ``many`` types)."""
    out: dict[str, str] = {}
    for item in result["bundle"]["files"]:
        out.setdefault(item["type"], item["path"])
    return out


# ---------------------------------------------------------------- the chart


def chart(result: dict[str, Any]) -> dict[str, Any]:
    """Geometry of the statement chart: one row per statement, bars on the level scale."""
    top = _top(result)
    left, width, row_h, head = 8, 560, 46, 34
    unit = width / top
    rows = []
    for index, node_id in enumerate(statements(result)):
        node = result["results"][node_id]
        y = head + index * row_h
        low, high = node.get("level"), node.get("max_level")
        rows.append({
            "id": node_id, "title": node["title"], "y": y, "bar_y": y + 10,
            "low_w": round((low or 0) * unit, 1),
            "high_x": round(left + (low or 0) * unit, 1),
            "high_w": round(((high or 0) - (low or 0)) * unit, 1) if low is not None else 0,
            "text_x": round(left + (high or low or 0) * unit + 8, 1),
            "words": range_words(node), "digits": range_digits(node), "assessed": low is not None,
        })
    ticks = [{"x": round(left + step["level"] * unit, 1), "level": step["level"],
              "label": step["label"]} for step in result["framework"]["scale"]]
    return {"rows": rows, "ticks": ticks, "left": left, "bar_h": 16,
            "width": left + width + 200, "height": head + len(rows) * row_h + 6,
            "axis_end": left + width}


# ---------------------------------------------------------------- Markdown


_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~<&])")
_MD_SPACE = re.compile(r"\s+")
# Text with none of these needs no work at all: the common case, checked in one scan.
_MD_NEEDS_WORK = re.compile(r"[\\`*_\[\]#|~<&]|\s\s|[^\S ]")
_MD_REPLACE = {"<": "&lt;", "&": "&amp;"}


def _md_special(match: re.Match) -> str:
    char = match.group(1)
    return _MD_REPLACE.get(char) or "\\" + char


def md_escape(value: Any) -> _MdSafe:
    """Text safe inside a Markdown line: no markup, no raw HTML, no line breaks.

    >>> md_escape("<script>*x*</script>")
    '&lt;script>\\\\*x\\\\*&lt;/script>'
    """
    return _md_escape_text(value if type(value) is str else str(value))


@lru_cache(maxsize=8192)
def _md_escape_text(text: str) -> _MdSafe:
    # A pure memo: titles, sources and file references repeat hundreds of times a report.
    text = printable(text, keep_lines=True)     # no terminal escapes in report.md
    if _MD_NEEDS_WORK.search(text) is None:
        return _MdSafe(text)
    text = _MD_SPACE.sub(" ", text)
    return _MdSafe(_MD_SPECIAL.sub(_md_special, text))


def md_code(value: Any) -> _MdSafe:
    """Text shown as inline code, safe whatever backticks it holds.

    Text holding ``<`` is escaped plain text instead: a Markdown renderer that
    does not follow CommonMark might pass markup inside a code span through.
    """
    return _md_code_text(value if type(value) is str else str(value))


@lru_cache(maxsize=8192)
def _md_code_text(value: str) -> _MdSafe:
    text = " ".join(printable(value, keep_lines=True).split())
    if "<" in text:
        return md_escape(text)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return _MdSafe(f"{fence}{pad}{text}{pad}{fence}")


def md_link(text: Any, anchor: str) -> _MdSafe:
    """A link to a heading anchor in the same document."""
    return _MdSafe(f"[{md_escape(text)}](#{anchor})")


def md_raw(value: str) -> _MdSafe:
    """Markdown written in a template (never data): printed as is."""
    return _MdSafe(value)
