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

MAX_DEPTH = 64
"""How deeply objects and lists may nest in one document."""

MAX_ALIAS_NODES = 10_000
"""How many values YAML aliases (``*name``) may add to one document, in total."""

SUFFIXES = (".json", ".yaml", ".yml")
"""The file name endings read as evidence; anything else is listed as unused."""


class ReadError(Exception):
    """One file cannot be read: ``message`` says why, ``at`` where.

    ``at`` is ``line:column`` (both from 1) for a syntax error, a JSON pointer
    when only the place in the data is known, or empty.
    """

    def __init__(self, message: str, at: str = ""):
        self.message = message
        self.at = at
        super().__init__(f"{at}: {message}" if at else message)


def parse_text(raw: bytes, suffix: str) -> Any:
    """The JSON value in ``raw`` (a ``.json``, ``.yaml`` or ``.yml`` file's bytes).

    Raises ``ReadError`` for text that is not UTF-8, a syntax error, or anything
    refused (duplicate keys, tags, NaN, nesting deeper than ``MAX_DEPTH``).
    """
    text = _decode(raw)
    if suffix.lower() == ".json":
        return parse_json(text)
    return parse_yaml(text)


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


def parse_json(text: str) -> Any:
    """The value of a JSON text; duplicate keys, NaN and deep nesting refused."""
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates,
                           parse_constant=_no_constant, parse_float=_finite_float)
    except json.JSONDecodeError as err:
        raise ReadError(f"not valid JSON: {err.msg.lower()}", f"{err.lineno}:{err.colno}") from None
    except _Duplicate:
        raise _locate_json_duplicate(text) from None
    except RecursionError:
        raise ReadError(f"objects and lists nest deeper than {MAX_DEPTH} levels") from None
    except ValueError as err:       # e.g. an integer with more digits than Python allows
        raise ReadError(f"not valid JSON: {str(err).lower()}") from None
    _check_json_depth(text)
    return value


# A JSON string, so that brackets inside strings are not counted as nesting.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def _check_json_depth(text: str) -> None:
    # INVARIANT: ``text`` parsed as JSON, so every string is well formed and the
    # brackets left after removing strings balance.
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
            stack.extend((f"{pointer}/{_escape(key)}", child) for key, child in reversed(node))
        elif isinstance(node, list):
            stack.extend((f"{pointer}/{i}", child) for i, child in reversed(list(enumerate(node))))
    return ReadError("duplicate key in an object (the later one would silently win); keep one")


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


# ---------------------------------------------------------------- YAML

# INVARIANT: `yaml.CParser` is not exported by `yaml` itself (cyaml's __all__
# leaves it out), so it is looked up in `yaml.cyaml`; asking `yaml` for it
# silently fell back to the pure-Python parser, about 10x slower.
_PARSER = getattr(getattr(yaml, "cyaml", None), "CParser", None)
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_STR = "tag:yaml.org,2002:str"


def _events(text: str, parser_class=None):
    """The YAML parse events of ``text``: libyaml's parser if there is one, else PyYAML's."""
    parser = (parser_class or _PARSER or yaml.SafeLoader)(text)
    try:
        while True:
            event = parser.get_event()
            yield event
            if isinstance(event, yaml.StreamEndEvent):
                return
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
            return _Builder().build(_events(text))
        except yaml.MarkedYAMLError as err:
            # libyaml >= 0.2.5 stops at 1,000 levels while scanning ahead, before
            # the builder sees level MAX_DEPTH + 1: PyYAML's own parser, which has
            # no such limit, finds where the text first nests too deep.
            if _PARSER is None or "nesting depth" not in str(err.problem):
                raise
            return _Builder().build(_events(text, yaml.SafeLoader))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        what = err.problem or err.context or "syntax error"
        raise ReadError(f"not valid YAML: {what}", where) from None
    except yaml.YAMLError as err:
        raise ReadError(f"not valid YAML: {err}") from None


def _at(event) -> str:
    mark = event.start_mark
    return f"{mark.line + 1}:{mark.column + 1}" if mark is not None else ""


def _error(event, message: str) -> ReadError:
    return ReadError(message, _at(event))


class _Builder:
    """Builds plain values from YAML events, enforcing every limit on the way."""

    def __init__(self) -> None:
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.alias_nodes = 0
        self.documents = 0

    def build(self, events) -> Any:
        result: Any = None
        # Each open collection: [value, pending key (mappings), anchor, start event, node count]
        stack: list[list[Any]] = []
        for event in events:
            kind = type(event)
            if kind is yaml.DocumentStartEvent:
                self.documents += 1
                if self.documents > 1:
                    raise _error(event, "the file holds several YAML documents "
                                    "(`---`); give one document per file")
                continue
            if kind in (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent):
                continue
            if getattr(event, "tag", None) is not None:
                tag = event.tag.replace("tag:yaml.org,2002:", "!!")
                raise _error(event, f"YAML tags such as `{_show(tag)}` are not "
                                "allowed; write the plain value")
            if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    raise _error(event, f"objects and lists nest deeper than "
                                    f"{MAX_DEPTH} levels")
                value: Any = {} if kind is yaml.MappingStartEvent else []
                stack.append([value, _NO_KEY, event.anchor, event, 1])
                continue
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                value, _, anchor, start, count = stack.pop()
                size = count
            elif kind is yaml.AliasEvent:
                value, size = self._alias(event, len(stack))
                anchor = None
            else:   # ScalarEvent
                value, size, anchor = self._scalar(event), 1, event.anchor
            if anchor is not None:
                self.anchors[anchor] = (value, size)
            if not stack:
                result = value
                continue
            parent = stack[-1]
            parent[4] += size
            container = parent[0]
            if isinstance(container, list):
                container.append(value)
            elif parent[1] is _NO_KEY:
                parent[1] = self._key(event, value, container)
            else:
                container[parent[1]] = value
                parent[1] = _NO_KEY
        return result

    def _scalar(self, event) -> Any:
        if not event.implicit[0]:       # quoted or block scalar: always text
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
            return _CONSTRUCTOR.construct_yaml_int(node)
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
