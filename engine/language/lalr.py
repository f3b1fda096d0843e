"""The fast path of ``parse``: Lark's own LALR(1) table, driven directly.

``grammar/criteria.lark`` stays the one source of truth. Lark builds the parse
table from it; this module reads that table and Lark's terminals and then does
the two jobs Lark's runtime does, in one pass and without building a tree:

* **lex**: one regular expression made of Lark's terminals, in Lark's own
  order. A word is a keyword only if the parser state accepts that keyword,
  otherwise a ``NAME``: exactly what Lark's contextual lexer decides.
* **parse**: shift and reduce on Lark's table. On each reduce the children are
  shaped as Lark's tree builder shapes them (anonymous tokens filtered, ``?``
  rules passed through, ``_`` rules inlined, ``[]`` placeholders as None) and
  handed straight to the same ``_ToAst`` methods the slow path calls, with the
  same positions Lark's ``propagate_positions`` would give (a node starts at
  its first child's container and ends at its last's).

Anything this path does not expect (a character no terminal matches, a token
the state does not accept) raises ``Unsupported`` and the caller parses the
text again with Lark, so syntax errors keep Lark's messages. A differential
test (tests/unit/language/test_fast_parse.py) checks both paths build the same AST,
spans included, over every shipped and generated file and fuzzed text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import chain
from typing import Any

from lark import Lark, Token, visitors
from lark.parsers.lalr_analysis import Shift


class Unsupported(Exception):
    """The fast path cannot decide this text; parse it with Lark instead."""


class Meta:
    """What ``_ToAst`` reads of a Lark ``Meta``."""

    __slots__ = ("empty", "line", "column", "end_line", "end_column")

    def __init__(self, line: int, column: int, end_line: int, end_column: int):
        self.empty = False
        self.line, self.column, self.end_line, self.end_column = line, column, end_line, end_column


_EMPTY_META = type("EmptyMeta", (), {"empty": True})()
_NONE = (None, None, None, None, None, False)  # a `[...]` placeholder
# v_args(meta=True)'s wrapper: such methods are called as f(meta, children) directly.
_VARGS_META = getattr(visitors, "_vargs_meta", None)
# Token's constructor without its deprecated-argument shim (Token itself if that goes).
_NEW_TOKEN = getattr(Token, "_future_new", Token)

# A rule's shape, decided once per rule from Lark's Rule object.
_UNIT, _INLINE, _PASS, _NODE = range(4)


class _Plan:
    __slots__ = ("kind", "size", "origin", "name", "include", "trailing", "terms", "simple",
                 "picks", "symbols")

    def __init__(self, rule: Any):
        options = rule.options
        expansion = rule.expansion
        self.size = len(expansion)
        self.origin = rule.origin.name
        self.name = rule.alias or options.template_source or rule.origin.name
        self.terms = [sym.name if sym.is_term else None for sym in expansion]
        self.symbols = [sym.name for sym in expansion]
        # Placeholders for `[...]`, as lark.parse_tree_builder.maybe_create_child_filter.
        empty = options.empty_indices
        if empty:
            runs = "".join(str(int(b)) for b in empty).split("0")
            nones = [len(ones) for ones in runs]
        else:
            nones = [0] * (self.size + 1)
        include, pending = [], 0
        for i, sym in enumerate(expansion):
            pending += nones[i]
            if options.keep_all_tokens or not (sym.is_term and sym.filter_out):
                expand = not sym.is_term and sym.name.startswith("_")
                include.append((i, expand, pending))
                pending = 0
        self.include = include
        self.trailing = pending + nones[self.size]
        expand1 = options.expand1 and not rule.alias
        if self.origin.startswith("_"):
            self.kind = _INLINE
        elif expand1 and self.size == 1 and not expansion[0].is_term and len(include) == 1 \
                and not include[0][1] and not include[0][2] and not self.trailing:
            self.kind = _UNIT  # `?a: b`: nothing changes but the parser state
        elif expand1:
            self.kind = _PASS
        else:
            self.kind = _NODE
        # No rule inlined and no placeholders: children are picked, not filtered (and
        # when the first and last child span text, the node spans from one to the other).
        self.simple = (self.kind == _NODE and not self.trailing and self.size > 0
                       and not any(e or k for _, e, k in include))
        self.picks = [(i, self.terms[i]) for i, _, _ in include]


class FastParser:
    """Lexer and LALR driver over one Lark parser's tables (immutable once built)."""

    def __init__(self, lark: Lark):
        frontend = lark.parser.parser.parser
        table = frontend.parse_table
        self.start_state = table.start_states["start"]
        self.end_state = table.end_states["start"]
        plans: dict[Any, _Plan] = {}
        # Each state's row: symbol -> a _Plan to reduce by, or (state, row) to go to.
        self.rows: dict[Any, dict[str, Any]] = {state: {} for state in table.states}
        for state, row in table.states.items():
            for symbol, (action, arg) in row.items():
                self.rows[state][symbol] = (arg, self.rows[arg]) if action is Shift \
                    else plans.setdefault(arg, _Plan(arg))
        # Spans of nodes that match no text are where Lark's positions get subtle (a
        # `?` rule passing such a node up is given its parent's start); this grammar
        # has none but the file as a whole, and the driver relies on that.
        nullable: set[str] = set()
        while True:
            more = {plan.origin for plan in plans.values() if plan.origin not in nullable
                    and all(term is None and sym in nullable
                            for term, sym in zip(plan.terms, plan.symbols))}
            if not more:
                break
            nullable |= more
        if nullable - {"start"}:
            raise ValueError(f"rules that can match nothing: {sorted(nullable - {'start'})}")
        if lark.lexer_conf.callbacks:
            raise ValueError("the fast parser does not run terminal callbacks")
        ignore = set(lark.lexer_conf.ignore)
        name = next(t for t in lark.terminals if t.name == "NAME")
        word = re.compile(name.pattern.to_regexp())
        # Keywords are words NAME matches whole: the state decides (see module doc).
        self.keywords = {t.pattern.value: t.name for t in lark.terminals
                         if t.pattern.type == "str" and t.priority == name.priority
                         and word.fullmatch(t.pattern.value)}
        # Lark's own order: priority, then width, then pattern length, then name.
        ordered = sorted((t for t in lark.terminals if t.name not in ignore
                          and (t.pattern.type != "str" or t.pattern.value not in self.keywords)),
                         key=lambda t: (-t.priority, -t.pattern.max_width,
                                        -len(t.pattern.value), t.name))
        # One match per token: blanks and comments, then the token (or nothing, at the end).
        blanks = "|".join(t.pattern.to_regexp() for t in lark.terminals if t.name in ignore)
        tokens = "|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in ordered)
        self.lexer = re.compile(f"(?:{blanks})*(?:{tokens})?")
        self.word_type = name.name
        # (state below, top state, token) -> top state after a chain of unit reduces.
        # Filled as texts are parsed; a pure function of the table, so safe to share.
        self.units: dict[tuple[Any, Any, str], Any] = {}

    def _unit_chain(self, below: Any, top: Any, kind: str) -> tuple[Any, dict]:
        """(state, row) on top after every unit reduce that ``kind`` causes over ``below``."""
        rows = self.rows
        while True:
            top, row = rows[below][rows[top][kind].origin]
            action = row.get(kind)
            if action is None or action.__class__ is tuple or action.kind != _UNIT:
                return top, row

    def parse(self, text: str, builder: Any) -> Any:
        """The value ``builder``'s ``start`` method returns for ``text``, or Unsupported.

        Stack entries are flat tuples ``(value, start, end, container start,
        container end, is a node)``, offsets into ``text``; ``start`` is None
        for a node that spans no text. A token's value is None until a rule
        keeps it, when it becomes a ``lark.Token``.
        """
        keywords, word_type, end_state, rows = (self.keywords, self.word_type, self.end_state,
                                                self.rows)
        line_starts = [0]
        line_starts += [m.end() for m in _NEWLINE.finditer(text)]
        calls: dict[str, tuple[Any, bool]] = {}
        units = self.units
        new_token = _NEW_TOKEN

        def token(kind: str, start: int, end: int) -> Token:
            line = bisect_right(line_starts, start)
            end_line = bisect_right(line_starts, end)
            return new_token(kind, text[start:end], start, line,
                             start - line_starts[line - 1] + 1, end_line,
                             end - line_starts[end_line - 1] + 1, end)

        def build(plan: _Plan, children: list, start: int | None, end: int) -> Any:
            target = calls.get(plan.name)
            if target is None:
                target = calls[plan.name] = _resolve(builder, plan.name)
            function, with_meta = target
            if not with_meta:
                return function(children)
            if start is None:
                return function(_EMPTY_META, children)
            line = bisect_right(line_starts, start)
            end_line = bisect_right(line_starts, end)
            return function(Meta(line, start - line_starts[line - 1] + 1,
                                 end_line, end - line_starts[end_line - 1] + 1), children)

        def reduce(plan: _Plan, part: list) -> tuple:
            # Where the node is: its first child's container to its last's (Lark's
            # propagate_positions); children that span no text do not count.
            first = last = None
            for entry in part:
                if entry[1] is not None:
                    first = entry
                    break
            for entry in reversed(part):
                if entry[1] is not None:
                    last = entry
                    break
            start = end = None
            if first is not None and last is not None:
                start, end = first[3], last[4]
            filtered: list = []
            terms = plan.terms
            for i, expand, nones in plan.include:
                if nones:
                    filtered += [_NONE] * nones
                entry = part[i]
                if expand:
                    filtered += entry[0]
                elif terms[i] is not None:
                    filtered.append((token(terms[i], entry[1], entry[2]),) + entry[1:])
                else:
                    filtered.append(entry)
            if plan.trailing:
                filtered += [_NONE] * plan.trailing
            kind = plan.kind
            if kind == _INLINE:
                return (filtered, start, end, start, end, True)
            if kind == _PASS and len(filtered) == 1:
                only = filtered[0]
                if only[5] and only[1] is not None and start is not None:
                    return (only[0], only[1], only[2], start, end, True)
                return only
            return (build(plan, [entry[0] for entry in filtered], start, end),
                    start, end, start, end, True)

        state_stack = [self.start_state]
        entries: list = []
        row = rows[self.start_state]
        length = len(text)
        # The pattern may match nothing, so every offset is covered by some match:
        # a character no terminal starts with ends a match that has no token.
        # After the last match comes `$END`, which only ever reduces.
        for found in chain(self.lexer.finditer(text), _AT_END):
            if found is None:
                kind, start, end = "$END", length, length
            else:
                kind = found.lastgroup
                if kind is None:
                    if found.end() != length:
                        raise Unsupported(f"no terminal matches at offset {found.end()}")
                    continue
                start, end = found.span(kind)
                if kind == word_type:
                    keyword = keywords.get(text[start:end])
                    if keyword is not None and keyword in row:
                        kind = keyword
            while True:
                action = row.get(kind)
                if action.__class__ is tuple:  # shift
                    state_stack.append(action[0])
                    entries.append((None, start, end, start, end, False))
                    row = action[1]
                    break
                if action is None:
                    raise Unsupported(f"{kind} not expected at offset {start}")
                plan = action
                if plan.kind == _UNIT:
                    # `?a: b` chains (expr -> or_expr -> ... -> atom) only change the top
                    # state, and where they end depends on the state below and the token.
                    below, top = state_stack[-2], state_stack.pop()
                    goto = units.get((below, top, kind))
                    if goto is None:
                        goto = units[below, top, kind] = self._unit_chain(below, top, kind)
                    state_stack.append(goto[0])
                    row = goto[1]
                    continue
                size = plan.size
                part = entries[-size:] if size else []
                if plan.simple and part[0][3] is not None and part[-1][4] is not None:
                    node_start, node_end = part[0][3], part[-1][4]
                    children = [part[i][0] if term is None
                                else token(term, part[i][1], part[i][2])
                                for i, term in plan.picks]
                    new = (build(plan, children, node_start, node_end),
                           node_start, node_end, node_start, node_end, True)
                else:
                    new = reduce(plan, part)
                if size:
                    del state_stack[-size:]
                    del entries[-size:]
                entries.append(new)
                goto = rows[state_stack[-1]][plan.origin]
                if goto[0] == end_state:
                    return new[0]
                state_stack.append(goto[0])
                row = goto[1]
        raise Unsupported("the text ends too soon")


_NEWLINE = re.compile("\n")
_AT_END = (None,)


def _resolve(builder: Any, name: str) -> tuple[Any, bool]:
    """How Lark's Transformer would call ``builder`` for rule ``name``: (function, with meta)."""
    method = getattr(builder, name, None)
    if method is None:
        handler = builder.__default__
        return (lambda meta, children: handler(name, children, meta)), True
    wrapper = getattr(method, "visit_wrapper", None)
    if wrapper is None:
        return method, False
    if wrapper is _VARGS_META:
        return method.base_func, True
    return (lambda meta, children: wrapper(method, name, children, meta)), True
