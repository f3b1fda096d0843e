"""A hostile bundle, end to end: script and markup in every free-text field, secrets in
every field marked x-sensitive. `wellled assess` must escape the one and quote none of
the other, in report.html, report.md and result.json alike."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from engine.api import load_criteria
from engine.evidence.read import parse_yaml

ROOT = Path(__file__).resolve().parents[2]
NORTHFIELD = ROOT / "examples" / "bundles" / "northfield"
HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>[x](javascript:y)'
SECRET = "SECRET-QUOTE-7f3a"


def _read(path: Path):
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else parse_yaml(text)


def _poison(value, schema, is_sensitive, pointer=""):
    """Every string the schema still accepts as changed becomes HOSTILE (or SECRET where
    the field is sensitive); returns the new value."""
    if isinstance(value, dict):
        return {k: _poison(v, schema, is_sensitive, f"{pointer}/{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, schema, is_sensitive, f"{pointer}/{i}") for i, v in enumerate(value)]
    if isinstance(value, str):
        return SECRET if is_sensitive(pointer) else HOSTILE
    return value


def _accepts(schema, document) -> bool:
    return not list(schema.validator.iter_errors(document))


@pytest.fixture(scope="module")
def hostile_bundle(tmp_path_factory):
    criteria = load_criteria(ROOT / "criteria" / "cqc_well_led")
    bundle = tmp_path_factory.mktemp("hostile") / "northfield"
    shutil.copytree(NORTHFIELD, bundle)
    planted = {"hostile": 0, "secret": 0}
    for path in sorted(bundle.rglob("*")):
        evidence_id = path.parent.name if path.parent != bundle else path.stem
        schema = criteria.schemas.get(evidence_id)
        if schema is None or path.suffix not in (".json", ".yaml", ".yml"):
            continue
        document = _read(path)
        changed = dict(document)
        for key in document:        # field by field, keeping what the schema accepts
            trial = {**changed, key: _poison(document[key], schema, schema.is_sensitive,
                                             f"/{key}")}
            if _accepts(schema, trial):
                changed = trial
        text = json.dumps(changed)
        planted["hostile"] += text.count("<script>")
        planted["secret"] += text.count(SECRET)
        path.unlink()
        path.with_suffix(".json").write_text(text, encoding="utf-8")
    manifest = parse_yaml((bundle / "bundle.yaml").read_text())
    manifest["provider"]["name"] = HOSTILE
    (bundle / "bundle.yaml").write_text(yaml.safe_dump(manifest))
    return bundle, planted


def test_the_hostile_bundle_really_is_hostile(hostile_bundle):
    _, planted = hostile_bundle
    assert planted["hostile"] >= 10
    assert planted["secret"] >= 3


# The shipped criteria never read a sensitive field; this one does, so that the
# secrets reach the trace and the reports have something to withhold.
READS_NOTES = """
  criterion notes_kept "Every focus group's notes are kept" {
    category observation
    level 2 when all(g in focus_group where g.notes is not missing)
  }
"""


@pytest.fixture(scope="module")
def criteria_reading_secrets(tmp_path_factory):
    root = tmp_path_factory.mktemp("criteria") / "cqc_well_led"
    shutil.copytree(ROOT / "criteria" / "cqc_well_led", root)
    path = root / "statements" / "freedom_to_speak_up.crit"
    text = path.read_text(encoding="utf-8")
    at = text.index("  criterion ")
    path.write_text(text[:at] + READS_NOTES.lstrip("\n") + "\n" + text[at:], encoding="utf-8")
    return root


def _assess(bundle, criteria, out, *flags):
    done = subprocess.run([sys.executable, "-m", "engine", "assess", str(bundle), "--criteria",
                           str(criteria), "-o", str(out), *flags],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return {name: (out / name).read_text(encoding="utf-8")
            for name in ("report.html", "report.md", "result.json")}


@pytest.fixture(scope="module")
def outputs(hostile_bundle, criteria_reading_secrets, tmp_path_factory):
    return _assess(hostile_bundle[0], criteria_reading_secrets, tmp_path_factory.mktemp("out"))


@pytest.mark.parametrize("name", ["report.html", "report.md", "result.json"])
def test_nothing_sensitive_is_quoted(outputs, name):
    assert SECRET not in outputs[name]
    assert "[sensitive]" in outputs["result.json"]      # the secret was read, and withheld


def test_sensitive_values_are_quoted_when_asked(hostile_bundle, criteria_reading_secrets,
                                                tmp_path):
    shown = _assess(hostile_bundle[0], criteria_reading_secrets, tmp_path,
                    "--include-sensitive")
    assert SECRET in shown["result.json"] and SECRET in shown["report.html"]


def test_html_escapes_every_payload(outputs):
    html = outputs["report.html"].lower()
    assert "<script" not in html and "<img" not in html and "onerror=alert" not in \
        html.replace("onerror=alert(2)&gt;", "")
    assert 'href="javascript' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in outputs["report.html"]


def test_markdown_escapes_every_payload(outputs):
    md = outputs["report.md"]
    assert "<script" not in md.lower() and "<img" not in md.lower()
    assert "](javascript" not in md.replace("\\](javascript", "")
