"""Reading one evidence file (JSON or YAML text) into a plain JSON value, safely.

Nothing in a file is ever executed or trusted: YAML is read event by event
(libyaml's parser when available) and built into plain values here, so no tag
can construct an object. Both formats refuse what would silently change or
hide data (duplicate keys, NaN), and what could exhaust the machine (deep
nesting, alias bombs).

>>> parse_text(b"approved_on: 2025-01-15\\nstaff: [1, 2]\\n", ".yaml")
{'approved_on': '2025-01-15', 'staff': [1, 2]}
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from engine.evidence.pointers import escape

MAX_DEPTH = 64
"""How deeply objects and lists may nest in one document."""

MAX_ALIAS_NODES = 10_000
"""How many values YAML aliases (``*name``) may add to one document, in total."""

SUFFIXES = (".json", ".yaml", ".yml")
"""The file name endings read as evidence; anything else is listed as unused."""


class ReadError(Exception):
    """One file cannot be read: ``message`` says why, ``at`` where, ``code`` which kind.

    ``at`` is ``line:column`` (both from 1) for a syntax error, a JSON pointer
    when only the place in the data is known, or empty. ``code`` is the
    diagnostic code (engine/diagnostics.py): E203, text that cannot be read as
    JSON or YAML, unless the one raising it says otherwise.
    """

    def __init__(self, message: str, at: str = "", help: str | None = None,
                 code: str = "E203"):
        self.message = message
        self.at = at
        self.help = help
        self.code = code
        self.text: str | None = None
        super().__init__(f"{at}: {message}" if at else message)


def parse_text(raw: bytes, suffix: str) -> Any:
    """The JSON value in ``raw`` (a ``.json``, ``.yaml`` or ``.yml`` file's bytes).

    Raises ``ReadError`` for text that is not UTF-8, a syntax error, or anything
    refused (duplicate keys, tags, NaN, nesting deeper than ``MAX_DEPTH``).
    """
    text = _decode(raw)
    try:
        if suffix.lower() == ".json":
            return parse_json(text)
        return parse_yaml(text)
    except ReadError as err:
        if err.at[:1].isdigit():
            err.text = text         # for the source line under the message (``snippet``)
        raise


def _decode(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line, col = _line_col_of_byte(raw, err.start)
        raise ReadError(f"the text is not UTF-8 (byte 0x{raw[err.start]:02x}); "
                        "save the file as UTF-8", f"{line}:{col}") from None
    # A byte-order mark is what some editors put first; it carries no data.
    return text[1:] if text.startswith("\ufeff") else text


def _line_col_of_byte(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    return line, offset - (before.rfind(b"\n") + 1) + 1


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


# ---------------------------------------------------------------- JSON


class _Duplicate(Exception):
    """A JSON object has a key twice (raised from the pairs hook, located afterwards)."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Duplicate
    return result


def _no_constant(name: str) -> Any:
    raise ReadError(f"`{name}` is not a number JSON allows; write a number or null")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ReadError(f"`{_show(text)}` is too large for a number")
    return value


class _BigInt(str):
    """The text of a JSON integer too large to carry exactly (kept to be located and refused)."""


def _whole_number(text: str) -> int | _BigInt:
    if len(text) > _MAX_INTEGER_DIGITS + 1:
        return _BigInt(text)
    value = int(text)
    return value if -MAX_INTEGER <= value <= MAX_INTEGER else _BigInt(text)


def parse_json(text: str) -> Any:
    """The value of a JSON text; duplicate keys, NaN, deep nesting, whole numbers beyond
    ``MAX_INTEGER`` and lone surrogates (``"\\ud800"``) refused."""
    # Only a text with a long run of digits can hold a whole number too large, and only
    # one with a `\uD8..`-`\uDF..` escape a lone surrogate: the rest never pays for the walk.
    big = _LONG_DIGITS.search(text) is not None
    odd = big or _SURROGATE_ESCAPE.search(text) is not None
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates,
                           parse_constant=_no_constant, parse_float=_finite_float,
                           parse_int=_whole_number if big else None)
    except json.JSONDecodeError as err:
        raise ReadError(f"not valid JSON: {err.msg.lower()}", f"{err.lineno}:{err.colno}",
                        json_help(text, err.msg, err.pos)) from None
    except _Duplicate:
        raise _locate_json_duplicate(text) from None
    except RecursionError:
        raise ReadError(f"objects and lists nest deeper than {MAX_DEPTH} levels") from None
    except ValueError as err:       # a case the hooks above do not foresee
        raise ReadError(f"not valid JSON: {str(err).lower()}") from None
    _check_json_depth(text)
    if odd:
        problem = _unsafe_value(value)
        if problem is not None:
            pointer, message = problem
            where = json_positions(text).get(pointer)
            raise ReadError(message, f"{where[0]}:{where[1]}" if where else pointer)
    return value


MAX_INTEGER = 2**53 - 1
"""The largest whole number carried (9,007,199,254,740,991): beyond it, numbers stop being
exact in most programs that read JSON (RFC 7493), and would not survive into result.json."""

_MAX_INTEGER_DIGITS = len(str(MAX_INTEGER))
_LONG_DIGITS = re.compile(r"\d{%d}" % (_MAX_INTEGER_DIGITS,))
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _too_large(text: str) -> str:
    return (f"the whole number `{_show(text)}` is too large (over "
            f"{MAX_INTEGER:,}); check the value")


def _lone_surrogate(what: str) -> str:
    return (f"{what} holds a `\\u` escape that is half of a character pair (a lone "
            "surrogate), which is not text; write the character itself, or remove the escape")


def _unsafe_value(value: Any) -> tuple[str, str] | None:
    """The first whole number too large or lone surrogate in ``value``: (pointer, message)."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, _BigInt):
            return pointer, _too_large(node)
        if isinstance(node, int) and not isinstance(node, bool) and abs(node) > MAX_INTEGER:
            return pointer, _too_large(str(node) if abs(node) < 10**100 else "a very long number")
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return pointer, _lone_surrogate("the text")
        elif isinstance(node, dict):
            for key in node:
                if _SURROGATE.search(key):
                    return pointer, _lone_surrogate("a key of this object")
            stack.extend((f"{pointer}/{escape(k)}", v) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((f"{pointer}/{i}", v) for i, v in reversed(list(enumerate(node))))
    return None


# A JSON string, so that brackets inside strings are not counted as nesting.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def _check_json_depth(text: str) -> None:
    # INVARIANT: ``text`` parsed as JSON, so every string is well formed and the
    # brackets left after removing strings balance.
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return      # not even that many brackets, in strings or not: too few to nest deeper
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    if len(brackets) <= 2 * MAX_DEPTH:
        return
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ReadError(f"objects and lists nest deeper than {MAX_DEPTH} levels")
        else:
            depth -= 1


class _Pairs(list):
    """An object's key/value pairs, kept so that a duplicate key can be located."""


def _locate_json_duplicate(text: str) -> ReadError:
    tree = json.loads(text, object_pairs_hook=_Pairs)
    stack: list[tuple[str, Any]] = [("", tree)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, _Pairs):
            seen: set[str] = set()
            for key, _ in node:
                if key in seen:
                    return ReadError(f"duplicate key `{_show(key)}` (the later one would "
                                     "silently win); keep one", pointer)
                seen.add(key)
            stack.extend((f"{pointer}/{escape(key)}", child) for key, child in reversed(node))
        elif isinstance(node, list):
            stack.extend((f"{pointer}/{i}", child) for i, child in reversed(list(enumerate(node))))
    return ReadError("duplicate key in an object (the later one would silently win); keep one")


# ---------------------------------------------------------------- YAML

# INVARIANT: `yaml.CParser` is not exported by `yaml` itself (cyaml's __all__
# leaves it out), so it is looked up in `yaml.cyaml`; asking `yaml` for it
# silently fell back to the pure-Python parser, about 10x slower.
_PARSER = getattr(getattr(yaml, "cyaml", None), "CParser", None)
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_STR = "tag:yaml.org,2002:str"
# The first characters of a plain scalar that an implicit type (null, bool, number,
# date, merge...) can start with; any other plain scalar is text. No resolver matches
# whatever the first character (the key None), or this shortcut would be wrong.
_RESOLVED_FIRST = frozenset(_RESOLVER.yaml_implicit_resolvers)
assert None not in _RESOLVED_FIRST


def _events(text: str, parser_class=None):
    """The YAML parse events of ``text``: libyaml's parser if there is one, else PyYAML's."""
    parser = (parser_class or _PARSER or yaml.SafeLoader)(text)
    try:
        yield from iter(parser.get_event, None)     # None: past the end of the stream
    finally:
        parser.dispose()


def _build(text: str, parser_class=None) -> Any:
    """The value of ``text`` built from its events (``_events``, without a generator
    between the parser and the builder: one Python frame less per event)."""
    parser = (parser_class or _PARSER or yaml.SafeLoader)(text)
    try:
        return _Builder().build(iter(parser.get_event, None))
    finally:
        parser.dispose()


def parse_yaml(text: str) -> Any:
    """The value of a YAML text with ``yaml.safe_load`` meaning, made stricter.

    Unquoted dates stay ISO strings; tags, duplicate or non-scalar keys, merge
    keys (``<<``), several documents, NaN, nesting past ``MAX_DEPTH`` and
    aliases adding more than ``MAX_ALIAS_NODES`` values are refused.
    """
    try:
        try:
            return _build(text)
        except yaml.MarkedYAMLError as err:
            # libyaml >= 0.2.5 stops at 1,000 levels while scanning ahead, before
            # the builder sees level MAX_DEPTH + 1: PyYAML's own parser, which has
            # no such limit, finds where the text first nests too deep.
            if _PARSER is None or "nesting depth" not in str(err.problem):
                raise
            return _build(text, yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        lines = text.splitlines()
        mark = err.problem_mark or err.context_mark
        if mark is not None and mark.line >= len(lines) and err.context_mark is not None:
            mark = err.context_mark         # the end of the file: show where it began
        where = f"{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        what = err.problem or err.context or "syntax error"
        line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
        above = next((lines[i] for i in range(mark.line - 1, -1, -1) if lines[i].strip()
                      and not lines[i].lstrip().startswith("#")), "") if line else ""
        raise ReadError(f"not valid YAML: {what}", where,
                        yaml_help(f"{err.context or ''} {what}", line, above)) from None
    except yaml.YAMLError as err:
        raise ReadError(f"not valid YAML: {err}") from None


def _at(event) -> str:
    mark = event.start_mark
    return f"{mark.line + 1}:{mark.column + 1}" if mark is not None else ""


def _error(event, message: str) -> ReadError:
    return ReadError(message, _at(event))


def _tag_error(event) -> ReadError:
    tag = event.tag.replace("tag:yaml.org,2002:", "!!")
    return _error(event, f"YAML tags such as `{_show(tag)}` are not allowed; write the plain value")


class _Builder:
    """Builds plain values from YAML events, enforcing every limit on the way."""

    def __init__(self) -> None:
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.alias_nodes = 0
        self.documents = 0

    def build(self, events) -> Any:
        # Scalars are most of the events: they are tested for first, and a plain scalar
        # that no implicit type can start with is text without asking the resolver
        # (together ~40% less time building than one generic path for every event).
        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
        resolved_first = _RESOLVED_FIRST
        result: Any = None
        # Each open collection: [value, pending key (mappings), anchor, start event, node count]
        stack: list[list[Any]] = []
        for event in events:
            kind = type(event)
            if kind is scalar_event:
                if event.tag is not None:
                    raise _tag_error(event)
                text = event.value
                if event.implicit[0] and text[:1] in resolved_first:
                    value = self._scalar(event)
                else:
                    value = text            # quoted, block or plain text: checked below
                    if event.style == '"' and _SURROGATE.search(text):
                        raise _error(event, _lone_surrogate("the text"))
                size, anchor = 1, event.anchor
            elif kind is mapping_start or kind is sequence_start:
                if event.tag is not None:
                    raise _tag_error(event)
                if len(stack) >= MAX_DEPTH:
                    raise _error(event, f"objects and lists nest deeper than "
                                    f"{MAX_DEPTH} levels")
                stack.append([{} if kind is mapping_start else [], _NO_KEY, event.anchor,
                              event, 1])
                continue
            elif kind is mapping_end or kind is sequence_end:
                value, _, anchor, start, size = stack.pop()
            elif kind is alias_event:
                value, size = self._alias(event, len(stack))
                anchor = None
            elif kind is yaml.DocumentStartEvent:
                self.documents += 1
                if self.documents > 1:
                    raise _error(event, "the file holds several YAML documents "
                                    "(`---`); give one document per file")
                continue
            else:   # stream start and end, document end
                continue
            if anchor is not None:
                self.anchors[anchor] = (value, size)
            if not stack:
                result = value
                continue
            parent = stack[-1]
            parent[4] += size
            container = parent[0]
            if type(container) is list:
                container.append(value)
            elif parent[1] is _NO_KEY:
                parent[1] = self._key(event, value, container)
            else:
                container[parent[1]] = value
                parent[1] = _NO_KEY
        return result

    def _scalar(self, event) -> Any:
        if not event.implicit[0]:       # quoted or block scalar: always text
            if event.style == '"' and _SURROGATE.search(event.value):
                raise _error(event, _lone_surrogate("the text"))
            return event.value
        tag = _RESOLVER.resolve(ScalarNode, event.value, event.implicit)
        if tag == _STR or tag == "tag:yaml.org,2002:timestamp":
            return event.value          # an unquoted date stays "2025-06-30"
        node = ScalarNode(tag, event.value)
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return _CONSTRUCTOR.construct_yaml_bool(node)
        if tag == "tag:yaml.org,2002:int":
            # Checked on the digits first: Python refuses to convert a decimal of more
            # than 4,300 digits, and a `0x`/`0b` literal of thousands makes a number
            # that cannot be written back out.
            digits = event.value.lstrip("+-").replace("_", "")
            if len(digits) > _MAX_INTEGER_DIGITS + 2:
                raise _error(event, _too_large(event.value))
            value = _CONSTRUCTOR.construct_yaml_int(node)
            if abs(value) > MAX_INTEGER:
                raise _error(event, _too_large(event.value))
            return value
        if tag == "tag:yaml.org,2002:float":
            value = _CONSTRUCTOR.construct_yaml_float(node)
            if not math.isfinite(value):
                raise _error(event, f"`{_show(event.value)}` is not a number JSON "
                                "allows; write a number or null")
            return value
        if tag == "tag:yaml.org,2002:merge":
            raise _error(event, "merge keys (`<<`) are not supported; "
                            "write the fields out")
        return event.value              # e.g. `=` (the YAML 1.1 value key): plain text

    def _key(self, event, key: Any, mapping: dict[str, Any]) -> str:
        if isinstance(key, (dict, list)):
            raise _error(event, "a key must be a plain value, not an object or list")
        # A key is its text as written: `2024:` is the key "2024", `yes:` is "yes".
        text = event.value if type(event) is yaml.ScalarEvent else _show(key)
        if _SURROGATE.search(text):
            raise _error(event, _lone_surrogate("the key"))
        if text in mapping:
            raise _error(event, f"duplicate key `{_show(text)}` (the later one would "
                            "silently win); keep one")
        return text

    def _alias(self, event, depth: int) -> tuple[Any, int]:
        if event.anchor not in self.anchors:
            raise _error(event, f"alias `*{_show(event.anchor)}` names no anchor "
                            "before it")
        value, size = self.anchors[event.anchor]
        self.alias_nodes += size
        if depth + _height(value) > MAX_DEPTH:
            raise _error(event, f"objects and lists nest deeper than "
                            f"{MAX_DEPTH} levels")
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise _error(event, f"YAML aliases expand past the limit of "
                            f"{MAX_ALIAS_NODES} values; write the values out")
        # A copy, so the document stays a tree (no value shared between two places).
        return _copy(value), size


def _height(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_height, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_height, value), default=0)
    return 0


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


_NO_KEY = object()


# ---------------------------------------------------------------- help for syntax errors


def json_help(text: str, message: str, pos: int) -> str | None:
    """Plain help for a JSON syntax error: the usual causes, in words.

    >>> json_help('{"a": 1,}', "Expecting property name enclosed in double quotes", 8)
    'remove the comma before `}`: JSON allows no comma after the last item'
    """
    char = text[pos:pos + 1]
    if char == "'":
        return "JSON needs double quotes (`\"`) around names and text, not single quotes"
    if message.startswith("Expecting property name"):
        if char == "}":
            return "remove the comma before `}`: JSON allows no comma after the last item"
        return 'write each name in double quotes, then a colon: `"name": value`'
    if message.startswith("Expecting value"):
        if char in ("]", "}"):
            return f"remove the comma before `{char}`: JSON allows no comma after the last item"
        if char.isalpha():
            return ("put text in double quotes (`\"like this\"`); true, false and null "
                    "are written in lower case")
        if char == "":
            return "the file ends too early: a value or a closing bracket is missing"
        return "a value is missing here (a number, \"text\", true, false, null, [...] or {...})"
    if message.startswith("Expecting ':'"):
        return 'a colon is missing after the name: `"name": value`'
    if message.startswith("Expecting ','"):
        return ("a comma is missing between two items, or a quote or bracket is not "
                "closed before this point")
    if message.startswith("Unterminated string"):
        return "a closing double quote (`\"`) is missing"
    if message.startswith("Invalid control character"):
        return "text runs over a line break or holds a tab: close the quote, or write \\n"
    if message.startswith("Extra data"):
        return ("something follows the end of the document: a JSON file holds one value, "
                "usually one `{...}`")
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def yaml_help(problem: str, line: str, above: str = "") -> str | None:
    """Plain help for a YAML syntax error: the usual causes, in words.

    >>> yaml_help("mapping values are not allowed here", "title: Plan: 2025")
    'a value holds a colon followed by a space: put the value in quotes (`title: "Plan: 2025"`), or check the indentation of this line'
    """
    if "\t" in line[: len(line) - len(line.lstrip())] or "'\\t'" in problem or "tab" in problem:
        return "YAML does not allow tabs for indentation: indent with spaces"
    if "mapping values are not allowed" in problem and above and _indent(line) > _indent(
            above) and not above.rstrip().endswith(":"):
        return ("this line is indented more than the line above, which already has its "
                "value: line the fields up in the same column")
    if "mapping values are not allowed" in problem:
        key, _, value = line.strip().partition(": ")
        example = f'`{key}: "{value}"`' if value else '`name: "text: with a colon"`'
        return (f"a value holds a colon followed by a space: put the value in quotes "
                f"({example}), or check the indentation of this line")
    if "could not find expected ':'" in problem:
        return ("a line has no colon after its name (write `name: value`), or a quote "
                "opened earlier is not closed")
    if "quoted scalar" in problem or "unexpected end of stream" in problem:
        return "a quote is not closed: end the text with the same quote it starts with"
    if "expected <block end>" in problem or "did not find expected key" in problem \
            or "expected <block mapping start>" in problem:
        return ("the indentation is off: fields at the same level start in the same column, "
                "and the items of a list under a field are indented the same way")
    if "flow sequence" in problem or "flow mapping" in problem:
        return "a bracket `[` or `{` is not closed, or a comma is missing between items"
    if "did not find expected '-'" in problem:
        return "the items of a list each start with `- ` in the same column"
    return None


# ---------------------------------------------------------------- where values are

# Found only when a problem is to be shown: reading never pays for it.

_JSON_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|([\[\]{},:])|([^\s\[\]{},:"]+))', re.DOTALL)


def json_positions(text: str) -> dict[str, tuple[int, int]]:
    """``pointer -> (line, column)`` of every value of a valid JSON ``text`` (keys: see below).

    A member's key is at ``pointer + "#key"``, so "unknown field" can point at the name.

    >>> json_positions('{"a": [1,\\n  true]}')["/a/1"]
    (2, 3)
    """
    lines = _LineIndex(text)
    walk = _Places()
    pos = 0
    while True:
        match = _JSON_TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            return walk.positions
        pos = match.end()
        string, punct = match.group(1), match.group(2)
        start = match.start(1) if string else match.start(2) if punct else match.start(3)
        if punct in (",", ":"):
            continue
        if punct in ("]", "}"):
            walk.end()
        elif walk.wants_key():
            walk.key(json.loads(string), lines.at(start))
        else:
            walk.value(lines.at(start), punct if punct in ("[", "{") else None)


def yaml_positions(text: str) -> dict[str, tuple[int, int]]:
    """``pointer -> (line, column)`` of every value of a valid YAML ``text`` (keys: ``#key``).

    >>> yaml_positions("a:\\n  - 1\\n  - x: 2\\n")["/a/1/x"]
    (3, 8)
    """
    walk = _Places()
    for event in _events(text):
        kind = type(event)
        if kind in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
            walk.end()
            continue
        if kind not in (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent,
                        yaml.SequenceStartEvent):
            continue
        mark = event.start_mark
        where = (mark.line + 1, mark.column + 1)
        opens = "{" if kind is yaml.MappingStartEvent else \
            "[" if kind is yaml.SequenceStartEvent else None
        if walk.wants_key():        # a key that is a list or object is walked as "?"
            walk.key(event.value if kind is yaml.ScalarEvent else "?", where, opens)
        else:
            walk.value(where, opens)
    return walk.positions


class _Places:
    """Where each value of a document is, fed its keys and values in the order they are
    written: the one walk behind ``json_positions`` (tokens) and ``yaml_positions`` (events).

    >>> walk = _Places()
    >>> walk.value((1, 1), "{"); walk.key("a", (1, 2)); walk.value((1, 5), "[")
    >>> walk.value((1, 6)); walk.end(); walk.end()
    >>> walk.positions
    {'': (1, 1), '/a#key': (1, 2), '/a': (1, 5), '/a/0': (1, 6)}
    """

    __slots__ = ("positions", "stack")

    def __init__(self) -> None:
        self.positions: dict[str, tuple[int, int]] = {}
        # Each open container: [pointer, is an object, next index, key awaiting its value]
        self.stack: list[list[Any]] = []

    def wants_key(self) -> bool:
        """True when the next thing written is an object's key."""
        return bool(self.stack) and self.stack[-1][1] and self.stack[-1][3] is None

    def key(self, name: str, where: tuple[int, int], opens: str | None = None) -> None:
        """An object's key at ``where`` (kept as ``pointer#key``, so "unknown field" can
        point at the name); ``opens`` when the key itself is a list or object."""
        top = self.stack[-1]
        top[3] = f"{top[0]}/{escape(name)}"
        self.positions[top[3] + "#key"] = where
        if opens is not None:
            self.stack.append(["?", opens == "{", 0, None])

    def value(self, where: tuple[int, int], opens: str | None = None) -> None:
        """A value at ``where``; ``opens`` is ``{`` or ``[`` when it starts an object or list."""
        top = self.stack[-1] if self.stack else None
        if top is None:
            pointer = ""
        elif top[1]:
            pointer, top[3] = top[3], None
        else:
            pointer = f"{top[0]}/{top[2]}"
            top[2] += 1
        self.positions[pointer] = where
        if opens is not None:
            self.stack.append([pointer, opens == "{", 0, None])

    def end(self) -> None:
        """The end of the innermost open object or list."""
        self.stack.pop()


def positions(raw: bytes, suffix: str) -> dict[str, tuple[int, int]]:
    """Where each value of a file that ``parse_text`` read is: ``pointer -> (line, column)``."""
    try:
        text = _decode(raw)
        return json_positions(text) if suffix.lower() == ".json" else yaml_positions(text)
    except (ReadError, yaml.YAMLError, ValueError, IndexError):
        return {}


class _LineIndex:
    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> tuple[int, int]:
        import bisect

        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1
