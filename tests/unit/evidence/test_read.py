"""engine.evidence.read: JSON and YAML text to plain values; what is refused and where."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.evidence.read import MAX_ALIAS_NODES, MAX_DEPTH, ReadError, parse_text

VALUES = [
    # note, suffix, text, value
    ("yaml mapping", ".yaml", "a: 1\nb: text\n", {"a": 1, "b": "text"}),
    ("unquoted date stays text", ".yaml", "on: 2025-06-30\n", {"on": "2025-06-30"}),
    ("timestamp stays text", ".yml", "at: 2025-06-30 10:00:00\n", {"at": "2025-06-30 10:00:00"}),
    ("yaml 1.1 booleans as safe_load", ".yaml", "a: yes\nb: off\n", {"a": True, "b": False}),
    ("null forms", ".yaml", "a: ~\nb: null\nc:\n", {"a": None, "b": None, "c": None}),
    ("numbers", ".yaml", "a: 0x1f\nb: 1_000\nc: 1.5\nd: -2\n", {"a": 31, "b": 1000, "c": 1.5,
                                                               "d": -2}),
    ("quoted stays text", ".yaml", "a: '12'\nb: \"true\"\n", {"a": "12", "b": "true"}),
    ("keys are their text", ".yaml", "2024: x\nyes: y\n", {"2024": "x", "yes": "y"}),
    ("flow style", ".yaml", "{a: [1, 2], b: {c: d}}", {"a": [1, 2], "b": {"c": "d"}}),
    ("block text", ".yaml", "a: |\n  line one\n  line two\n", {"a": "line one\nline two\n"}),
    ("small alias is copied", ".yaml", "a: &x [1, 2]\nb: *x\n", {"a": [1, 2], "b": [1, 2]}),
    ("explicit document start", ".yaml", "---\na: 1\n...\n", {"a": 1}),
    ("empty yaml", ".yaml", "", None),
    ("comments only", ".yaml", "# nothing yet\n", None),
    ("utf-8 bom skipped", ".yaml", "\ufeffa: 1\n", {"a": 1}),
    ("json object", ".json", '{"a": [1, 2.5, true, null, "x"]}', {"a": [1, 2.5, True, None, "x"]}),
    ("json bom skipped", ".json", '\ufeff{"a": 1}', {"a": 1}),
    ("json depth at the limit", ".json", "[" * MAX_DEPTH + "]" * MAX_DEPTH,
     json.loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)),
    ("brackets in strings are not nesting", ".json", '{"a": "' + "[" * 100 + '"}',
     {"a": "[" * 100}),
    ("non-ascii text", ".json", '{"name": "Ysbyty Gwynedd – Bangor"}',
     {"name": "Ysbyty Gwynedd – Bangor"}),
]


@pytest.mark.parametrize("note,suffix,text,value", VALUES, ids=[v[0] for v in VALUES])
def test_values(note, suffix, text, value):
    assert parse_text(text.encode("utf-8"), suffix) == value


def _alias_bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


REFUSED = [
    # note, suffix, raw bytes, message part, at
    ("yaml duplicate key", ".yaml", b"a: 1\nb: 2\na: 3\n", "duplicate key `a`", "3:1"),
    ("yaml nested duplicate", ".yaml", b"a:\n  b: 1\n  b: 2\n", "duplicate key `b`", "3:3"),
    ("json duplicate key", ".json", b'{"a": 1, "a": 2}', "duplicate key `a`", ""),
    ("json nested duplicate", ".json", b'{"q": [0, {"b": 1, "b": 2}]}', "duplicate key `b`",
     "/q/1"),
    ("python tag", ".yaml", b"a: !!python/object/apply:os.system [ls]\n",
     "tags such as `!!python/object/apply:os.system`", "1:4"),
    ("local tag", ".yaml", b"a: !foo 1\n", "tags such as `!foo`", "1:4"),
    ("even !!str", ".yaml", b"a: !!str 1\n", "tags such as `!!str`", "1:4"),
    ("tag on a mapping", ".yaml", b"a: !!map {b: 1}\n", "tags such as `!!map`", "1:4"),
    ("alias bomb", ".yaml", _alias_bomb().encode(), f"past the limit of {MAX_ALIAS_NODES}", ""),
    ("unknown alias", ".yaml", b"a: *nope\n", "alias `*nope` names no anchor", "1:4"),
    ("merge key", ".yaml", b"base: &b {x: 1}\nc:\n  <<: *b\n", "merge keys", "3:3"),
    ("complex key", ".yaml", b"? [a, b]\n: 1\n", "a key must be a plain value", ""),
    ("several documents", ".yaml", b"a: 1\n---\nb: 2\n", "several YAML documents", "2:1"),
    ("yaml nan", ".yaml", b"a: .nan\n", "`.nan` is not a number JSON allows", "1:4"),
    ("yaml infinity", ".yaml", b"a: -.inf\n", "is not a number JSON allows", "1:4"),
    ("yaml deep flow", ".yaml", b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nest deeper",
     ""),
    ("yaml very deep", ".yaml", b"[" * 100_000 + b"]" * 100_000, "nest deeper", ""),
    ("yaml deep block", ".yaml", "".join(f"{' ' * i}k:\n" for i in range(70)).encode(),
     "nest deeper", ""),
    ("yaml syntax", ".yaml", b"a: [1, 2\nb: 3\n", "not valid YAML", ""),
    ("json syntax", ".json", b'{"a": 1,}', "not valid JSON", "1:9"),
    ("json nan", ".json", b'{"a": NaN}', "`NaN` is not a number JSON allows", ""),
    ("json infinity", ".json", b'{"a": -Infinity}', "`-Infinity` is not a number", ""),
    ("json overflow", ".json", b'{"a": 1e999}', "too large for a number", ""),
    ("json deep", ".json", b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nest deeper", ""),
    ("json very deep", ".json", b"[" * 100_000 + b"]" * 100_000, "nest deeper", ""),
    ("latin-1", ".yaml", "name: Caf\u00e9\n".encode("latin-1"), "not UTF-8 (byte 0xe9)", "1:10"),
    ("utf-16", ".json", '{"a": 1}'.encode("utf-16"), "not UTF-8", "1:1"),
    ("huge integer", ".json", b'{"a": ' + b"9" * 5000 + b"}", "is too large", "1:7"),
    # What validates must assess (issue 19): numbers that cannot be carried, lone surrogates.
    ("4,001-digit integer", ".json", b'{"a": ' + b"9" * 4001 + b"}", "is too large", "1:7"),
    ("integer past 2**53", ".json", b'{"a": [1, -9007199254740992]}', "is too large", "1:11"),
    ("yaml hex of thousands of digits", ".yaml", b"a: 0x" + b"f" * 5000 + b"\n",
     "is too large", "1:4"),
    ("yaml binary of thousands of digits", ".yaml", b"a: 0b" + b"1" * 5000 + b"\n",
     "is too large", "1:4"),
    ("yaml 5,000-digit decimal", ".yaml", b"a: " + b"9" * 5000 + b"\n", "is too large", "1:4"),
    ("yaml integer past 2**53", ".yaml", b"a: 9007199254740992\n", "is too large", "1:4"),
    ("json lone surrogate", ".json", b'{"a": "x\\ud800"}', "lone surrogate", "1:7"),
    ("json lone surrogate in a key", ".json", b'{"a": {"\\udc00": 1}}', "lone surrogate",
     "1:7"),
]


@pytest.mark.parametrize("note,suffix,raw,message,at", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused(note, suffix, raw, message, at):
    with pytest.raises(ReadError) as caught:
        parse_text(raw, suffix)
    assert message in caught.value.message
    if at:
        assert caught.value.at == at
    assert "Traceback" not in caught.value.message
    assert caught.value.message == caught.value.message.strip()
    assert not caught.value.message[0].isupper() or caught.value.message.startswith("YAML")


def test_yaml_syntax_error_is_located():
    with pytest.raises(ReadError) as caught:
        parse_text(b"a: 1\nb: [1, 2\nc: 3\n", ".yaml")
    line, column = caught.value.at.split(":")
    assert int(line) >= 2 and int(column) >= 1


def test_alias_depth_counts_the_anchored_value():
    anchored = "[" * 40 + "]" * 40
    text = f"a: &x {anchored}\nb: {'[' * 30}*x{']' * 30}\n"
    with pytest.raises(ReadError, match="nest deeper"):
        parse_text(text.encode(), ".yaml")


@pytest.mark.parametrize("suffix,raw,value", [
    (".json", b'{"a": 9007199254740991, "b": -9007199254740991}',
     {"a": 9007199254740991, "b": -9007199254740991}),
    (".json", b'{"a": "\\ud83d\\ude00 fine", "b": 0.' + b"9" * 5000 + b"}",
     {"a": "\U0001F600 fine", "b": 1.0}),
    (".yaml", b"a: 0x1F\nb: 1_000\nc: 1." + b"5" * 5000 + b"\n", {"a": 31, "b": 1000,
                                                                 "c": 1.5555555555555556}),
])
def test_edge_values_that_are_carried(suffix, raw, value):
    assert parse_text(raw, suffix) == value


_DOCS = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-9, 9), st.text("ab:/~ -", max_size=4)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text("ab/~", max_size=3), inner, max_size=3)),
    max_leaves=10)


@settings(max_examples=200, deadline=None)
@given(_DOCS)
def test_json_and_yaml_positions_name_the_same_places(document):
    """One walk (read._Places) behind both formats: the same document written as JSON and
    as YAML has a position for the same pointers (and keys), each where its value starts."""
    import yaml as pyyaml

    from engine.evidence.read import json_positions, yaml_positions

    as_json = json_positions(json.dumps(document, indent=1))
    as_yaml = yaml_positions(pyyaml.safe_dump(document))
    assert set(as_json) == set(as_yaml)
    places = {pointer for pointer in as_json if not pointer.endswith("#key")}
    assert places == {""} | {p for p in _pointers(document)}


def _pointers(value, here=""):
    if isinstance(value, dict):
        for key, item in value.items():
            pointer = f"{here}/{key.replace('~', '~0').replace('/', '~1')}"
            yield pointer
            yield from _pointers(item, pointer)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield f"{here}/{index}"
            yield from _pointers(item, f"{here}/{index}")
