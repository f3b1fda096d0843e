"""What changed between two versions of a criteria set, node by node, in a policy team's words.

Each version is read into *facets*: one per thing a policy team can change
(a criterion's category, its ``applies`` condition, each ``let``, each rung,
cap and concern, a statement's aggregation, a scale level's label ...), each
with its canonical text. Conditions are printed from the AST
(``engine.language.fmt_ast``), so comments, line breaks and spacing never show
as changes; ``level 3 when aware >= 70`` becoming ``... >= 75`` reads as that.
Facets are either *rules* (they can change a judgement) or *wording* (titles,
``good``, ``because``, ``advice``, ``we``, sources: the words a reader sees).

>>> from engine.api import load_criteria                           # doctest: +SKIP
>>> changes = criteria_changes(load_criteria("old").checked,
...                            load_criteria("new").checked)        # doctest: +SKIP
>>> changes[0]["part"], changes[0]["change"]                       # doctest: +SKIP
('Level 3 (Established)', 'changed')
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.language import nodes as n
from engine.language.check import CheckedSet
from engine.language.fmt_ast import format_expr, format_number, format_string

RULE, WORDING = "rule", "wording"


@dataclass(frozen=True)
class Facet:
    """One changeable part of a node: what it is called, rule or wording, its text, its place."""

    key: str
    label: str
    kind: str
    text: str
    source: str | None


@dataclass(frozen=True)
class NodeView:
    """A node of one version as the comparison sees it."""

    id: str
    kind: str
    title: str
    facets: dict[str, Facet]
    parent: tuple[str, str] | None   # (id, title) of the statement or key question above it
    source: str | None


# ---------------------------------------------------------------- reading one version


class _Reader:
    def __init__(self, checked: CheckedSet):
        self.checked = checked
        root = Path(checked.root)
        self.root = root.resolve() if root.is_dir() else root.resolve().parent
        self.labels = {lv.number: lv.label for lv in checked.scale.levels}

    def where(self, span: Any) -> str | None:
        if span is None:
            return None
        rel = os.path.relpath(Path(span.path).resolve(), self.root).replace(os.sep, "/")
        return f"{rel}:{span.line}"

    def level(self, ref: int | str) -> int:
        return ref if isinstance(ref, int) else self.checked.levels.get(ref, 0)

    def level_words(self, number: int) -> str:
        label = self.labels.get(number)
        return f"level {number} ({label})" if label else f"level {number}"

    # ---- facets shared by several kinds
    def wording(self, out: dict[str, Facet], key: str, label: str, text: Any,
                span: Any) -> None:
        if text:
            out[key] = Facet(key, label, WORDING, str(text), self.where(span))

    def rule(self, out: dict[str, Facet], key: str, label: str, text: str | None,
             span: Any) -> None:
        if text is not None:
            out[key] = Facet(key, label, RULE, text, self.where(span))

    def caps(self, out: dict[str, Facet], caps: tuple, side: str, pairs: dict[int, str]
             ) -> None:
        for index, cap in enumerate(caps):
            key = pairs.get(index, f"cap {side} {index}")
            number = self.level(cap.level)
            label = f"Cap at {self.level_words(number)}"
            self.rule(out, key, label, f"cap {number} when {format_expr(cap.when)}", cap.span)
            self.wording(out, f"{key} because", f"{label}: reason", cap.because, cap.span)
            self.wording(out, f"{key} advice", f"{label}: advice", cap.advice, cap.span)

    def concerns(self, out: dict[str, Facet], concerns: tuple, side: str,
                 pairs: dict[int, str]) -> None:
        for index, concern in enumerate(concerns):
            key = pairs.get(index, f"concern {side} {index}")
            label = f"Concern \u201c{concern.text}\u201d"
            self.rule(out, key, label, f"when {format_expr(concern.when)}", concern.span)
            self.wording(out, f"{key} text", f"{label}: text", concern.text, concern.span)
            self.wording(out, f"{key} advice", f"{label}: advice",
                         getattr(concern, "advice", None), concern.span)

    def aggregate(self, out: dict[str, Facet], ref: n.AggregateRef | None) -> None:
        if ref is None:
            return
        text = ref.id + (f" by category {ref.by_category}" if ref.by_category else "")
        self.rule(out, "aggregate", "How the parts combine", f"aggregate {text}", ref.span)

    # ---- each kind of node
    def criterion(self, c: n.Criterion, caps: dict[int, str], concerns: dict[int, str],
                  side: str) -> dict[str, Facet]:
        out: dict[str, Facet] = {}
        self.wording(out, "title", "Title", c.title, c.id_span)
        self.rule(out, "category", "Category", c.category or "none (uncategorised)", c.span)
        if c.applies is not None:
            self.rule(out, "applies", "Applies when", f"applies when {format_expr(c.applies)}",
                      c.applies.span)
        for let in c.lets:
            self.rule(out, f"let {let.name}", f"Value `{let.name}`",
                      f"let {let.name} = {format_expr(let.value)}", let.span)
        for rung in sorted(c.rungs, key=lambda r: self.level(r.level)):
            number = self.level(rung.level)
            key, label = f"rung {number}", _first_upper(self.level_words(number))
            self.rule(out, key, label, f"level {number} when {format_expr(rung.when)}",
                      rung.span)
            self.wording(out, f"{key} because", f"{label}: reason", rung.because, rung.span)
            self.wording(out, f"{key} advice", f"{label}: advice", rung.advice, rung.span)
        self.caps(out, c.caps, side, caps)
        self.concerns(out, getattr(c, "concerns", ()), side, concerns)
        self.wording(out, "good", "What good looks like", c.good, c.span)
        self.wording(out, "source", "Source", c.source, c.span)
        return out

    def parent(self, node: n.Statement | n.KeyQuestion, caps: dict[int, str],
               concerns: dict[int, str], side: str) -> dict[str, Facet]:
        out: dict[str, Facet] = {}
        self.wording(out, "title", "Title", node.title, node.id_span)
        self.aggregate(out, node.aggregate)
        self.caps(out, node.caps, side, caps)
        self.concerns(out, getattr(node, "concerns", ()), side, concerns)
        if isinstance(node, n.Statement):
            self.wording(out, "we", "We statement", node.we, node.span)
            self.wording(out, "regulation", "Regulations", "; ".join(node.regulations),
                         node.span)
        self.wording(out, "good", "What good looks like", node.good, node.span)
        self.wording(out, "source", "Source", node.source, node.span)
        return out

    def framework(self) -> NodeView:
        fw, out = self.checked.framework, {}
        self.wording(out, "title", "Title", fw.title, fw.id_span)
        self.wording(out, "version", "Version", fw.version, fw.span)
        self.wording(out, "publisher", "Publisher", fw.publisher, fw.span)
        self.rule(out, "scale", "Scale", f"scale {fw.scale}", fw.scale_span or fw.span)
        self.rule(out, "root", "Top of the framework", f"root {fw.root}",
                  fw.root_span or fw.span)
        categories = getattr(fw, "categories", None)
        if categories:
            self.rule(out, "categories", "Evidence categories",
                      "categories " + " ".join(sorted(categories)), fw.span)
        self.wording(out, "source", "Source", fw.source, fw.span)
        return NodeView(fw.id, "framework", fw.title, out, None, self.where(fw.span))

    def scale(self) -> NodeView:
        scale, out = self.checked.scale, {}
        for lv in sorted(scale.levels, key=lambda lv: lv.number):
            key = f"level {lv.number}"
            self.rule(out, key, f"Level {lv.number}", f"level {lv.number} {lv.id}", lv.span)
            self.wording(out, f"{key} label", f"Level {lv.number}: name", lv.label, lv.span)
            self.wording(out, f"{key} description", f"Level {lv.number}: description",
                         lv.description, lv.span)
        self.wording(out, "source", "Source", scale.source, scale.span)
        return NodeView(scale.id, "scale", f"Scale {scale.id}", out, None, self.where(scale.span))

    def aggregation(self, agg: n.Aggregation) -> NodeView:
        out: dict[str, Facet] = {}
        self.wording(out, "title", "Title", agg.title, agg.id_span)
        self.rule(out, "method", "Method", f"method {agg.method or 'min'}",
                  agg.method_span or agg.span)
        if agg.round:
            self.rule(out, "round", "Rounding", f"round {agg.round}", agg.round_span or agg.span)
        for band in sorted(agg.bands, key=lambda b: b.level):
            self.rule(out, f"band {band.level}", f"Band for {self.level_words(band.level)}",
                      f"band {band.level} from {format_number(band.threshold)}", band.span)
        self.wording(out, "source", "Source", agg.source, agg.span)
        return NodeView(agg.id, "aggregation", agg.title, out, None, self.where(agg.span))

    def evidence(self, ev: n.Evidence) -> NodeView:
        out: dict[str, Facet] = {}
        self.wording(out, "title", "Title", ev.title, ev.id_span)
        self.rule(out, "declared", "Declaration",
                  f"evidence {ev.id}{' many' if ev.many else ''}"
                  + (f" schema {ev.schema}" if ev.schema else ""), ev.span)
        schema = self.checked.schemas.get(ev.id)
        if schema is not None:
            out["schema"] = Facet("schema", "Evidence schema", RULE,
                                  _canonical(schema.schema), schema.path.name)
        self.wording(out, "source", "Source", ev.source, ev.span)
        return NodeView(ev.id, "evidence", ev.title, out, None, self.where(ev.span))


def _canonical(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, ensure_ascii=False)


# ---------------------------------------------------------------- pairing caps and concerns


def _pair(old: list[tuple], new: list[tuple], prefix: str) -> tuple[dict[int, str], dict[int, str]]:
    """Pair items of two lists by their identity, then by each part of it alone.

    ``old`` and ``new`` hold one tuple of comparable parts per item (for a cap: its
    level and its condition). Items equal in every part pair first; then, in order,
    items that share the first part (a cap's level: its condition changed), then the
    second (its level changed). A paired item gets the same key on both sides, so the
    comparison shows it as changed; the others are added or removed.
    """
    old_keys: dict[int, str] = {}
    new_keys: dict[int, str] = {}
    count = 0
    parts = range(len(old[0]) if old else 0)
    matchers: list[Any] = [None, *parts]          # None: every part equal; i: part i equal
    for part in matchers:
        def same(a: tuple, b: tuple, part: Any = part) -> bool:
            return a == b if part is None else a[part] == b[part]

        for i, a in enumerate(old):
            if i in old_keys:
                continue
            for j, b in enumerate(new):
                if j not in new_keys and same(a, b):
                    old_keys[i] = new_keys[j] = f"{prefix} = {count}"
                    count += 1
                    break
    return old_keys, new_keys


def _cap_parts(reader: _Reader, caps: tuple) -> list[tuple]:
    return [(reader.level(c.level), format_expr(c.when)) for c in caps]


def _concern_parts(concerns: tuple) -> list[tuple]:
    return [(c.text, format_expr(c.when)) for c in concerns]


# ---------------------------------------------------------------- the two versions side by side


def _views(old: CheckedSet, new: CheckedSet) -> tuple[dict[str, NodeView], dict[str, NodeView]]:
    readers = _Reader(old), _Reader(new)
    views: tuple[dict[str, NodeView], dict[str, NodeView]] = ({}, {})
    for side, (reader, checked) in enumerate(zip(readers, (old, new), strict=True)):
        views[side][f"framework:{checked.framework.id}"] = reader.framework()
        views[side][f"scale:{checked.scale.id}"] = reader.scale()
        for agg in checked.aggregations.values():
            views[side][f"aggregation:{agg.id}"] = reader.aggregation(agg)
        for ev in checked.evidence.values():
            views[side][f"evidence:{ev.id}"] = reader.evidence(ev)

    def judged(checked: CheckedSet) -> dict[str, tuple[str, Any]]:
        out: dict[str, tuple[str, Any]] = {}
        for kq in checked.key_questions.values():
            out[kq.id] = ("key_question", kq)
        for st in checked.statements.values():
            out[st.id] = ("statement", st)
        for cr in checked.criteria.values():
            out[cr.id] = ("criterion", cr)
        return out

    nodes = judged(old), judged(new)
    titles = [{i: node.title for i, (_, node) in side.items()} for side in nodes]
    for ident in set(nodes[0]) | set(nodes[1]):
        pair = [side.get(ident) for side in nodes]
        caps: list[tuple[dict[int, str], dict[int, str]]] = [({}, {})]
        concerns = [({}, {})]
        if pair[0] and pair[1] and pair[0][0] == pair[1][0]:
            a, b = pair[0][1], pair[1][1]
            caps[0] = _pair(_cap_parts(readers[0], a.caps), _cap_parts(readers[1], b.caps), "cap")
            concerns[0] = _pair(_concern_parts(getattr(a, "concerns", ())),
                                _concern_parts(getattr(b, "concerns", ())), "concern")
        for side in (0, 1):
            if pair[side] is None:
                continue
            kind, node = pair[side]
            reader, cap_keys, concern_keys = readers[side], caps[0][side], concerns[0][side]
            if kind == "criterion":
                facets = reader.criterion(node, cap_keys, concern_keys, ("old", "new")[side])
                parent = (node.statement, titles[side].get(node.statement, node.statement))
            else:
                facets = reader.parent(node, cap_keys, concern_keys, ("old", "new")[side])
                up = getattr(node, "under", None)
                parent = (up, titles[side].get(up, up)) if up else None
            views[side][ident] = NodeView(ident, kind, node.title, facets, parent,
                                          reader.where(node.span))
    return views


def _order(new: CheckedSet, old: CheckedSet) -> dict[str, int]:
    """Position of every node key: framework parts first, then judged nodes, statement by
    statement with its criteria after it, as the new version has them; removed nodes
    where the old version had them, after the new ones."""
    order: dict[str, int] = {}

    def put(key: str) -> None:
        order.setdefault(key, len(order))

    for checked in (new, old):
        put(f"framework:{checked.framework.id}")
        put(f"scale:{checked.scale.id}")
    for checked in (new, old):
        for agg in checked.aggregations:
            put(f"aggregation:{agg}")
    for checked in (new, old):
        for ev in checked.evidence:
            put(f"evidence:{ev}")
    for checked in (new, old):
        for kq in checked.key_questions:
            put(kq)
        for st in checked.statements.values():
            put(st.id)
            for cr in st.criteria:
                put(cr.id)
    return order


def criteria_changes(old: CheckedSet, new: CheckedSet) -> list[dict[str, Any]]:
    """Every change from ``old`` to ``new``, in reading order: plain data, one dict each.

    Each change names the node (``node``, ``node_kind``, ``node_title``), the part
    (``part``), what happened (``change``: added, removed, changed, moved), whether it
    is a ``rule`` or ``wording`` change (``type``), and the old and new text with where
    each is written (``old``, ``new``, ``old_source``, ``new_source``).
    """
    before, after = _views(old, new)
    order = _order(new, old)
    changes: list[dict[str, Any]] = []
    for key in sorted(set(before) | set(after), key=lambda k: order.get(k, len(order))):
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None and a.kind != b.kind:
            changes.append(_whole(a, "removed"))
            changes.append(_whole(b, "added"))
        elif a is None or b is None:
            changes.append(_whole(b or a, "added" if a is None else "removed"))  # type: ignore[arg-type]
        else:
            changes.extend(_node_changes(a, b))
    return changes


def _whole(view: NodeView, change: str) -> dict[str, Any]:
    """A node added or removed: its rules, one per line, as its text."""
    rules = [f.text for f in view.facets.values() if f.kind == RULE]
    if view.kind == "evidence":
        rules = [f.text for f in view.facets.values() if f.key == "declared"]
    text = "\n".join(rules) if rules else view.title
    if view.parent is not None:
        text = f"under {view.parent[1]} ({view.parent[0]})\n{text}"
    return _change(view, view.kind.replace("_", " "), change, RULE,
                   text if change == "removed" else None,
                   text if change == "added" else None,
                   view.source if change == "removed" else None,
                   view.source if change == "added" else None)


def _node_changes(a: NodeView, b: NodeView) -> list[dict[str, Any]]:
    out = []
    if a.parent != b.parent and (a.parent or b.parent):
        out.append(_change(b, "Placed under", "moved", RULE,
                           f"{a.parent[1]} ({a.parent[0]})" if a.parent else "nothing",
                           f"{b.parent[1]} ({b.parent[0]})" if b.parent else "nothing",
                           a.source, b.source))
    keys = list(b.facets) + [k for k in a.facets if k not in b.facets]
    folded: set[str] = set()
    for key in keys:
        if key in folded:
            continue
        fa, fb = a.facets.get(key), b.facets.get(key)
        if fa is not None and fb is not None:
            if fa.text == fb.text:
                continue
            if key == "schema":
                old_text, new_text = _schema_change(fa.text, fb.text)
                out.append(_change(b, fb.label, "changed", RULE, old_text, new_text,
                                   fa.source, fb.source))
                continue
            out.append(_change(b, fb.label, "changed", fb.kind, fa.text, fb.text,
                               fa.source, fb.source))
        else:
            view, facet = (b, fb) if fb is not None else (a, fa)
            assert facet is not None
            text = facet.text
            if facet.kind == RULE:      # a rung, cap or concern comes with its own words
                text, more = _with_notes(view, key)
                folded |= more
            added = fb is not None
            out.append(_change(b, facet.label, "added" if added else "removed", facet.kind,
                               None if added else text, text if added else None,
                               None if added else facet.source,
                               facet.source if added else None))
    return out


def _with_notes(view: NodeView, key: str) -> tuple[str, set[str]]:
    """A rule part added or removed, with its ``because`` and ``advice`` below it (they
    are part of it, not wording changes of their own), and the keys so folded in."""
    lines, keys = [view.facets[key].text], set()
    for other, facet in view.facets.items():
        if other.startswith(key + " "):
            keys.add(other)
            note = other[len(key) + 1:]
            if note in ("because", "advice"):
                lines.append(f"{note} {format_string(facet.text)}")
    return "\n".join(lines), keys


def _schema_change(old: str, new: str) -> tuple[str, str]:
    """The places where two JSON Schemas differ, as JSON pointers (at most eight)."""
    import json

    places = sorted(_differ(json.loads(old), json.loads(new), ""))
    shown = places[:8] + ([f"and {len(places) - 8} more"] if len(places) > 8 else [])
    return "the schema as it was", "changed at " + ", ".join(p or "/" for p in shown)


def _differ(a: Any, b: Any, at: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            part = f"{at}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if key not in a or key not in b:
                out.append(part)
            else:
                out.extend(_differ(a[key], b[key], part))
        return out
    return [] if a == b else [at]


def _change(view: NodeView, part: str, change: str, kind: str, old: str | None,
            new: str | None, old_source: str | None, new_source: str | None) -> dict[str, Any]:
    return {"node": view.id, "node_kind": view.kind, "node_title": view.title, "part": part,
            "change": change, "type": kind, "old": old, "new": new,
            "old_source": old_source, "new_source": new_source}


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]
