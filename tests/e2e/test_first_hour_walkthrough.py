"""The first hour, as README.md and docs/authoring.md tell it, from a non-editable install.

install -> init -> fill -> validate -> assess -> edit criteria (a copy) -> check -> test,
each step the command a new user types, run by the installed `wellled` from a folder
outside the checkout. If a step here changes, change the walkthrough in README.md and
docs/authoring.md with it (test_the_docs_tell_the_same_walkthrough checks the commands).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "bundles" / "northfield"

pytestmark = pytest.mark.install


def _fill(bundle: Path) -> None:
    """What a trust does by hand: replace each template with its filled-in evidence."""
    for source in EXAMPLE.iterdir():
        for template in bundle.glob(source.stem + ".*"):
            template.unlink()
        if (bundle / source.stem).is_dir():
            shutil.rmtree(bundle / source.stem)
        if source.is_dir():
            shutil.copytree(source, bundle / source.name)
        else:
            shutil.copy(source, bundle / source.name)


def _level(out: Path, node: str) -> int:
    return json.loads((out / "result.json").read_text(encoding="utf-8"))["results"][node]["level"]


def test_a_new_user_s_first_hour(installed_wellled: Path, tmp_path: Path):
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PATH": f"{installed_wellled}{os.pathsep}{os.environ['PATH']}",
           "NO_COLOR": "1"}
    env.pop("PYTHONPATH", None)

    def wellled(*args: str, expect: int = 0) -> tuple[str, str]:
        done = subprocess.run(["wellled", *args], cwd=work, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == expect, f"wellled {' '.join(args)}:\n{done.stdout}{done.stderr}"
        assert "Traceback" not in done.stderr
        return done.stdout, done.stderr

    # install: the installed copy runs, not the checkout
    probe = subprocess.run([str(installed_wellled / "python"), "-c",
                            "import engine; print(engine.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True)
    assert probe.stdout.strip().startswith(str(installed_wellled.parent)), probe
    out, _ = wellled("--version")
    assert out.startswith("wellled, version ")

    # init: a new bundle with a template for each kind of evidence
    wellled("init", "trust")
    assert (work / "trust" / "bundle.yaml").is_file()
    assert (work / "trust" / "staff_survey.yaml").is_file()

    # fill: the trust replaces each template with its evidence
    _fill(work / "trust")

    # validate
    out, err = wellled("validate", "trust")
    assert "trust: valid" in out
    assert "the copy installed with wellled" in err.splitlines()[0]

    # assess with the shipped criteria
    out, _ = wellled("assess", "trust")
    assert "wrote wellled-out/trust/result.json" in out
    assert _level(work / "wellled-out" / "trust", "staff_know_vision") == 4

    # edit criteria: a copy of the shipped set, with a higher threshold for level 4
    shutil.copytree(ROOT / "criteria" / "cqc_well_led", work / "my_criteria")
    statement = work / "my_criteria" / "statements" / "shared_direction.crit"
    text = statement.read_text(encoding="utf-8")
    assert text.count("level 4 when aware >= 85") == 1
    statement.write_text(text.replace("level 4 when aware >= 85", "level 4 when aware >= 90"),
                         encoding="utf-8")

    # check: the copy is what is read
    _, err = wellled("check", "my_criteria")
    assert err.splitlines()[0].startswith("wellled: criteria my_criteria; ")
    assert "no problems found" in err

    # test: the set's own tests notice the change...
    out, _ = wellled("test", "my_criteria", expect=1)
    assert "expect staff_know_vision is 4" in out and "but it is 3" in out
    # ...and pass once the test says what is now intended
    text = statement.read_text(encoding="utf-8")
    assert text.count('"vision_known": {"percent_positive": 88}') == 1
    statement.write_text(text.replace('"vision_known": {"percent_positive": 88}',
                                      '"vision_known": {"percent_positive": 92}'),
                         encoding="utf-8")
    out, _ = wellled("test", "my_criteria")
    assert " 0 failed" in out

    # the trust assessed against the edited criteria
    wellled("assess", "trust", "--criteria", "my_criteria", "-o", "with-my-criteria")
    assert _level(work / "with-my-criteria", "staff_know_vision") == 3


WALKTHROUGH_COMMANDS = [
    "pip install .",
    "wellled init trust",
    "wellled validate trust",
    "wellled assess trust",
    "cp -r criteria/cqc_well_led my_criteria",
    "wellled check my_criteria",
    "wellled test my_criteria",
    "wellled assess trust --criteria my_criteria",
]


@pytest.mark.parametrize("doc", ["README.md", "docs/authoring.md"])
def test_the_docs_tell_the_same_walkthrough(doc: str):
    text = (ROOT / doc).read_text(encoding="utf-8")
    positions = [text.find(command) for command in WALKTHROUGH_COMMANDS]
    assert -1 not in positions, [c for c, p in zip(WALKTHROUGH_COMMANDS, positions) if p < 0]
    assert positions == sorted(positions), "the steps are told in the order they are run"
