"""``wellled table``: every criterion of a set on one page, the view a policy board signs off.

For each criterion: its statement, category, when it applies, its values
(``let``), each rung's condition (as ``wellled fmt`` writes it, and in words) with
its advice, its caps and concerns, and where it is written. Statements and key
questions list their own caps and concerns. Written as ``table.md``,
``table.html`` and ``table.csv``.

>>> print(neutralise("=SUM(A1:A9)"))
'=SUM(A1:A9)
>>> neutralise("-5 minus"), neutralise("level 2")
("'-5 minus", 'level 2')
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

from engine.language.condition_words import condition_words, value_words
from engine.language import nodes as n
from engine.language.check import CheckedSet
from engine.language.fmt_ast import format_expr

FORMATS = ("md", "html", "csv")
NAMES = {"md": "table.md", "html": "table.html", "csv": "table.csv"}
# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: a leading ``'`` before a formula character."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Table:
    def __init__(self, checked: CheckedSet):
        self.checked = checked
        root = Path(checked.root)
        self.root = root.resolve() if root.is_dir() else root.resolve().parent
        self.labels = {lv.number: lv.label for lv in checked.scale.levels}
        self.titles = {**{k: e.title for k, e in checked.evidence.items()},
                       **{k: c.title for k, c in checked.criteria.items()},
                       **{k: s.title for k, s in checked.statements.items()},
                       **{k: q.title for k, q in checked.key_questions.items()}}

    def where(self, span: Any) -> str:
        rel = os.path.relpath(Path(span.path).resolve(), self.root).replace(os.sep, "/")
        return f"{rel}:{span.line}"

    def level(self, ref: int | str) -> int:
        return ref if isinstance(ref, int) else self.checked.levels[ref]

    def condition(self, expr: n._Expr) -> dict[str, str]:
        return {"rule": format_expr(expr), "words": condition_words(expr, self.titles)}

    def steps(self, items: tuple) -> list[dict[str, Any]]:
        out = []
        for item in sorted(items, key=lambda s: self.level(s.level)):
            number = self.level(item.level)
            out.append({"level": number, "label": self.labels.get(number, f"Level {number}"),
                        **self.condition(item.when), "because": item.because,
                        "advice": item.advice, "source": self.where(item.span)})
        return out

    def concerns(self, node: Any) -> list[dict[str, Any]]:
        return [{"text": c.text, **self.condition(c.when), "advice": getattr(c, "advice", None),
                 "source": self.where(c.span)} for c in getattr(node, "concerns", ())]

    def criterion(self, c: n.Criterion, statement: n.Statement) -> dict[str, Any]:
        return {
            "id": c.id, "title": c.title, "statement": statement.id,
            "statement_title": statement.title, "category": c.category, "good": c.good,
            "applies": self.condition(c.applies) if c.applies is not None else None,
            "lets": [{"name": let.name, "rule": format_expr(let.value),
                      "words": value_words(let.value, self.titles)} for let in c.lets],
            "rungs": self.steps(c.rungs), "caps": self.steps(c.caps),
            "concerns": self.concerns(c), "source": self.where(c.span), "reference": c.source,
        }

    def parent(self, node: n.Statement | n.KeyQuestion) -> dict[str, Any]:
        ref = node.aggregate
        return {"id": node.id, "title": node.title,
                "aggregate": (ref.id + (f" by category {ref.by_category}"
                                        if ref.by_category else "")) if ref else None,
                "caps": self.steps(node.caps), "concerns": self.concerns(node),
                "source": self.where(node.span), "reference": node.source}


def criteria_table(checked: CheckedSet) -> dict[str, Any]:
    """The table as plain data: framework, scale, key questions, statements with criteria."""
    table = _Table(checked)
    fw = checked.framework
    statements = []
    for statement in checked.statements.values():
        entry = table.parent(statement)
        entry["under"] = statement.under
        entry["criteria"] = [table.criterion(c, statement) for c in statement.criteria]
        statements.append(entry)
    return {
        "framework": {"id": fw.id, "title": fw.title, "version": fw.version,
                      "publisher": fw.publisher},
        "criteria_sha256": checked.criteria_sha256,
        "scale": [{"level": lv.number, "label": lv.label, "description": lv.description}
                  for lv in sorted(checked.scale.levels, key=lambda lv: lv.number)],
        "key_questions": [table.parent(kq) for kq in checked.key_questions.values()],
        "statements": statements,
        "count": sum(len(s["criteria"]) for s in statements),
    }


def _lines(items: list[dict[str, Any]], head) -> str:
    return "\n".join(head(item) for item in items)


def table_csv(data: dict[str, Any]) -> str:
    """One row per criterion; three columns per scale level (condition, in words, advice)."""
    header = ["statement", "statement_title", "criterion", "criterion_title", "category",
              "applies_when", "values"]
    for step in data["scale"]:
        header += [f"level_{step['level']}_condition", f"level_{step['level']}_in_words",
                   f"level_{step['level']}_advice"]
    header += ["caps", "concerns", "source", "reference"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for statement in data["statements"]:
        for c in statement["criteria"]:
            rungs = {r["level"]: r for r in c["rungs"]}
            row = [statement["id"], statement["title"], c["id"], c["title"], c["category"] or "",
                   c["applies"]["words"] if c["applies"] else "",
                   _lines(c["lets"], lambda let: f"{let['name']} = {let['words']}")]
            for step in data["scale"]:
                rung = rungs.get(step["level"])
                row += [rung["rule"], rung["words"], rung["advice"] or ""] if rung else ["", "", ""]
            row += [_lines(c["caps"], lambda cap: f"held at level {cap['level']} when "
                                                  f"{cap['words']}"),
                    _lines(c["concerns"], lambda con: f"{con['text']} (when {con['words']})"),
                    c["source"], c["reference"] or ""]
            writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()


def write_table(checked: CheckedSet, out: Path, formats: tuple[str, ...]) -> list[Path]:
    """Write table.md, table.html and table.csv (as asked) into ``out``, each atomically;
    every text is rendered before the first file is written."""
    from engine.output.report import render_template
    from engine.app.write import atomic_write

    data = criteria_table(checked)
    texts = {fmt: table_csv(data) if fmt == "csv" else
             render_template(f"table.{fmt}.j2", fmt, table=data) for fmt in formats}
    written = []
    for fmt, text in texts.items():
        atomic_write(out / NAMES[fmt], text)
        written.append(out / NAMES[fmt])
    return written
