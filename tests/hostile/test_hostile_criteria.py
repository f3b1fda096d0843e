"""Criteria cannot exhaust the checker (issue 19): depth, size, memory, misuse of the limits.

Each hostile set is the hostile corpus's criteria (tests/hostile/criteria) plus one
file, built in a temporary folder. Before the limits, the deep cases ended in
RecursionError (exit 70) and a 5 MB string literal took about 1 GB.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import cli

BASE = Path(__file__).parent / "criteria"
WRAP = '''statement hostile "Hostile" {{
  under well_led
  aggregate cqc_bands
  criterion hostile_c "Hostile" {{
    category processes
    level 2 when {condition}
  }}
}}
'''
TEST = '''test "hostile evidence" {{
  date 2025-06-30
  evidence ftsu = {value}
  expect well_led >= 1
}}
'''


def hostile_set(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "set"
    shutil.copytree(BASE, folder)
    (folder / "hostile.crit").write_text(text, encoding="utf-8")
    return folder


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stderr


DEEP = [
    ("800 terms joined by and", " and ".join(["ftsu.guardian_in_post"] * 800)),
    ("800 terms joined by +", " + ".join(["ftsu.cases_raised"] * 800) + " > 3"),
    ("100,000 nots", "not " * 100_000 + "ftsu.guardian_in_post"),
    ("a list 500 deep", "1 in " + "[" * 500 + "1" + "]" * 500),
]


@pytest.mark.parametrize("condition", [c for _, c in DEEP], ids=[n for n, _ in DEEP])
@pytest.mark.parametrize("command", ["check", "test", "fmt"])
def test_deep_conditions_are_one_clear_error(tmp_path: Path, condition: str, command: str):
    folder = hostile_set(tmp_path, WRAP.format(condition=condition))
    code, err = run(command, *(["--check"] if command == "fmt" else []), folder)
    assert code == 1, err
    assert "error[E006]: this condition nests more than 100 levels deep" in err
    assert "hostile.crit:6:18:" in err          # file, line and column of the condition
    assert "--max-depth" in err
    assert "Traceback" not in err and "internal error" not in err
    assert max(len(line) for line in err.splitlines()) < 250   # the snippet is a window


def test_deep_inline_test_evidence_is_one_clear_error(tmp_path: Path):
    folder = hostile_set(tmp_path, TEST.format(value="[" * 500 + "1" + "]" * 500))
    code, err = run("check", folder)
    assert code == 1, err
    assert "hostile.crit:3:3: error[E006]: this test evidence nests more than 100 levels" in err


@pytest.mark.parametrize("condition", [
    " and ".join(["ftsu.guardian_in_post"] * 199),
    "not " * 198 + "ftsu.guardian_in_post",
    "1 in " + "[" * 197 + "1" + "]" * 197,
])
def test_the_ceiling_of_max_depth_is_honest(tmp_path: Path, condition: str):
    """At --max-depth 200 (the most it allows) every stage handles what passes the limit."""
    folder = hostile_set(tmp_path, WRAP.format(condition=condition) + TEST.format(
        value='{"guardian_in_post": true}'))
    code, err = run("check", "--max-depth", "200", folder)
    assert code == 0, err
    code, err = run("test", "--max-depth", "200", folder)
    assert code == 0, err
    assert run("fmt", "--check", "--max-depth", "200", folder)[0] in (0, 1)


@pytest.mark.parametrize("flag, value", [
    ("--max-depth", "0"), ("--max-depth", "201"), ("--max-depth", "-1"),
    ("--max-criteria-mb", "0"), ("--max-criteria-mb", "-1"), ("--max-criteria-mb", "nan"),
    ("--max-criteria-mb", "inf"), ("--max-criteria-mb", "1e300"),
])
def test_a_limit_that_is_not_a_limit_is_misuse(flag: str, value: str):
    code, err = run("check", flag, value, BASE)
    assert code == 2, err
    assert err.strip().splitlines()[-1].startswith(f"wellled: {flag} ")


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path):
    folder = hostile_set(tmp_path, 'evidence big "' + "a" * 2_000_000 + '"\n')
    code, err = run("check", "--max-criteria-mb", "1", folder)
    assert code == 1, err
    assert "hostile.crit: error[E005]: `" in err and "1.9 MB, more than the 1 MB" in err
    assert "--max-criteria-mb" in err


def test_a_large_string_literal_takes_memory_in_proportion(tmp_path: Path):
    """A 9 MB string (under the default limit) is checked in well under 1 GB of memory.

    Before, the string's regular expression kept a backtracking entry per character:
    about 1.7 GB for 9 MB, 9 GB for 50 MB.
    """
    folder = hostile_set(tmp_path, 'evidence big "' + "a" * 9_000_000 + '"\n')
    limit = 900 * 1024 * 1024

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    done = subprocess.run([sys.executable, "-m", "engine", "check", str(folder)],
                          capture_output=True, text=True, preexec_fn=cap_memory, timeout=120)
    assert done.returncode == 1, done.stderr      # E042: `big` has no schema; nothing worse
    assert "error[E042]" in done.stderr and "MemoryError" not in done.stderr


def test_many_diagnostics_in_one_large_file_take_time_in_proportion():
    """5,000 problems near the end of a 200,000-line file: each finds its line in one step.

    Before, each diagnostic scanned the file from its top for its line, so 5,000
    warnings in one generated file took minutes (20,000 never finished).
    """
    import time

    from engine.diagnostics import Diagnostics
    from engine.source import SourceFile, Span

    text = "".join(f"  let unused_{i} = 1\n" for i in range(200_000))
    diags = Diagnostics()
    diags.sources["big.crit"] = SourceFile(None, "big.crit", text)
    for line in range(195_001, 200_001):
        diags.warning("W103", "`let` defined but never used", Span("big.crit", line, 7, line, 13))
    started = time.process_time()
    shown = diags.format()
    assert time.process_time() - started < 5.0
    assert shown.count("let unused_") == 5000 and "200000 |   let unused_199999 = 1" in shown
