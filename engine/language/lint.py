"""Warnings: things that are allowed but probably not what the author meant.

A warning never stops an assessment (``wellled check --strict`` makes them fail).

>>> from engine.language.parse import parse_text
>>> from engine.language.resolve import resolve
>>> file, _ = parse_text('evidence ftsu "FTSU"', "a.crit")
>>> symbols, _ = resolve((file,))
>>> [d.code for d in lint(symbols)]
['W102']
"""

from __future__ import annotations

from engine.diagnostics import Diagnostics
from engine.language.resolve import Symbols


def lint(symbols: Symbols) -> Diagnostics:
    """W101 no rung, W102 unread evidence, W103 unused ``let``, W104 orphan statement,
    W105 no category where the statement aggregates by category."""
    diags = Diagnostics()
    read = {evidence for reads in symbols.reads.values() for evidence in reads}
    for ident, decl in symbols.evidence.items():
        if ident not in read:
            diags.warning("W102", f"evidence `{ident}` is declared but never read",
                          decl.id_span, "use it in a criterion, or remove the declaration")
    root = symbols.framework.root if symbols.framework else None
    for statement in symbols.statements.values():
        if statement.under is None and statement.id != root:
            diags.warning("W104", f"statement `{statement.id}` is under no key question",
                          statement.id_span, "add `under ID` naming its key question")
        by_category = statement.aggregate is not None and statement.aggregate.by_category
        for criterion in statement.criteria:
            if by_category and criterion.category is None:
                diags.warning("W105", f"criterion `{criterion.id}` has no category; it is "
                              "aggregated in `uncategorised`", criterion.id_span,
                              "add `category ID`")
    for criterion in symbols.criteria.values():
        if not criterion.rungs:
            diags.warning("W101", f"criterion `{criterion.id}` has no rung: it can never be "
                          "above level 1", criterion.id_span, "add `level 2 when CONDITION`")
        for let in criterion.lets:
            if (criterion.id, let.name) not in symbols.used_lets:
                diags.warning("W103", f"`let {let.name}` is never used", let.name_span,
                              "use it in a rung or cap, or remove it")
    return diags
