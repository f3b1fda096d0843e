"""Text to syntax tree: Lark (LALR) parses, a transformer builds ``nodes``.

Step one turns text into Lark's tree; step two turns that into our frozen AST.
``lark.Tree`` never leaves this module. Problems become diagnostics, never
exceptions: ``parse_text`` returns the file (or None) and what went wrong.

>>> file, diags = parse_text('evidence ftsu "Freedom to Speak Up"', "e.crit")
>>> file.declarations[0].id, len(diags)
('ftsu', 0)
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from engine import resources
from engine.language import nodes as n
from engine.diagnostics import Diagnostics
from engine.language.lalr import FastParser, Unsupported
from engine.source import SourceFile, Span


@functools.lru_cache(maxsize=1)
def parser() -> Lark:
    """The one LALR parser, built from ``grammar/criteria.lark`` (immutable once built)."""
    grammar = (resources.data_dir("grammar") / "criteria.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", strict=True, propagate_positions=True,
                maybe_placeholders=True, cache=True)


@functools.lru_cache(maxsize=1)
def fast_parser() -> FastParser | None:
    """The same grammar's LALR table, driven without building a Lark tree (see ``lalr``).

    It reads Lark's parse table and rules, which are not Lark's public API: if a
    Lark release moves them, this is None and every file takes Lark's own path
    (slower, same result); tests/unit/language/test_fast_parse.py then fails loudly.
    """
    try:
        return FastParser(parser())
    except (AttributeError, KeyError, TypeError, ValueError, ImportError):
        return None


def parse_text(text: str, path: str, *, fast: bool = True) -> tuple[n.File | None, Diagnostics]:
    """Parse one file's text; ``path`` is the name shown in messages and spans.

    The fast path (``lalr.FastParser``) builds the AST straight from Lark's
    table; text it does not expect, a syntax error above all, is parsed again
    by Lark itself, whose errors the messages are made from. ``fast=False``
    always uses Lark (the differential test compares the two).
    """
    decls = None
    driver = fast_parser() if fast else None
    if driver is not None:
        diags = _new_diagnostics(text, path)
        try:
            decls = driver.parse(text, _ToAst(path, diags))
        except Unsupported:
            decls = None
    if decls is None:
        diags = _new_diagnostics(text, path)
        try:
            tree = parser().parse(text)
        except UnexpectedInput as err:
            diags.items.append(_syntax_error(err, text, path))
            return None, diags
        decls = _ToAst(path, diags).transform(tree)
    end = text.count("\n") + 1
    file = n.File(path, tuple(decls), tuple(scan_comments(text, path)),
                  Span(path, 1, 1, end, 1))
    return file, diags


def _new_diagnostics(text: str, path: str) -> Diagnostics:
    diags = Diagnostics()
    diags.sources[path] = SourceFile(path=None, name=path, text=text)  # type: ignore[arg-type]
    return diags


def parse_expression(text: str, path: str = "<expr>") -> n._Expr:
    """Parse a lone expression (for tests and the REPL); raises ValueError on error.

    >>> parse_expression("a and not b").op
    'and'
    """
    wrapped = f'statement s "" {{ criterion c "" {{ level 2 when {text} }} }}'
    file, diags = parse_text(wrapped, path)
    if file is None or diags.has_errors:
        raise ValueError(diags.format())
    statement = file.declarations[0]
    assert isinstance(statement, n.Statement)
    return statement.criteria[0].rungs[0].when


# ---------------------------------------------------------------- syntax errors

_TOKEN_WORDS = {
    "NAME": "a name", "NUMBER": "a number", "STRING": "a string", "DATE": "a date",
    "LBRACE": "`{`", "RBRACE": "`}`", "LPAR": "`(`", "RPAR": "`)`", "LSQB": "`[`",
    "RSQB": "`]`", "COMMA": "`,`", "DOT": "`.`", "COLON": "`:`", "EQUAL": "`=`",
    "PLUS": "`+`", "MINUS": "`-`", "STAR": "`*`", "SLASH": "`/`", "$END": "the end of the file",
}


def _describe(terminal: str) -> str:
    if terminal in _TOKEN_WORDS:
        return _TOKEN_WORDS[terminal]
    pattern = parser().get_terminal(terminal).pattern
    if pattern.type == "str":
        return f"`{pattern.value}`"
    return terminal.lower()


def _syntax_error(err: UnexpectedInput, text: str, path: str):
    from engine.diagnostics import Diagnostic  # lazy: start-up

    line, column = getattr(err, "line", 1) or 1, getattr(err, "column", 1) or 1
    width = 1
    help_text = None
    if isinstance(err, UnexpectedToken):
        token = err.token
        found = "the end of the file" if token.type == "$END" else f"`{token}`"
        expected = sorted({_describe(t) for t in err.accepts or err.expected})
        if token.type != "$END":
            width = max(len(str(token)), 1)
        message = f"unexpected {found}"
        help_text = _expected_help(expected, token)
        if token.type == "$END":
            line, column = _end_position(text)
    elif isinstance(err, UnexpectedCharacters):
        char = text[err.pos_in_stream] if err.pos_in_stream < len(text) else ""
        message = f"unexpected character `{char}`" if char.strip() else "unexpected character"
        if char == '"':
            message = "a string is not closed"
            help_text = 'close it with `"` on the same line, or use `"""` for text over several lines'
        elif char == "=":
            help_text = "to compare, write `==`"
        else:
            expected = sorted({_describe(t) for t in err.allowed or ()})
            help_text = _expected_help(expected, None)
    else:  # UnexpectedEOF
        assert isinstance(err, UnexpectedEOF)
        line, column = _end_position(text)
        message = "the file ends too soon"
        help_text = _expected_help(sorted({_describe(t) for t in err.expected}), None)
    related: tuple[tuple[str, Span], ...] = ()
    at_block_start = isinstance(err, UnexpectedEOF) or (
        isinstance(err, UnexpectedToken)
        and (err.token.type == "$END" or str(err.token) in _BLOCK_WORDS | {"evidence"}))
    if at_block_start:
        position = len(text) if isinstance(err, UnexpectedEOF) or err.token.type == "$END" \
            else err.token.start_pos
        block = open_block(text, position)
        if block is not None:
            kind, name, (open_line, open_column) = block
            what = f"{kind} `{name}`" if name else kind
            message = f"the {what} opened at line {open_line} is not closed"
            here = ("the end of the file" if position >= len(text)
                    else f"`{err.token}` on line {line}")
            help_text = f"add `}}` to close the {what} before {here}"
            related = ((f"the {what} opens here", Span(path, open_line, open_column,
                                                       open_line, open_column + 1)),)
    elif isinstance(err, UnexpectedCharacters):
        upper = _upper_case_word(text, err.pos_in_stream)
        if upper is not None:
            message, help_text = upper
            width = len(help_text.split("`")[1])
    span = Span(path, line, column, line, column + width)
    return Diagnostic("E001", "error", f"syntax error: {message}", span, help_text, related)


_BLOCK_WORDS = frozenset({"framework", "scale", "aggregation", "key_question", "statement",
                          "criterion", "test"})
# Strings, comments, braces and words: enough to follow blocks without parsing.
_BLOCK_TOKENS = re.compile(r'"""[\s\S]*?(?:"""|\Z)|"[^"\\\n]*(?:\\.[^"\\\n]*)*"?|#[^\n]*'
                           r'|[{}]|[a-z_][a-z0-9_]*')


def open_block(text: str, position: int) -> tuple[str, str | None, tuple[int, int]] | None:
    r"""The block most likely left open before ``position``: (kind, id, (line, column)).

    Braces are followed outside strings and comments. Each ``{`` is named by the
    block keyword that starts its line's declaration (``criterion c "..." {``).
    Where a ``}`` is indented less than the line that opened its block but as
    much as an enclosing block's, the block it closed is the one more likely
    missing its own ``}``, and is named instead (the usual slip: a criterion
    left open, then the statement's ``}`` taken for the criterion's).

    >>> open_block('statement s "" {\n  criterion c "" {\n    level 2 when x\n}\n', 60)
    ('criterion', 'c', (2, 3))
    """
    stack: list[tuple[str, str | None, int, int, int]] = []  # kind, id, line, column, indent
    suspect = None
    words: list[str] = []
    for found in _BLOCK_TOKENS.finditer(text, 0, position):
        token = found.group()
        if token[0] in '"#':
            continue
        if token == "{":
            start = found.start()
            line_start = text.rfind("\n", 0, start) + 1
            indent = len(text[line_start:start]) - len(text[line_start:start].lstrip())
            kind = next((w for w in words if w in _BLOCK_WORDS), None)
            ident = words[words.index(kind) + 1] if kind and words.index(kind) + 1 < len(
                words) else None
            line = text.count("\n", 0, start) + 1
            stack.append((kind or "{", ident if kind != "test" else None, line,
                          start - line_start + 1 if not kind else
                          text.find(kind, line_start) - line_start + 1, indent))
            words = []
        elif token == "}":
            start = found.start()
            line_start = text.rfind("\n", 0, start) + 1
            indent = start - line_start
            if stack:
                closed = stack.pop()
                if closed[0] in _BLOCK_WORDS and indent < closed[4] and any(
                        outer[4] == indent for outer in stack):
                    suspect = closed
            words = []
        else:
            if token in _BLOCK_WORDS or token == "evidence":
                words = [token]
            else:
                words.append(token)
    blocks = [b for b in stack if b[0] in _BLOCK_WORDS]
    if not blocks:
        return None
    chosen = suspect if suspect is not None else blocks[-1]
    kind = "key question" if chosen[0] == "key_question" else chosen[0]
    return kind, chosen[1], (chosen[2], chosen[3])


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LEVEL_PLACE = re.compile(r"(?:\bexpect\s+[a-z0-9_]+\s+(?:is|>=|<=)|\b(?:level|cap))\s*$")


def _upper_case_word(text: str, position: int) -> tuple[str, str] | None:
    """A message and help for a name written with capitals (`Exemplary`), or None."""
    found = _WORD.match(text, position)
    if found is None or found.group() == found.group().lower():
        return None
    word = found.group()
    line_start = text.rfind("\n", 0, position) + 1
    before = text[line_start:position]
    fixed = word.lower()
    if _LEVEL_PLACE.search(before):
        return (f"`{word}`: level ids are written in lower case",
                f"write `{fixed}` (the level's id, not its label)")
    return f"`{word}`: names are written in lower case", f"write `{fixed}`"


def _expected_help(expected: list[str], token: Token | None) -> str | None:
    if not expected:
        return None
    if token is not None and str(token) == "=" and "`==`" in expected:
        return "to compare, write `==`"
    if len(expected) > 8:
        keywords = [e for e in expected if e.startswith("`")]
        expected = [e for e in expected if not e.startswith("`")] + keywords[:6] + ["..."]
    return "expected " + ", ".join(expected)


def _end_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


# ---------------------------------------------------------------- comments


# Strings (closed or not, as the lexer reads them) and comments, in one pass.
# Unrolled loops, never `(a|b)*`: that keeps a backtracking entry per character (issue 19).
_STRINGS_AND_COMMENTS = re.compile(r'"""[\s\S]*?(?:"""|\Z)|"[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*"?|#[^\n]*')


def scan_comments(text: str, path: str) -> list[n.Comment]:
    """Every ``# comment`` outside strings, with its span (for ``wellled fmt``)."""
    out: list[n.Comment] = []
    if "#" not in text:
        return out
    line, counted = 1, 0
    for found in _STRINGS_AND_COMMENTS.finditer(text):
        start = found.start()
        if text[start] != "#":
            continue
        line += text.count("\n", counted, start)
        counted = start
        end = found.end()
        column = start - text.rfind("\n", 0, start)
        out.append(n.Comment(text[start:end].rstrip(),
                             Span(path, line, column, line, column + end - start)))
    return out


# ---------------------------------------------------------------- tree to AST

_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "/": "/", "b": "\b",
            "f": "\f"}
_UNITS = {"day": "days", "days": "days", "week": "weeks", "weeks": "weeks",
          "month": "months", "months": "months", "year": "years", "years": "years"}
_COMPARE = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
            "member": "in", "not_member": "not in"}
_ARITH = {"add": "+", "sub": "-", "mul": "*", "div": "/"}


def unquote(token: str) -> str:
    """The text of a string token: escapes decoded; a ``\"\"\"`` string's margin removed."""
    if token.startswith('"""'):
        return _dedent(token[3:-3])
    body, out, i = token[1:-1], [], 0
    if "\\" not in body:
        return body
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2:i + 6] or ""):
                out.append(chr(int(body[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _dedent(text: str) -> str:
    """Join a triple-quoted string's lines, dropping the indentation of continuation lines."""
    lines = text.strip("\n").split("\n")
    return "\n".join([lines[0].strip()] + [line.strip() for line in lines[1:]]).strip()


def _number(token: str) -> int | float:
    return float(token) if "." in token else int(token)


class _ToAst(Transformer):
    """Lark tree -> ``nodes``. One method per grammar rule or alias."""

    def __init__(self, path: str, diags: Diagnostics):
        super().__init__(visit_tokens=False)
        self.path = path
        self.diags = diags

    # ---- helpers
    def _span(self, meta: Any) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.path, 0, 0, 0, 0)
        return Span(self.path, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tok(self, token: Token) -> Span:
        return Span(self.path, token.line, token.column, token.end_line, token.end_column)

    def _level_ref(self, token: Token) -> int | str:
        if token.type == "NUMBER":
            value = _number(str(token))
            if isinstance(value, float):
                self.diags.error("E030", f"level `{token}` is not a whole number", self._tok(token),
                                 "levels are whole numbers: 1, 2, 3 ...")
                return int(value)
            return value
        return str(token)

    def _int(self, token: Token, what: str) -> int:
        value = _number(str(token))
        if isinstance(value, float):
            self.diags.error("E030", f"{what} `{token}` is not a whole number", self._tok(token))
        return int(value)

    @staticmethod
    def _items(children: list, kind: type) -> list:
        return [c for c in children if isinstance(c, kind)]

    @staticmethod
    def _tagged(children: list, tag: str) -> list:
        return [c[1] for c in children if isinstance(c, tuple) and c and c[0] == tag]

    def _one(self, children: list, tag: str, meta_span: Span, owner: str) -> Any:
        values = self._tagged(children, tag)
        if len(values) > 1:
            self.diags.error("E003", f"`{tag}` given twice in {owner}", meta_span,
                             f"keep one `{tag}` line")
        return values[0] if values else None

    # ---- top level
    def start(self, children: list) -> list:
        return children

    @v_args(meta=True)
    def source(self, meta, children):
        return ("source", unquote(children[0]))

    @v_args(meta=True)
    def framework(self, meta, children):
        ident, title, *items = children
        span = self._span(meta)
        owner = f"framework `{ident}`"
        scale = self._one(items, "scale", span, owner) or (None, None)
        root = self._one(items, "root", span, owner) or (None, None)
        categories = self._one(items, "categories", span, owner) or (None, None)
        return n.Framework(
            id=str(ident), title=unquote(title),
            version=self._one(items, "version", span, owner),
            publisher=self._one(items, "publisher", span, owner),
            scale=scale[0], root=root[0],
            source=self._one(items, "source", span, owner),
            scale_span=scale[1], root_span=root[1], id_span=self._tok(ident), span=span,
            categories=categories[0], categories_span=categories[1])

    def fw_version(self, c):
        return ("version", unquote(c[0]))

    def fw_publisher(self, c):
        return ("publisher", unquote(c[0]))

    def fw_scale(self, c):
        return ("scale", (str(c[0]), self._tok(c[0])))

    def fw_root(self, c):
        return ("root", (str(c[0]), self._tok(c[0])))

    def fw_categories(self, c):
        first, last = self._tok(c[0]), self._tok(c[-1])
        span = Span(self.path, first.line, first.column, last.end_line, last.end_column)
        return ("categories", (tuple(str(t) for t in c), span))

    @v_args(meta=True)
    def scale(self, meta, children):
        ident, *items = children
        span = self._span(meta)
        return n.Scale(str(ident), tuple(self._items(items, n.ScaleLevel)),
                       self._one(items, "source", span, f"scale `{ident}`"),
                       self._tok(ident), span)

    @v_args(meta=True)
    def scale_level(self, meta, children):
        number, ident, label, description = children
        return n.ScaleLevel(self._int(number, "level"), str(ident), unquote(label),
                            unquote(description), self._span(meta))

    @v_args(meta=True)
    def evidence(self, meta, children):
        ident, many, title, *options = children
        span = self._span(meta)
        owner = f"evidence `{ident}`"
        return n.Evidence(str(ident), unquote(title), many is not None,
                          self._one(options, "schema", span, owner),
                          self._one(options, "source", span, owner), self._tok(ident), span)

    def ev_schema(self, c):
        return ("schema", unquote(c[0]))

    @v_args(meta=True)
    def aggregation(self, meta, children):
        ident, title, *items = children
        span = self._span(meta)
        owner = f"aggregation `{ident}`"
        method = self._one(items, "method", span, owner)
        rounding = self._one(items, "round", span, owner)
        return n.Aggregation(str(ident), unquote(title), method and method[0],
                             rounding and rounding[0], tuple(self._items(items, n.Band)),
                             self._one(items, "source", span, owner), self._tok(ident), span,
                             method and method[1], rounding and rounding[1])

    def agg_method(self, c):
        return ("method", (str(c[0]), self._tok(c[0])))

    def agg_round(self, c):
        return ("round", (str(c[0]), self._tok(c[0])))

    @v_args(meta=True)
    def agg_band(self, meta, c):
        return n.Band(self._int(c[0], "band level"), c[1].value, self._span(meta))

    @v_args(meta=True)
    def aggregate(self, meta, children):
        ident, by = children
        return n.AggregateRef(str(ident), str(by) if by is not None else None, self._tok(ident),
                              self._tok(by) if by is not None else None, self._span(meta))

    @v_args(meta=True)
    def key_question(self, meta, children):
        ident, title, *items = children
        span = self._span(meta)
        owner = f"key question `{ident}`"
        aggregates = self._items(items, n.AggregateRef)
        if len(aggregates) > 1:
            self.diags.error("E003", f"`aggregate` given twice in {owner}", aggregates[1].span)
        return n.KeyQuestion(str(ident), unquote(title), self._one(items, "good", span, owner),
                             aggregates[0] if aggregates else None,
                             tuple(self._items(items, n.Cap)),
                             self._one(items, "source", span, owner), self._tok(ident), span,
                             concerns=tuple(self._items(items, n.Concern)))

    @v_args(meta=True)
    def statement(self, meta, children):
        ident, title, *items = children
        span = self._span(meta)
        owner = f"statement `{ident}`"
        aggregates = self._items(items, n.AggregateRef)
        if len(aggregates) > 1:
            self.diags.error("E003", f"`aggregate` given twice in {owner}", aggregates[1].span)
        under = self._one(items, "under", span, owner)
        criteria = tuple(
            n.Criterion(**{**_fields(c), "statement": str(ident)})
            for c in self._items(items, n.Criterion))
        return n.Statement(
            id=str(ident), title=unquote(title), under=under and under[0],
            we=self._one(items, "we", span, owner), good=self._one(items, "good", span, owner),
            regulations=tuple(self._tagged(items, "regulation")),
            aggregate=aggregates[0] if aggregates else None,
            caps=tuple(self._items(items, n.Cap)), criteria=criteria,
            source=self._one(items, "source", span, owner),
            under_span=under and under[1], id_span=self._tok(ident), span=span,
            concerns=tuple(self._items(items, n.Concern)))

    def st_under(self, c):
        return ("under", (str(c[0]), self._tok(c[0])))

    def st_we(self, c):
        return ("we", unquote(c[0]))

    def st_regulation(self, c):
        return ("regulation", unquote(c[0]))

    def good(self, c):
        return ("good", unquote(c[0]))

    @v_args(meta=True)
    def criterion(self, meta, children):
        ident, title, *items = children
        span = self._span(meta)
        owner = f"criterion `{ident}`"
        category, category_span = self._one(items, "category", span, owner) or (None, None)
        return n.Criterion(
            id=str(ident), title=unquote(title), category=category, category_span=category_span,
            good=self._one(items, "good", span, owner),
            applies=self._one(items, "applies", span, owner),
            lets=tuple(self._items(items, n.Let)), rungs=tuple(self._items(items, n.Rung)),
            caps=tuple(self._items(items, n.Cap)),
            source=self._one(items, "source", span, owner), statement="",
            id_span=self._tok(ident), span=span, concerns=tuple(self._items(items, n.Concern)))

    def cr_category(self, c):
        return ("category", (str(c[0]), self._tok(c[0])))

    def cr_applies(self, c):
        return ("applies", c[0])

    @v_args(meta=True)
    def let(self, meta, c):
        return n.Let(str(c[0]), c[1], self._tok(c[0]), self._span(meta))

    def _notes(self, notes: list, span: Span, what: str) -> tuple[str | None, str | None]:
        because = [t for tag, t in notes if tag == "because"]
        advice = [t for tag, t in notes if tag == "advice"]
        for name, values in (("because", because), ("advice", advice)):
            if len(values) > 1:
                self.diags.error("E003", f"`{name}` given twice on one {what}", span)
        return (because[0] if because else None, advice[0] if advice else None)

    @v_args(meta=True)
    def rung(self, meta, c):
        level, when, *notes = c
        span = self._span(meta)
        because, advice = self._notes(notes, span, "rung")
        return n.Rung(self._level_ref(level), when, because, advice, span)

    @v_args(meta=True)
    def cap(self, meta, c):
        level, when, *notes = c
        span = self._span(meta)
        because, advice = self._notes(notes, span, "cap")
        return n.Cap(self._level_ref(level), when, because, advice, span)

    @v_args(meta=True)
    def concern(self, meta, c):
        text, when, advice = c
        return n.Concern(unquote(text), when, unquote(advice) if advice is not None else None,
                         self._tok(text), self._span(meta))

    def because(self, c):
        return ("because", unquote(c[0]))

    def advice(self, c):
        return ("advice", unquote(c[0]))

    # ---- tests
    @v_args(meta=True)
    def test(self, meta, children):
        name, *items = children
        span = self._span(meta)
        owner = f"test {name}"
        return n.Test(
            name=unquote(name), date=self._one(items, "date", span, owner),
            provider=tuple(self._tagged(items, "provider")),
            kind=self._one(items, "kind", span, owner),
            evidence=tuple(self._items(items, n.TestEvidence)),
            bundle=self._one(items, "bundle", span, owner),
            expectations=tuple(self._items(items, n.Expectation)), span=span,
            concern_expectations=tuple(self._items(items, n.ConcernExpectation)))

    def t_date(self, c):
        return ("date", self._date(c[0]))

    def t_provider(self, c):
        field = str(c[0])
        if field not in ("id", "name", "type"):
            self.diags.error("E043", f"a test cannot set `provider {field}`", self._tok(c[0]),
                             "set `provider id`, `provider name` or `provider type`")
        return ("provider", (field, unquote(c[1])))

    def t_kind(self, c):
        return ("kind", unquote(c[0]))

    def t_bundle(self, c):
        return ("bundle", unquote(c[0]))

    @v_args(meta=True)
    def t_evidence(self, meta, c):
        return n.TestEvidence(str(c[0]), c[1], self._tok(c[0]), self._span(meta))

    @v_args(meta=True)
    def expect(self, meta, c):
        node, (op, value, high) = c
        return n.Expectation(str(node), op, value, high, self._tok(node), self._span(meta))

    @v_args(meta=True)
    def expect_concern(self, meta, c):
        text, state = c
        return n.ConcernExpectation(unquote(text), str(state), self._tok(text), self._tok(state),
                                    self._span(meta))

    def exp_is(self, c):
        value = self._level_ref(c[0])
        return ("is", value, None)

    def exp_range(self, c):
        return ("range", self._int(c[0], "level"), self._int(c[1], "level"))

    def exp_at_least(self, c):
        return (">=", self._level_ref(c[0]), None)

    def exp_at_most(self, c):
        return ("<=", self._level_ref(c[0]), None)

    def json_object(self, c):
        if c == [None]:
            return {}
        out: dict = {}
        for key, value in c:
            out[key] = value
        return out

    def json_pair(self, c):
        return (unquote(c[0]), c[1])

    def json_array(self, c):
        return [] if c == [None] else list(c)

    def json_string(self, c):
        return unquote(c[0])

    def json_number(self, c):
        return _number(str(c[0]))

    def json_negative(self, c):
        return -_number(str(c[0]))

    def json_true(self, _):
        return True

    def json_false(self, _):
        return False

    def json_null(self, _):
        return None

    # ---- expressions
    def _date(self, token: Token) -> dt.date:
        try:
            return dt.date.fromisoformat(str(token))
        except ValueError:
            self.diags.error("E001", f"`{token}` is not a real date", self._tok(token),
                             "write a date that exists, as YYYY-MM-DD")
            return dt.date(1970, 1, 1)

    @v_args(meta=True)
    def number(self, meta, c):
        return n.Literal(_number(str(c[0])), self._span(meta))

    @v_args(meta=True)
    def string(self, meta, c):
        return n.Literal(unquote(c[0]), self._span(meta))

    @v_args(meta=True)
    def date(self, meta, c):
        return n.DateLiteral(self._date(c[0]), self._span(meta))

    @v_args(meta=True)
    def duration(self, meta, c):
        return n.Duration(c[0].value, c[1], self._span(meta))

    def unit(self, c):
        return _UNITS[str(c[0])]

    def attr(self, c):
        return c[0] if isinstance(c[0], str) and not isinstance(c[0], Token) else str(c[0])

    @v_args(meta=True)
    def true(self, meta, _):
        return n.Literal(True, self._span(meta))

    @v_args(meta=True)
    def false(self, meta, _):
        return n.Literal(False, self._span(meta))

    @v_args(meta=True)
    def none(self, meta, _):
        return n.Literal(None, self._span(meta))

    @v_args(meta=True)
    def name(self, meta, c):
        return n.Name(str(c[0]), self._span(meta))

    @v_args(meta=True)
    def level_of(self, meta, c):
        return n.LevelOf(str(c[0]), self._tok(c[0]), self._span(meta))

    @v_args(meta=True)
    def list(self, meta, c):
        return n.ListExpr(() if c == [None] else tuple(c), self._span(meta))

    @v_args(meta=True)
    def field(self, meta, c):
        return n.Field(c[0], c[1], self._span(meta))

    @v_args(meta=True)
    def index(self, meta, c):
        return n.Index(c[0], c[1], self._span(meta))

    @v_args(meta=True)
    def neg(self, meta, c):
        if isinstance(c[0], n.Literal) and isinstance(c[0].value, int | float) \
                and not isinstance(c[0].value, bool):
            return n.Literal(-c[0].value, self._span(meta))
        return n.Negate(c[0], self._span(meta))

    @v_args(meta=True)
    def not_(self, meta, c):
        return n.Not(c[0], self._span(meta))

    @v_args(meta=True)
    def or_(self, meta, c):
        return n.BoolOp("or", c[0], c[1], self._span(meta))

    @v_args(meta=True)
    def and_(self, meta, c):
        return n.BoolOp("and", c[0], c[1], self._span(meta))

    def _is(self, meta, c, what: str, negated: bool):
        return n.IsCheck(c[0], what, negated, self._span(meta))

    @v_args(meta=True)
    def is_missing(self, meta, c):
        return self._is(meta, c, "missing", False)

    @v_args(meta=True)
    def is_not_missing(self, meta, c):
        return self._is(meta, c, "missing", True)

    @v_args(meta=True)
    def is_none(self, meta, c):
        return self._is(meta, c, "none", False)

    @v_args(meta=True)
    def is_not_none(self, meta, c):
        return self._is(meta, c, "none", True)

    @v_args(meta=True)
    def call(self, meta, c):
        func, (kind, args) = c
        span = self._span(meta)
        comprehension = None
        if kind == "where":
            binding, where = args
            if not (isinstance(binding, n.Compare) and binding.op == "in"
                    and isinstance(binding.left, n.Name)):
                self.diags.error("E001", f"syntax error: `{func}(... where ...)` needs "
                                 "`name in list` before `where`", binding.span,
                                 f"write `{func}(x in LIST where CONDITION)`")
                return n.Call(str(func), (binding,), None, self._tok(func), span)
            comprehension = n.Comprehension(binding.left.id, binding.right, where, None,
                                            binding.left.span)
            args = ()
        elif kind == "for":
            element, var, source, where = args
            comprehension = n.Comprehension(str(var), source, where, element, self._tok(var))
            args = ()
        return n.Call(str(func), tuple(args), comprehension, self._tok(func), span)

    def call_plain(self, c):
        return ("plain", (c[0],))

    def call_many(self, c):
        return ("plain", tuple(c))

    def call_where(self, c):
        return ("where", (c[0], c[1]))

    def call_for(self, c):
        return ("for", (c[0], c[1], c[2], c[3]))

    def __default__(self, data, children, meta):
        if data in _COMPARE:
            return n.Compare(_COMPARE[data], children[0], children[1], self._span(meta))
        if data in _ARITH:
            return n.Arith(_ARITH[data], children[0], children[1], self._span(meta))
        raise AssertionError(f"no transformer method for grammar rule {data!r}")


def _fields(node: Any) -> dict:
    return {f: getattr(node, f) for f in node.__dataclass_fields__}


def tree_leaks(value: Any) -> bool:
    """True if a Lark tree or token is anywhere inside ``value`` (a test helper)."""
    if isinstance(value, Tree | Token):
        return True
    if isinstance(value, tuple | list):
        return any(tree_leaks(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return any(tree_leaks(getattr(value, f)) for f in value.__dataclass_fields__)
    return False
