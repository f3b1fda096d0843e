"""The canonical layout of ``.crit`` files, comments kept (``wellled fmt``).

Two-space indentation, one item per line, a blank line between top-level
declarations and before each criterion, strings exactly as written (a
``\"\"\"`` string's later lines are re-aligned under its first, which its
meaning ignores), expressions with only the parentheses precedence needs.

The printer reads the concrete tree from ``parse.parser()`` rather than the
AST: it needs each string's quoting and the order items were written in,
which the AST does not keep. A comment goes before the item it precedes (or
before the closing ``}`` at the end of a block); a comment at the end of an
item's last line stays there.

>>> print(format_text('evidence ftsu   "FTSU"  # the guardian', "a.crit"), end="")
evidence ftsu "FTSU"  # the guardian
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from lark import Token, Tree

from engine.errors import CriteriaError
from engine.language.limits import Limits
from engine.language.load import crit_files, display_path
from engine.language.parse import parse_text, parser, scan_comments
from engine.source import Span

INDENT = "  "


@dataclass
class _Line:
    """One output line before comments are merged: its text and the source lines it covers."""

    depth: int
    text: str
    first: int
    last: int
    blank: bool | None = None     # True: always a blank line before; None: as in the source
    closing: bool = False


def format_text(text: str, path: str) -> str:
    """``text`` in canonical layout; raises ``CriteriaError`` if it has syntax errors."""
    file, diags = parse_text(text, path)
    if file is None or diags.has_errors:
        raise CriteriaError(diags)
    tree = parser().parse(text)
    token = _MARKS.set(_marks_for(text))
    try:
        return _format_tree(tree, text, path)
    finally:
        _MARKS.reset(token)


def _format_tree(tree: Tree, text: str, path: str) -> str:
    lines: list[_Line] = []
    previous = None
    for decl in tree.children:
        block = _decl(decl, 0)
        # Consecutive one-line `evidence` declarations may stay together, as in the
        # spec; the first declaration keeps a blank line after a header comment.
        together = decl.data == "evidence" and previous == "evidence"
        block[0].blank = None if together or previous is None else True
        lines.extend(block)
        previous = decl.data
    comments = [(c.span.line, c.text) for c in scan_comments(text, path)]
    return _merge(lines, comments, text.split("\n"))


def format_changes(path: Path, limits: Limits = Limits()) -> list[tuple[str, Path, str, str]]:
    """``(shown name, file, text now, text formatted)`` for each file not in canonical layout.

    Files past the size or depth limits (``engine/language/limits.py``) are
    refused as ``check`` refuses them (E005, E006), before the printer walks them.
    """
    from engine.diagnostics import Diagnostics
    from engine.language.load import _parse, _read

    path = Path(path)
    _, pairs = crit_files(path)
    changed: list[tuple[str, Path, str, str]] = []
    problems = Diagnostics()
    for relative, file_path in pairs:
        name = display_path(path, relative)
        data = _read(file_path, name, problems, limits)
        if data is None:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            problems.error("E002", f"`{name}` is not UTF-8 text", Span(name, 0, 0, 0, 0),
                           "save the file as UTF-8")
            continue
        _, first = _parse(text, name, limits)
        if any(d.code == "E006" for d in first.items):
            problems.extend(first)
            continue
        try:
            formatted = format_text(text, name)
        except CriteriaError as err:
            problems.extend(err.diagnostics)
            continue
        if formatted != text:
            changed.append((name, file_path, text, formatted))
    if problems.has_errors:
        raise CriteriaError(problems)
    return changed


# ---------------------------------------------------------------- declarations

_HEADS = {"framework": "framework", "scale": "scale", "aggregation": "aggregation",
          "key_question": "key_question", "statement": "statement", "criterion": "criterion"}


def _decl(tree: Tree, depth: int) -> list[_Line]:
    kind = tree.data
    if kind == "evidence":
        ident, many, title, *options = tree.children
        head = f"evidence {ident}{' many' if many is not None else ''}"
        text = _with_string(depth, head + " ", title)
        for option in options:
            word = "schema" if option.data == "ev_schema" else "source"
            text += f" {word} {option.children[0]}"
        return [_Line(depth, text, tree.meta.line, tree.meta.end_line)]
    if kind == "test":
        name, *items = tree.children
        header = _with_string(depth, "test ", name) + " {"
    elif kind == "scale":
        ident, *items = tree.children
        header = f"scale {ident} {{"
    else:
        ident, title, *items = tree.children
        header = _with_string(depth, f"{_HEADS[kind]} {ident} ", title) + " {"
    lines = [_Line(depth, header, tree.meta.line, tree.meta.line)]
    for index, item in enumerate(items):
        block = _item(item, depth + 1)
        if isinstance(item, Tree) and item.data == "criterion" and index > 0:
            block[0].blank = True
        lines.extend(block)
    lines.append(_Line(depth, "}", tree.meta.end_line, tree.meta.end_line, False, True))
    return lines


_SIMPLE = {
    "fw_version": "version", "fw_publisher": "publisher", "fw_scale": "scale",
    "fw_root": "root", "source": "source", "agg_method": "method", "agg_round": "round",
    "st_under": "under", "st_we": "we", "st_regulation": "regulation", "good": "good",
    "cr_category": "category", "t_date": "date", "t_kind": "kind", "t_bundle": "bundle",
}


def _item(tree: Tree, depth: int) -> list[_Line]:
    kind, meta, c = tree.data, tree.meta, tree.children
    if kind == "criterion":
        return _decl(tree, depth)
    if kind in ("rung", "cap"):
        level, when, *notes = c
        word = "level" if kind == "rung" else "cap"
        text = _condition(depth, f"{word} {level} when ", when)
        lines = [_Line(depth, text, meta.line, when.meta.end_line if isinstance(when, Tree)
                       else meta.line)]
        for note in notes:
            lines.append(_Line(depth + 1, _with_string(depth + 1, f"{note.data} ",
                                                       note.children[0]),
                               note.meta.line, note.meta.end_line))
        return lines
    if kind == "concern":
        text_token, when, advice = c
        head = _with_string(depth, "concern ", text_token) + " when "
        lines = [_Line(depth, _condition(depth, head, when), meta.line,
                       when.meta.end_line if isinstance(when, Tree) else meta.line)]
        if advice is not None:
            lines.append(_Line(depth + 1, _with_string(depth + 1, "advice ", advice),
                               advice.line, advice.end_line))
        return lines
    if kind in _SIMPLE:
        value = c[0]
        text = (_with_string(depth, _SIMPLE[kind] + " ", value)
                if value.type == "STRING" else f"{_SIMPLE[kind]} {value}")
    elif kind == "scale_level":
        number, ident, label, meaning = c
        text = _with_string(depth, f"level {number} {ident} {label} ", meaning)
    elif kind == "agg_band":
        text = f"band {c[0]} from {_expr(c[1])}"
    elif kind == "aggregate":
        text = f"aggregate {c[0]}" + (f" by category {c[1]}" if c[1] is not None else "")
    elif kind == "cr_applies":
        text = _condition(depth, "applies when ", c[0])
    elif kind == "let":
        text = _condition(depth, f"let {c[0]} = ", c[1])
    elif kind == "t_provider":
        text = f"provider {c[0]} {c[1]}"
    elif kind == "t_evidence":
        text = _fill(depth, f"evidence {c[0]} = ", c[1])
    elif kind == "expect":
        text = f"expect {c[0]} {_expect(c[1])}"
    elif kind == "expect_concern":
        text = _with_string(depth, "expect concern ", c[0]) + f" is {c[1]}"
    elif kind == "fw_categories":
        text = _greedy(INDENT * depth + "categories ", [str(t) for t in c],
                       INDENT * (depth + 1), " ")[len(INDENT * depth):]
    else:
        raise AssertionError(f"fmt has no layout for `{kind}`")
    return [_Line(depth, text, meta.line, meta.end_line)]


def _condition(depth: int, prefix: str, tree: Tree) -> str:
    """``prefix`` and an expression; a too-long ``and``/``or`` chain puts each further
    operand on its own line, the operator first, aligned under the expression."""
    one = prefix + _expr(tree)
    column = len((INDENT * depth + prefix).rsplit("\n", 1)[-1])   # a """ string may end the prefix
    if column + len(_plain(_expr(tree))) <= WIDTH or not isinstance(tree, Tree):
        return one
    if tree.data in ("add", "sub", "mul", "div"):
        return _arith_chain(depth, prefix, tree)
    if tree.data not in ("and_", "or_"):
        return one
    operands = []
    node = tree
    while isinstance(node, Tree) and node.data == tree.data:
        operands.append(node.children[1])
        node = node.children[0]
    operands.append(node)
    operands.reverse()
    word, right = ("and", 3) if tree.data == "and_" else ("or", 2)
    first = _wrap(operands[0], right - 1)
    rest = "".join(f"\n{' ' * column}{word} {_wrap(o, right)}" for o in operands[1:])
    return prefix + first + rest


def _arith_chain(depth: int, prefix: str, tree: Tree) -> str:
    """A too-long chain of ``+ -`` (or of ``* /``) filled into lines, each break before
    an operator and aligned under the expression."""
    level = ("add", "sub") if tree.data in ("add", "sub") else ("mul", "div")
    _, precedence, _, right = _BINARY[tree.data]
    pieces: list[str] = []
    node = tree
    while isinstance(node, Tree) and node.data in level:
        pieces.append(f"{_BINARY[node.data][0]} {_wrap(node.children[1], right)}")
        node = node.children[0]
    pieces.append(_wrap(node, precedence))
    pieces.reverse()
    column = len(INDENT * depth + prefix)
    text = _greedy(INDENT * depth + prefix, [_plain(p) for p in pieces], " " * column, " ")
    return text[len(INDENT * depth):]


def _with_string(depth: int, prefix: str, token: Token) -> str:
    """``prefix`` then the string ``token``; a multi-line ``\"\"\"`` string is re-aligned."""
    raw = str(token)
    if "\n" not in raw:
        return prefix + raw
    column = len(INDENT * depth + prefix) + 3
    first, *rest = raw.split("\n")
    aligned = [(" " * column + line.strip()) if line.strip() else "" for line in rest]
    if aligned and aligned[-1].strip() == '"""':
        aligned[-1] = " " * column + '"""'
    return prefix + "\n".join([first, *aligned])


def _expect(tree: Tree) -> str:
    c = tree.children
    return {"exp_is": lambda: f"is {c[0]}", "exp_range": lambda: f"is {c[0]} to {c[1]}",
            "exp_at_least": lambda: f">= {c[0]}", "exp_at_most": lambda: f"<= {c[0]}"}[
        tree.data]()


def _fill(depth: int, prefix: str, value: Tree) -> str:
    """Inline JSON on one line when it fits in WIDTH; otherwise one member per line,
    each nested value laid out the same way, the closing bracket on a line of its own."""
    one = prefix + _json(value)
    if len(INDENT * depth + one) <= WIDTH or value.data not in ("json_object", "json_array"):
        return one
    return prefix + _block(value, depth)


def _block(value: Tree, depth: int) -> str:
    """A JSON object or array that does not fit on one line, opened where it stands."""
    pad = INDENT * (depth + 1)
    if value.data == "json_object":
        members = [(f"{p.children[0]}: ", p.children[1]) for p in value.children
                   if p is not None]
        opening, closing = "{", "}"
    else:
        members = [("", v) for v in value.children if v is not None]
        opening, closing = "[", "]"
    if not members:
        return opening + closing
    lines = [opening]
    for i, (key, member) in enumerate(members):
        comma = "," if i < len(members) - 1 else ""
        inline = key + _json(member)
        if len(pad + inline + comma) <= WIDTH or member.data not in ("json_object",
                                                                      "json_array"):
            lines.append(pad + inline + comma)
        else:
            lines.append(pad + key + _block(member, depth + 1) + comma)
    lines.append(INDENT * depth + closing)
    return "\n".join(lines)


def _greedy(first: str, pieces: list[str], pad: str, joiner: str) -> str:
    """``first`` then ``pieces``, as many to a line as fit in WIDTH; later lines start
    with ``pad``."""
    lines = [first + pieces[0]]
    for piece in pieces[1:]:
        if len(lines[-1]) + len(joiner) + len(piece) <= WIDTH:
            lines[-1] += joiner + piece
        else:
            lines.append(pad + piece)
    return "\n".join(lines)


def _json(value: Tree) -> str:
    kind, c = value.data, value.children
    if kind == "json_object":
        pairs = [p for p in c if p is not None]
        return "{" + ", ".join(f"{p.children[0]}: {_json(p.children[1])}" for p in pairs) + "}"
    if kind == "json_array":
        return "[" + ", ".join(_json(v) for v in c if v is not None) + "]"
    if kind in ("json_string", "json_number"):
        return str(c[0])
    if kind == "json_negative":
        return f"-{c[0]}"
    return {"json_true": "true", "json_false": "false", "json_null": "null"}[kind]


# ---------------------------------------------------------------- expressions
# Precedence, loosest first, as in the grammar: or 1, and 2, not 3, comparison 4,
# + - 5, * / 6, unary - 7, postfix 8, atoms 9. Each operator names the least
# precedence its operands may have unparenthesised (left, right).

_BINARY = {"or_": ("or", 1, 1, 2), "and_": ("and", 2, 2, 3),
           "eq": ("==", 4, 5, 5), "ne": ("!=", 4, 5, 5), "lt": ("<", 4, 5, 5),
           "le": ("<=", 4, 5, 5), "gt": (">", 4, 5, 5), "ge": (">=", 4, 5, 5),
           "member": ("in", 4, 5, 5), "not_member": ("not in", 4, 5, 5),
           "add": ("+", 5, 5, 6), "sub": ("-", 5, 5, 6), "mul": ("*", 6, 6, 7),
           "div": ("/", 6, 6, 7)}
_IS = {"is_missing": "is missing", "is_not_missing": "is not missing", "is_none": "is none",
       "is_not_none": "is not none"}
_WORDS = {"true": "true", "false": "false", "none": "none"}


def _expr(tree: Tree | Token) -> str:
    return _printed(tree)[0]


def _wrap(tree: Tree, least: int) -> str:
    text, precedence = _printed(tree)
    return f"({text})" if precedence < least else text


def _printed(tree: Tree | Token) -> tuple[str, int]:
    """The text of an expression and its precedence."""
    if isinstance(tree, Token):
        return str(tree), 9
    kind, c = tree.data, tree.children
    if kind in _BINARY:
        op, precedence, left, right = _BINARY[kind]
        return f"{_wrap(c[0], left)} {op} {_wrap(c[1], right)}", precedence
    if kind in _IS:
        return f"{_wrap(c[0], 5)} {_IS[kind]}", 4
    if kind == "not_":
        return f"not {_wrap(c[0], 3)}", 3
    if kind == "neg":
        return f"-{_wrap(c[0], 7)}", 7
    if kind == "field":
        return f"{_wrap(c[0], 8)}.{c[1].children[0]}", 8
    if kind == "index":
        return f"{_wrap(c[0], 8)}[{_expr(c[1])}]", 8
    if kind in ("number", "string", "date", "name"):
        return str(c[0]), 9
    if kind == "duration":
        return f"{c[0].children[0]} {c[1].children[0]}", 9
    if kind in _WORDS:
        return _WORDS[kind], 9
    if kind == "level_of":
        return f"level({c[0]})", 9
    if kind == "list":
        return "[" + ", ".join(_expr(i) for i in c if i is not None) + "]", 9
    if kind == "call":
        return f"{c[0]}({_MARKS.get()[0]}{_args(c[1])})", 9
    raise AssertionError(f"fmt has no layout for expression `{kind}`")


def _args(tree: Tree) -> str:
    kind, c = tree.data, tree.children
    if kind in ("call_plain", "call_many"):
        return ", ".join(_expr(a) for a in c)
    if kind == "call_where":
        return f"{_expr(c[0])} {_MARKS.get()[1]}where {_expr(c[1])}"
    element, var, source, where = c
    text = f"{_expr(element)} for {var} in {_expr(source)}"
    return text + (f" {_MARKS.get()[1]}where {_expr(where)}" if where is not None else "")


# A call marks where its arguments start and where its `where` may break; a line
# longer than WIDTH breaks at its first `where`, aligned under the call's first
# argument. The marks are removed from every line, long or not; they are two
# characters the file does not contain, so no string can hold one.
WIDTH = 100
_MARKS: ContextVar[tuple[str, str]] = ContextVar("marks", default=("\x01", "\x02"))


def _marks_for(text: str) -> tuple[str, str]:
    free = (chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)
    return next(free), next(free)


def _plain(text: str) -> str:
    """``text`` without the layout marks."""
    marks = _MARKS.get()
    return text.replace(marks[0], "").replace(marks[1], "")


def _layout(text: str) -> str:
    """Each line of ``text`` with its marks removed, broken at a `where` if too long."""
    return "\n".join(_layout_line(line) for line in text.split("\n"))


def _layout_line(text: str) -> str:
    _OPEN, _BREAK = _MARKS.get()
    plain = _plain(text)
    if len(plain) <= WIDTH or _BREAK not in text:
        return plain
    out: list[str] = []
    opened: list[int] = []
    broken = False
    for char in text:
        if char == _OPEN:
            opened.append(len(out))
        elif char == _BREAK:
            column = opened.pop() if opened else 0
            if not broken:
                while out and out[-1] == " ":
                    out.pop()
                line_start = "".join(out).rfind("\n") + 1
                out.append("\n" + " " * (column - line_start))
                broken = True
        else:
            out.append(char)
    return "".join(out)


# ---------------------------------------------------------------- comments


def _merge(lines: list[_Line], comments: list[tuple[int, str]], source: list[str]) -> str:
    """Interleave comments with the printed lines, keeping blank lines where the source had."""
    out: list[str] = []
    at = 0

    def blank_in_source(line: int) -> bool:
        return 1 < line <= len(source) + 1 and not source[line - 2].strip()

    def emit(text: str, blank: bool) -> None:
        if blank and out and out[-1] and not out[-1].endswith("{"):
            out.append("")
        out.append(text)

    for index, line in enumerate(lines):
        nxt = lines[index + 1] if index + 1 < len(lines) else None
        before: list[tuple[int, str]] = []
        trailing = None
        while at < len(comments) and comments[at][0] <= line.last:
            number, text = comments[at]
            if number == line.last and number >= line.first:
                if nxt is not None and nxt.first <= number:
                    break
                trailing = text
            else:
                before.append((number, text))
            at += 1
        depth = line.depth + 1 if line.closing else line.depth
        for position, (number, text) in enumerate(before):
            first = position == 0
            blank = (line.blank is True or (line.blank is None and blank_in_source(number))) \
                if first else blank_in_source(number)
            emit(INDENT * depth + text, blank)
        if before:
            blank = not line.closing and line.blank is not False and blank_in_source(line.first)
        else:
            blank = line.blank is True or (line.blank is None and blank_in_source(line.first))
        text = _layout(INDENT * line.depth + line.text)
        emit(text + (f"  {trailing}" if trailing else ""), blank)
    for number, text in comments[at:]:
        emit(text, blank_in_source(number))
    return "\n".join(out) + "\n"
