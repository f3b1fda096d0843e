"""The first hour (issue 14): every command explains itself and says what it read."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from engine.cli import announce_sources, cli, colour_wanted
from engine.diagnostics import CODE_TABLE, CODES, codes_markdown, explain_code

ROOT = Path(__file__).resolve().parents[2]
CQC = ROOT / "criteria" / "cqc_well_led"


def run(*args: str, **kwargs) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], **kwargs)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------- help and version


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(flag: str):
    code, out, _ = run(flag)
    assert code == 0 and re.fullmatch(r"wellled, version \d+\.\d+\.\d+\n", out)


def _commands():
    return sorted(cli.commands.items())


@pytest.mark.parametrize("name, command", _commands(), ids=[n for n, _ in _commands()])
def test_every_option_of_every_command_has_help(name: str, command: click.Command):
    missing = [p.opts[0] for p in command.params
               if isinstance(p, click.Option) and not (p.help or "").strip()]
    assert missing == [], f"wellled {name}: options without help: {missing}"
    assert (command.help or "").strip(), f"wellled {name} has no description"


def test_top_level_help_shows_each_description_whole():
    code, out, _ = run("--help")
    assert code == 0
    listing = out.split("Commands:")[1]
    assert "..." not in listing
    words = " ".join(listing.split())
    for name, command in _commands():
        whole = " ".join(command.get_short_help_str(limit=10_000).split())
        assert f"{name} {whole}" in words


# ---------------------------------------------------------------- explain a code


def test_every_code_has_an_explanation_with_a_fix():
    for code, entry in CODE_TABLE.items():
        assert entry.title and len(entry.explanation) > 80, code
    assert set(CODES) == set(CODE_TABLE)


def test_docs_codes_md_is_generated_from_the_code_table():
    assert (ROOT / "docs" / "codes.md").read_text(encoding="utf-8") == codes_markdown(), \
        "run: python -m engine.diagnostics > docs/codes.md"
    for code in CODE_TABLE:
        assert f"## {code}" in codes_markdown()


@pytest.mark.parametrize("args", [["explain", "E040"], ["explain", "e040"],
                                  ["check", "--explain", "E040"]])
def test_explain_a_code(args: list[str]):
    code, out, _ = run(*args)
    assert code == 0
    assert out == explain_code("E040") + "\n"
    assert out.startswith("E040: field not defined by the evidence schema\n")


def test_explain_an_unknown_code_is_misuse():
    code, _, err = run("explain", "E999")
    assert code == 2 and "E999: no such code" in err and "E040" in err


def test_explain_one_argument_that_is_not_a_code_is_misuse():
    code, _, err = run("explain", "examples/bundles/northfield")
    assert code == 2 and "wellled explain BUNDLE NODE" in err and "wellled explain E040" in err


def test_explain_bundle_node_still_works():
    code, out, _ = run("explain", ROOT / "examples" / "bundles" / "northfield",
                       "staff_know_vision")
    assert code == 0 and "staff_know_vision" in out


# ---------------------------------------------------------------- colour


class _Tty:
    def __init__(self, tty: bool):
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert colour_wanted(_Tty(True)) is True
    assert colour_wanted(_Tty(False)) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert colour_wanted(_Tty(True)) is False


def test_diagnostics_in_colour_on_a_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    shutil.copytree(ROOT / "tests" / "golden" / "check", tmp_path / "g")
    target = tmp_path / "g" / "E010_unknown_name.crit"
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr("engine.cli.colour_wanted", lambda stream: True)
    _, _, err = run("check", target)
    assert "\x1b[31m" in err and "\x1b[1m" in err          # red, bold
    monkeypatch.setattr("engine.cli.colour_wanted", lambda stream: False)
    _, _, err = run("check", target)
    assert "\x1b[" not in err


def test_no_colour_when_piped():
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "wellled"), "check",
                           str(ROOT / "tests" / "golden" / "check" / "E010_unknown_name.crit")],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "error[E010]" in done.stderr and "\x1b[" not in done.stderr


# ---------------------------------------------------------------- fmt --diff


def test_fmt_check_diff_shows_what_would_change(tmp_path: Path):
    folder = tmp_path / "set"
    shutil.copytree(CQC, folder)
    framework = folder / "framework.crit"
    before = framework.read_text(encoding="utf-8")
    framework.write_text(before.replace("  version ", "      version ", 1), encoding="utf-8")
    code, out, _ = run("fmt", "--check", "--diff", folder)
    assert code == 1
    assert "would reformat" in out and "framework.crit (now)" in out
    assert "\n-      version " in out and "\n+  version " in out
    assert framework.read_text(encoding="utf-8") != before         # --check wrote nothing
    code, out, _ = run("fmt", folder)
    assert code == 0 and framework.read_text(encoding="utf-8") == before


# ---------------------------------------------------------------- what was read


def test_every_command_says_which_folders_it_read(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(ROOT)
    for args in (["check", "criteria/cqc_well_led"], ["graph", "criteria/cqc_well_led"],
                 ["fmt", "--check", "criteria/cqc_well_led"],
                 ["validate", "examples/bundles/northfield", "--criteria",
                  "criteria/cqc_well_led"],
                 ["assess", "examples/bundles/northfield", "--criteria", "criteria/cqc_well_led",
                  "-o", str(tmp_path / "out")],
                 ["table", "criteria/cqc_well_led", "-o", str(tmp_path / "table")],
                 ["diff", "criteria/cqc_well_led", "criteria/cqc_well_led",
                  "-o", str(tmp_path / "diff")]):
        _, _, err = run(*args)
        first = err.splitlines()[0]
        assert first == ("wellled: criteria criteria/cqc_well_led; evidence schemas from "
                         "evidence_schemas"), (args, first)


def test_the_line_names_a_criteria_folder_s_own_schemas(tmp_path: Path):
    folder = tmp_path / "mine"
    (folder / "evidence_schemas").mkdir(parents=True)
    line = announce_sources(folder)
    assert line.startswith(f"wellled: criteria {folder}; evidence schemas from "
                           f"{folder}/evidence_schemas, then ")


def test_the_line_says_when_criteria_are_the_installed_copy(monkeypatch, tmp_path: Path):
    import engine.resources as resources

    package = tmp_path / "engine"
    installed = package / "_data" / "criteria" / "cqc_well_led"
    installed.mkdir(parents=True)
    monkeypatch.setattr(resources, "_PACKAGE", package)
    line = announce_sources(installed)
    assert "(the copy installed with wellled: to use criteria you edit, give their folder)" \
        in line


# ---------------------------------------------------------------- one file of a set


def test_check_one_file_of_a_set_says_once_to_check_the_folder(monkeypatch):
    monkeypatch.chdir(ROOT)
    code, _, err = run("check", "criteria/cqc_well_led/statements/shared_direction.crit")
    assert code == 1
    assert err.count("error[") == 1
    assert "error[E004]" in err and "`wellled check criteria/cqc_well_led`" in err
    assert "E010" not in err


# ---------------------------------------------------------------- nothing links outside


def test_nothing_in_the_project_points_at_the_shared_folder():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    found = []
    for name in tracked:
        if name.startswith(("tests/", "scripts/")):
            continue
        path = ROOT / name
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        found += [f"{name}:{i}" for i, line in enumerate(text.splitlines(), 1)
                  if "../shared" in line]
    assert found == []


# ---------------------------------------------------------------- the language reference


LANGUAGE = ROOT / "docs" / "language.md"


def _crit_blocks() -> list[str]:
    return re.findall(r"```crit\n(.*?)```", LANGUAGE.read_text(encoding="utf-8"), re.S)


def test_language_reference_examples_parse():
    from engine.language.parse import parse_text

    blocks = _crit_blocks()
    assert len(blocks) >= 8
    for block in blocks:
        file, diags = parse_text(block, "language.md")
        assert file is not None and not diags.has_errors, diags.format() + "\n" + block


def test_language_reference_names_every_keyword_of_the_grammar():
    grammar = (ROOT / "grammar" / "criteria.lark").read_text(encoding="utf-8")
    keywords = set(re.findall(r'"([a-z_]+)"', grammar))
    text = LANGUAGE.read_text(encoding="utf-8")
    missing = sorted(k for k in keywords if f"`{k}" not in text)
    assert missing == []


def test_language_reference_names_every_code():
    """Every criteria code (E0xx, W1xx); the evidence codes (E2xx) are not the language's."""
    text = LANGUAGE.read_text(encoding="utf-8")
    for code in CODE_TABLE:
        number = int(code[1:])
        if code.startswith("E2"):
            continue
        ranged = code.startswith("E") and 30 <= number <= 34
        assert code in text or ranged, code
