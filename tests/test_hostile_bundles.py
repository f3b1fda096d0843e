"""The hostile-bundle corpus: broken or malicious bundles, each refused with one clear message.

Each case is built in a temporary folder (links, FIFOs and sparse giant files
cannot live in git) from the table below, with the criteria stored in
tests/hostile/criteria. Every case is checked three ways: the library raises
``BundleError`` naming the problem; ``wellled validate`` exits 1 with the
message and no traceback; ``wellled assess`` exits 1 and writes no output
folder. The CLI runs in-process for the whole table and as the installed
console script (a subprocess) for a few cases.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine.errors import BundleError

HERE = Path(__file__).resolve().parent
CRITERIA = HERE / "hostile" / "criteria"
WELLLED = Path(sys.executable).parent / "wellled"
HAVE_COMPILER = importlib.util.find_spec("engine.judge.compile") is not None
needs_compiler = pytest.mark.skipif(
    not HAVE_COMPILER, reason="engine.judge.compile (load_criteria) does not exist yet")

MANIFEST = ("provider: {id: RX1, name: Hostile Test Trust, type: acute}\n"
            "assessment: {date: 2025-06-30, kind: self_assessment}\n")


def _bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    return "guardian_in_post: true\n" + "\n".join(lines) + "\n"


def _outside(root: Path) -> Path:
    secret = root.parent / "outside"
    secret.mkdir(exist_ok=True)
    (secret / "secret.yaml").write_text("title: not yours\n")
    return secret


def _link_file_out(root: Path) -> None:
    os.symlink(_outside(root) / "secret.yaml", root / "strategy.yaml")


def _link_dir_out(root: Path) -> None:
    os.symlink(_outside(root), root / "focus_group")


def _link_chain(root: Path) -> None:
    os.symlink(_outside(root) / "secret.yaml", root / "hop.txt")
    os.symlink(root / "hop.txt", root / "strategy.yaml")


def _link_inside(root: Path) -> None:
    (root / "drafts").mkdir()
    (root / "drafts" / "s.yaml").write_text("title: x\n")
    os.symlink(Path("drafts") / "s.yaml", root / "strategy.yaml")


def _link_up(root: Path) -> None:
    (root / "focus_group").mkdir()
    os.symlink("../..", root / "focus_group" / "escape")


def _fifo(root: Path) -> None:
    os.mkfifo(root / "ftsu.yaml")


def _sparse(root: Path) -> None:
    with open(root / "staff_survey.json", "wb") as handle:
        handle.truncate(2_500_000)


def _links(root: Path) -> None:
    os.symlink(root / "bundle.yaml", root / "bundle.json")


# note, files, setup, extra CLI options, expected message (part)
CASES = [
    ("symlink out (file)", {}, _link_file_out, (),
     "strategy.yaml: is a symbolic link; copy the file itself into the bundle"),
    ("symlink out (folder)", {}, _link_dir_out, (),
     "focus_group: is a symbolic link"),
    ("symlink chain out", {}, _link_chain, (), "strategy.yaml: is a symbolic link"),
    ("symlink inside the bundle", {}, _link_inside, (), "strategy.yaml: is a symbolic link"),
    ("path escape with ..", {}, _link_up, (), "focus_group/escape: is a symbolic link"),
    ("manifest is a link", {}, _links, (), "bundle.json: is a symbolic link"),
    ("fifo", {}, _fifo, (), "ftsu.yaml: is not a regular file or folder"),
    ("oversize", {}, _sparse, ("--max-file-mb", "1"),
     "staff_survey.json: the file is 2.5 MB, over the limit of 1 MB"),
    ("duplicate keys json", {"ftsu.json": '{"guardian_in_post": true, "guardian_in_post": false}'},
     None, (), "ftsu.json: duplicate key `guardian_in_post` (the later one would silently win)"),
    ("duplicate keys yaml", {"ftsu.yaml": "guardian_in_post: true\nguardian_in_post: false\n"},
     None, (), "ftsu.yaml:2:1: duplicate key `guardian_in_post`"),
    ("duplicate keys in manifest", {"bundle.yaml": MANIFEST + "provider: {}\n"}, None, (),
     "bundle.yaml:3:1: duplicate key `provider`"),
    ("python tag", {"strategy.yaml": "title: !!python/object/apply:os.system [echo hi]\n"},
     None, (), "strategy.yaml:1:8: YAML tags such as `!!python/object/apply:os.system`"),
    ("python tag in manifest", {"bundle.yaml": "!!python/object:object {}\n"}, None, (),
     "bundle.yaml:1:1: YAML tags such as `!!python/object:object` are not allowed"),
    ("alias bomb", {"ftsu.yaml": _bomb()}, None, (),
     "ftsu.yaml:5:45: YAML aliases expand past the limit of 10000 values"),
    ("deep nesting json", {"strategy.json": '{"title": "t", "x": ' + "[" * 5000 + "]" * 5000 + "}"},
     None, (), "strategy.json: objects and lists nest deeper than 64 levels"),
    ("deep nesting yaml", {"strategy.yaml": "title: " + "[" * 5000 + "]" * 5000 + "\n"}, None, (),
     "strategy.yaml:1:71: objects and lists nest deeper than 64 levels"),
    ("non-utf-8", {"strategy.yaml": "title: Caf\u00e9 strategy\n".encode("latin-1")}, None, (),
     "strategy.yaml:1:11: the text is not UTF-8 (byte 0xe9); save the file as UTF-8"),
    ("utf-16", {"ftsu.json": '{"guardian_in_post": true}'.encode("utf-16")}, None, (),
     "ftsu.json:1:1: the text is not UTF-8"),
    ("missing manifest", {"bundle.yaml": None}, None, (),
     "b: no manifest: add `bundle.yaml` naming the provider and the assessment"),
    ("two manifests", {"bundle.json": "{}"}, None, (),
     "b: `bundle.json` and `bundle.yaml` are both manifests; keep one"),
    ("unknown provider type",
     {"bundle.yaml": MANIFEST.replace("type: acute", "type: hospital")}, None, (),
     "bundle.yaml:1:53: /provider/type: expected one of `acute`, `mental_health`, `community`, "
     "`ambulance`, `integrated`, `other`, got text `hospital`"),
    ("wrong types", {"staff_survey.json": '{"year": "2024", "questions": []}'}, None, (),
     "staff_survey.json:1:31: /questions: expected an object (fields and values), got a list"),
    ("out-of-range values",
     {"staff_survey.yaml": "year: 2024\nquestions: {q1: {percent_positive: 140}}\n"}, None, (),
     "staff_survey.yaml:2:36: /questions/q1/percent_positive: expected a number at most 100, "
     "got `140`"),
    ("strategy.json and strategy.yaml",
     {"strategy.json": '{"title": "a"}', "strategy.yaml": "title: b\n"}, None, (),
     "strategy.json: evidence `strategy` is given twice (`strategy.json` and `strategy.yaml`)"),
    ("multi-document yaml", {"ftsu.yaml": "guardian_in_post: true\n---\ncases_raised: 1\n"},
     None, (), "ftsu.yaml:2:1: the file holds several YAML documents (`---`)"),
    ("nan", {"ftsu.json": '{"guardian_in_post": true, "cases_raised": NaN}'}, None, (),
     "ftsu.json: `NaN` is not a number JSON allows"),
    ("invalid date", {"strategy.yaml": "title: t\napproved_on: 2025-02-30\n"}, None, (),
     "strategy.yaml:2:14: /approved_on: `2025-02-30` is not a date: the day 30 is out of "
     "range for February 2025 (it has 28 days)"),
    ("invalid manifest date", {"bundle.yaml": MANIFEST.replace("2025-06-30", "30/06/2025")},
     None, (), "bundle.yaml:2:20: /assessment/date: expected a date as YYYY-MM-DD, got text "
     "`30/06/2025`; write dates as YYYY-MM-DD: `2025-06-30`"),
    ("yaml syntax", {"strategy.yaml": "title: [unclosed\n"}, None, (),
     "strategy.yaml:1:8: not valid YAML"),
    ("json syntax", {"ftsu.json": '{"guardian_in_post": tru}'}, None, (),
     "ftsu.json:1:22: not valid JSON"),
    ("many type as one file", {"focus_group.yaml": "held_on: 2025-01-01\n"}, None, (),
     "focus_group.yaml: evidence `focus_group` is a collection"),
    ("single type as folder", {"strategy/a.yaml": "title: t\n"}, None, (),
     "strategy: is a folder, but evidence `strategy` is one document"),
    ("empty manifest", {"bundle.yaml": ""}, None, (), "bundle.yaml: the file is empty"),
    ("merge key", {"strategy.yaml": "base: &b {title: t}\n<<: *b\n"}, None, (),
     "strategy.yaml:2:1: merge keys (`<<`) are not supported"),
    ("huge integer", {"ftsu.json": '{"guardian_in_post": true, "cases_raised": ' + "9" * 5000
                      + "}"}, None, (), "ftsu.json:1:44: the whole number `999"),
    # What validates, assesses (issue 19): each of these passed validate, then assess ended 70.
    ("4,001-digit integer", {"ftsu.json": '{"guardian_in_post": true, "cases_raised": '
                             + "9" * 4001 + "}"}, None, (), "ftsu.json:1:44: the whole number"),
    ("yaml hex literal", {"ftsu.yaml": "guardian_in_post: true\ncases_raised: 0x" + "f" * 3000
                          + "\n"}, None, (), "ftsu.yaml:2:15: the whole number `0xfff"),
    ("yaml binary literal", {"ftsu.yaml": "guardian_in_post: true\ncases_raised: 0b" + "1" * 9000
                             + "\n"}, None, (), "ftsu.yaml:2:15: the whole number `0b111"),
    ("yaml 5,000-digit decimal", {"ftsu.yaml": "guardian_in_post: true\ncases_raised: "
                                  + "9" * 5000 + "\n"}, None, (),
     "ftsu.yaml:2:15: the whole number `999"),
    ("lone surrogate", {"strategy.json": '{"title": "\\ud800"}'}, None, (),
     "strategy.json:1:11: the text holds a `\\u` escape that is half of a character pair"),
]
IDS = [c[0] for c in CASES]


def build(base: Path, case) -> Path:
    """The bundle of one case, in ``base/b``: a valid bundle with the case's changes."""
    _, files, setup, _, _ = case
    root = base / "b"
    root.mkdir(parents=True)
    (root / "bundle.yaml").write_text(MANIFEST)
    for rel, content in files.items():
        path = root / rel
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    if setup is not None:
        setup(root)
    return root


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 20
    assert len(set(IDS)) == len(IDS)


def _schemas():
    import json

    from engine.evidence.schemas import EvidenceSchema

    out = {}
    for path in sorted((CRITERIA / "evidence_schemas").glob("*.schema.json")):
        evidence_id = path.name.removesuffix(".schema.json")
        schema = json.loads(path.read_text())
        out[evidence_id] = EvidenceSchema(evidence_id, schema["title"],
                                          evidence_id == "focus_group", path, schema)
    return out


SCHEMAS = _schemas()


def _is_document_validation(message: str) -> bool:
    """A schema problem of an evidence document (``file: /pointer: ...``), not the manifest's."""
    file, _, rest = message.partition(": ")
    return rest.startswith("/") and not file.startswith("bundle.")  # file may end :line:col


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_library_refuses(tmp_path, monkeypatch, case):
    from engine.evidence.bundle import load_bundle

    monkeypatch.chdir(tmp_path)
    build(tmp_path, case)
    options = case[3]
    max_mb = float(options[1]) if options else 50.0
    for lenient in (False, True):       # refusals hold even with --lenient
        if lenient and _is_document_validation(case[4]):
            continue                    # lenient accepts it, listing the problem
        with pytest.raises(BundleError) as caught:
            load_bundle(Path("b"), SCHEMAS, max_file_mb=max_mb, lenient=lenient)
        text = "\n".join(caught.value.problems)
        assert case[4] in text, text
        assert "Traceback" not in text


_CODE = re.compile(r"error\[E2\d\d\]: ")


def _uncoded(err: str) -> str:
    """The terminal's problems as the library's lines: on a terminal each problem shows its
    code after its place (``b/ftsu.yaml:2:3: error[E203]: ...``); taken out here."""
    assert _CODE.search(err), err
    return _CODE.sub("", err)


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(WELLLED), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def _main(args: list[str], capsys) -> tuple[int, str]:
    """``wellled ARGS`` in this process (the console script is ``sys.exit(main())``)."""
    from engine.cli import main

    code = main(args)
    return code, capsys.readouterr().err


@needs_compiler
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_validate_refuses(tmp_path, monkeypatch, capsys, case):
    monkeypatch.chdir(tmp_path)
    build(tmp_path, case)
    code, err = _main(["validate", "b", "--criteria", str(CRITERIA), *case[3]], capsys)
    assert code == 1, err
    assert case[4] in _uncoded(err)
    assert "Traceback" not in err
    assert err.splitlines()[-1].endswith("in the evidence bundle")


@needs_compiler
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_assess_refuses_and_writes_nothing(tmp_path, monkeypatch, capsys, case):
    monkeypatch.chdir(tmp_path)
    build(tmp_path, case)
    code, err = _main(["assess", "b", "--criteria", str(CRITERIA), "-o", "out", *case[3]],
                      capsys)
    assert code == 1, err
    assert case[4] in _uncoded(err)
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "wellled-out").exists()


# The installed console script, in a subprocess, for a few cases: each process
# compiles the criteria afresh (about a second), so the whole table runs in-process above.
SUBPROCESS = [("symlink out (file)", "validate"), ("alias bomb", "validate"),
              ("python tag", "assess"), ("oversize", "assess")]
BY_NAME = dict(zip(IDS, CASES, strict=True))


@pytest.fixture(scope="module")
def installed_runs(tmp_path_factory):
    """``wellled validate`` and ``wellled assess`` on the SUBPROCESS cases, run side by side."""
    jobs = []
    for name, command in SUBPROCESS:
        case = BY_NAME[name]
        base = tmp_path_factory.mktemp("installed")
        build(base, case)
        args = [command, "b", "--criteria", str(CRITERIA), *case[3]]
        jobs.append(((name, command), args + (["-o", "out"] if command == "assess" else []),
                     base))
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = pool.map(lambda job: (job[0], (_run(job[1], job[2]), job[2])), jobs)
        return dict(runs)


@needs_compiler
@pytest.mark.parametrize("name,command", SUBPROCESS, ids=[f"{c} {n}" for n, c in SUBPROCESS])
def test_installed_wellled_refuses(installed_runs, name, command):
    case = BY_NAME[name]
    run, base = installed_runs[(name, command)]
    assert run.returncode == 1, run.stderr
    assert case[4] in _uncoded(run.stderr)
    assert "Traceback" not in run.stderr
    assert not (base / "out").exists()


@needs_compiler
def test_the_valid_base_bundle_passes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    build(tmp_path, ("valid", {"strategy.yaml": "title: t\n"}, None, (), ""))
    from engine.cli import main

    assert main(["validate", "b", "--criteria", str(CRITERIA)]) == 0
    assert "b: valid (2 files read)" in capsys.readouterr().out
