"""engine.evidence.init (template texts) and engine.app.init (writing a new bundle)."""

import json
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from engine import resources
from engine.errors import BundleError
from engine.evidence.bundle import load_bundle, manifest_schema
from engine.app.init import init_bundle
from engine.evidence.init import evidence_template, manifest_template
from engine.evidence.read import parse_yaml
from engine.evidence.schema_walk import children as _children
from engine.evidence.schema_walk import expand as _expand
from engine.evidence.schemas import EvidenceSchema
from engine.evidence.validate import validate_document

HERE = Path(__file__).resolve().parents[2]
TEST_SCHEMAS = HERE / "hostile" / "criteria" / "evidence_schemas"
SHIPPED_SCHEMAS = resources.data_dir("evidence_schemas")
MANY = {"focus_group", "leadership_interview", "board_observation"}


def _load(folder: Path, many: set[str]) -> dict[str, EvidenceSchema]:
    out = {}
    for path in sorted(folder.glob("*.schema.json")):
        evidence_id = path.name.removesuffix(".schema.json")
        if evidence_id == "bundle":
            continue
        schema = json.loads(path.read_text())
        out[evidence_id] = EvidenceSchema(evidence_id, schema.get("title", evidence_id),
                                          evidence_id in many, path, schema)
    return out


SCHEMAS = _load(TEST_SCHEMAS, {"focus_group"})
ALL = [("manifest", manifest_schema())] + [
    (f"test:{k}", v) for k, v in SCHEMAS.items()] + [
    (f"shipped:{k}", v) for k, v in _load(SHIPPED_SCHEMAS, MANY).items()]


def uncomment(text: str) -> str:
    """The template with every commented-out field brought back (a `#` not followed by a space)."""
    return re.sub(r"(?m)^(\s*)#(?=\S)", r"\1", text)


def sample(root: dict, nodes: list[dict]):
    """A valid value for a field described by ``nodes`` (the schemas that apply to it)."""
    merged: dict = {}
    for node in nodes:
        for key, value in node.items():
            merged.setdefault(key, value)
    if "const" in merged:
        return merged["const"]
    if isinstance(merged.get("enum"), list):
        return merged["enum"][0]
    if isinstance(merged.get("examples"), list) and merged["examples"]:
        return merged["examples"][0]
    declared = merged.get("type")
    kinds = declared if isinstance(declared, list) else [declared]
    kind = next((k for k in kinds if k != "null"), None)
    if merged.get("format") == "date":
        return "2025-01-01"
    if kind == "string":
        return "x" * max(merged.get("minLength", 1), 1)
    if kind in ("integer", "number"):
        low = merged.get("minimum", merged.get("exclusiveMinimum", -1) + 1)
        return max(low, 0) if merged.get("maximum", 1) >= 0 else merged["maximum"]
    if kind == "boolean":
        return True
    if kind == "array":
        items = _expand(root, [merged.get("items", {})])
        return [sample(root, items) for _ in range(merged.get("minItems", 0))]
    if kind == "object":
        return fill(root, nodes, {})
    return "x"


def fill(root: dict, nodes: list[dict], value):
    """``value`` with every null (a template placeholder) replaced by a valid sample."""
    if value is None:
        return sample(root, nodes)
    if isinstance(value, dict):
        required = {r for n in nodes for r in n.get("required", [])}
        for name in required - set(value):
            value[name] = None
        return {k: fill(root, _expand(root, _children(nodes, k)), v) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(root, _expand(root, _children(nodes, str(i))), v)
                for i, v in enumerate(value)]
    return value


def template_of(schema: EvidenceSchema) -> str:
    return manifest_template() if schema.id == "bundle" else evidence_template(schema)


@pytest.mark.parametrize("note,schema", ALL, ids=[a[0] for a in ALL])
def test_untouched_template_fails_with_still_to_fill(note, schema):
    data = parse_yaml(template_of(schema))
    if data is None:        # every field optional: nothing is live
        return
    found = validate_document(schema, data)
    assert found, "an untouched template must not validate"
    assert all("still to fill" in message for _, message in found), found


@pytest.mark.parametrize("uncommented", [False, True], ids=["as is", "optional uncommented"])
@pytest.mark.parametrize("note,schema", ALL, ids=[a[0] for a in ALL])
def test_filled_in_template_validates(note, schema, uncommented):
    text = template_of(schema)
    if uncommented:
        text = uncomment(text)
    data = parse_yaml(text) or {}
    root = schema.schema
    filled = fill(root, _expand(root, [root]), data)
    assert validate_document(schema, filled) == []


def test_template_comments_describe_fields():
    text = evidence_template(SCHEMAS["focus_group"])
    assert text.startswith("# Focus group notes (evidence `focus_group`)\n")
    assert "# The day the group met.\n# required: a date as YYYY-MM-DD\nheld_on: null\n" in text
    assert "(sensitive: reports do not quote it)" in text
    assert "#quotes:" in text       # optional: commented out


def _criteria(ids=None):
    criteria = SimpleNamespace(schemas=SCHEMAS)
    if ids is not None:
        criteria.evidence_ids_read = frozenset(ids)
    return criteria


def test_init_writes_templates_and_never_overwrites(tmp_path):
    folder = tmp_path / "new"
    written, kept = init_bundle(folder, _criteria())
    names = sorted(p.relative_to(folder).as_posix() for p in written)
    assert names == ["bundle.yaml", "focus_group/example.yaml", "ftsu.yaml", "staff_survey.yaml",
                     "strategy.yaml"]
    assert kept == []
    (folder / "ftsu.yaml").write_text("guardian_in_post: true\n")
    written, kept = init_bundle(folder, _criteria(), force=True)
    assert written == []
    assert sorted(p.relative_to(folder).as_posix() for p in kept) == [
        "bundle.yaml", "focus_group", "ftsu.yaml", "staff_survey.yaml", "strategy.yaml"]
    assert (folder / "ftsu.yaml").read_text() == "guardian_in_post: true\n"


def test_init_keeps_other_spellings(tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "bundle.json").write_text("{}")
    (folder / "strategy.json").write_text("{}")
    written, kept = init_bundle(folder, _criteria({"strategy", "ftsu"}), force=True)
    assert [p.name for p in written] == ["ftsu.yaml"]
    assert sorted(p.name for p in kept) == ["bundle.json", "strategy.json"]


def test_init_only_types_some_criterion_reads(tmp_path):
    written, _ = init_bundle(tmp_path / "b", _criteria({"strategy", "unknown_type"}))
    assert sorted(p.name for p in written) == ["bundle.yaml", "strategy.yaml"]


def test_untouched_bundle_is_refused_and_filled_bundle_loads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    init_bundle(Path("b"), _criteria())
    with pytest.raises(BundleError) as caught:
        load_bundle(Path("b"), SCHEMAS)
    problems = caught.value.problems
    # Each untouched template is reported once (issue 14), not once per field.
    assert "b/bundle.yaml: not filled in yet: every value is still `null`; fill it in" \
        in problems
    assert ("b/strategy.yaml: not filled in yet: every value is still `null`; fill it in, or "
            "delete the file if you do not have this evidence") in problems
    files = {p.split(":")[0] for p in problems}
    assert len(problems) == len(files), problems
    assert all("not filled in yet" in p or "the file is empty" in p for p in problems), problems

    for path in sorted(Path("b").rglob("*.yaml")):
        schema = manifest_schema() if path.name == "bundle.yaml" else SCHEMAS[
            path.parent.name if path.parent.name != "b" else path.stem]
        root = schema.schema
        data = fill(root, _expand(root, [root]), parse_yaml(path.read_text()) or {})
        path.write_text(yaml.safe_dump(data))
    bundle = load_bundle(Path("b"), SCHEMAS)
    assert set(bundle.documents) == {"ftsu", "staff_survey", "strategy"}
    assert len(bundle.collections["focus_group"]) == 1


def test_init_refuses_a_file_as_folder(tmp_path):
    from engine.errors import UsageError

    (tmp_path / "f").write_text("x")
    with pytest.raises(UsageError, match="is a file"):
        init_bundle(tmp_path / "f", _criteria())


# ---------------------------------------------------------------- fast path vs jsonschema
# The filled-in templates above are valid documents of every schema; mutating
# them explores the near-valid space where a fast-path validator could go wrong.

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*path, index))


def _words(schema: dict) -> list:
    found = set()
    for nodes in [_expand(schema, [schema])]:
        stack = list(nodes)
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                found.update(k for k in node.get("properties", {}))
                found.update(v for v in node.get("enum", []) if isinstance(v, str))
                stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
            elif isinstance(node, list):
                stack.extend(node)
    return sorted(found) + ["2025-01-01", "2025-02-30", "", "zzz"]


def _mutate(document, data, words):
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 150),
                        st.floats(-3, 150, allow_nan=False), st.sampled_from(words),
                        st.just(1.0), st.just([]), st.just({}))
    for _ in range(data.draw(st.integers(1, 3))):
        paths = list(_paths(document))
        path = data.draw(st.sampled_from(paths))
        if not path:
            continue
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = data.draw(scalars)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(st.sampled_from(words))] = data.draw(scalars)
        elif isinstance(parent, list):
            parent.append(data.draw(scalars))
    return document


@pytest.mark.parametrize("note,schema", ALL, ids=[a[0] for a in ALL])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_check_agrees_with_jsonschema(note, schema, data):
    root = schema.schema
    check = schema.fast_check
    assert check is not None, "every shipped schema should have a fast path"
    text = uncomment(template_of(schema)) if data.draw(st.booleans()) else template_of(schema)
    document = fill(root, _expand(root, [root]), parse_yaml(text) or {})
    document = _mutate(document, data, _words(root))
    assert check(document) == schema.validator.is_valid(document)


# ---------------------------------------------------------------- init again, init checks first


def test_init_again_never_brings_back_deleted_files(tmp_path):
    from engine.errors import UsageError

    folder = tmp_path / "b"
    init_bundle(folder, _criteria())
    (folder / "staff_survey.yaml").unlink()          # the trust has no survey this year
    before = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
    with pytest.raises(UsageError, match="already holds a bundle .*--force"):
        init_bundle(folder, _criteria())
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == before
    written, _ = init_bundle(folder, _criteria(), force=True)    # asked for: it comes back
    assert [p.name for p in written] == ["staff_survey.yaml"]


def test_init_refuses_a_folder_under_a_file_before_writing(tmp_path):
    from engine.errors import UsageError

    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(UsageError, match="is a file, so the folder cannot be made there"):
        init_bundle(tmp_path / "notes.txt" / "b", _criteria())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_init_checks_everything_before_it_writes(tmp_path):
    from engine.errors import UsageError

    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        with pytest.raises(UsageError, match="cannot write in"):
            init_bundle(locked / "b", _criteria())
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_init_leaves_nothing_behind_when_a_write_fails(tmp_path, monkeypatch):
    from engine.errors import UsageError
    from engine.app import init as module

    calls = {"n": 0}
    real_open = open

    def failing_open(path, mode="r", *args, **kwargs):
        if mode == "x":
            calls["n"] += 1
            if calls["n"] == 3:
                raise OSError(28, "No space left on device", str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(module, "open", failing_open, raising=False)
    with pytest.raises(UsageError, match="no space left on device.*nothing was left behind"):
        init_bundle(tmp_path / "new" / "b", _criteria())
    assert not (tmp_path / "new").exists()


def test_cli_init_prints_the_next_steps(tmp_path, monkeypatch, capsys):
    from engine.cli import main

    monkeypatch.chdir(tmp_path)
    criteria = Path(__file__).resolve().parents[2] / "hostile" / "criteria"
    assert main(["init", "b", "--criteria", str(criteria)]) == 0
    out = capsys.readouterr().out
    assert "created b/bundle.yaml" in out
    assert "Next steps:" in out
    assert f"wellled validate b --criteria {criteria}" in out
    assert f"wellled assess b --criteria {criteria}" in out
    assert main(["init", "b", "--criteria", str(criteria)]) == 2
    assert "already holds a bundle" in capsys.readouterr().err
