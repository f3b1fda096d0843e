"""Golden tests of `wellled check`: NAME.crit beside NAME.expected (its exact stderr).

Every diagnostic code has at least one golden. Regenerate after a deliberate
change with ``WELLLED_UPDATE_GOLDENS=1 pytest tests/test_golden_check.py`` and
review the diff in git.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import cli
from engine.diagnostics import CODES

HERE = Path(__file__).parent / "golden" / "check"
# NAME.crit is checked as `wellled check NAME.crit`; NAME.args, where present, gives the
# arguments instead (a limit flag, or a file inside a set folder such as E004_set/).
CASES = sorted({p.stem for p in HERE.glob("*.crit")} | {p.stem for p in HERE.glob("*.args")})


def _args(name: str) -> list[str]:
    given = HERE / f"{name}.args"
    return given.read_text(encoding="utf-8").split() if given.exists() else [f"{name}.crit"]
UPDATE = os.environ.get("WELLLED_UPDATE_GOLDENS") == "1"


def run_check(name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(HERE)
    args = _args(name)
    result = CliRunner().invoke(cli, ["check", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    # The first line names the folders read (machine-dependent; tests/unit/test_first_hour.py).
    first, _, rest = result.stderr.partition("\n")
    assert first.startswith(f"wellled: criteria {args[-1]}; evidence schemas from "), first
    return result.exit_code, rest


@pytest.mark.parametrize("name", CASES)
def test_check_output_matches_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, stderr = run_check(name, monkeypatch)
    expected = HERE / f"{name}.expected"
    text = f"exit {code}\n{stderr}"
    if UPDATE:
        expected.write_text(text, encoding="utf-8")
    assert text == expected.read_text(encoding="utf-8")


def test_every_code_has_a_golden() -> None:
    """Every criteria code; the evidence codes (E2xx) are never `check`'s, and
    tests/unit/evidence/test_validate_diagnostics.py produces each of them."""
    shown = "".join((HERE / f"{name}.expected").read_text(encoding="utf-8") for name in CASES)
    missing = [code for code in CODES if f"[{code}]" not in shown and not code.startswith("E2")]
    assert missing == []


@pytest.mark.parametrize("name", CASES)
def test_golden_name_states_its_codes(name: str) -> None:
    """A golden called E041_... shows E041; one called OK_... shows no problem."""
    text = (HERE / f"{name}.expected").read_text(encoding="utf-8")
    codes = [part for part in name.split("_") if part[:1] in "EW" and part[1:].isdigit()]
    if name.startswith("OK_"):
        assert text == "exit 0\nno problems found\n"
    for code in codes:
        assert f"[{code}]" in text
