"""Fixtures the end-to-end tests share."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def installed_wellled(tmp_path_factory) -> Path:
    """A temporary virtual environment holding a non-editable `pip install` of the checkout.

    Made once per test session; returns its `bin` folder. wellled itself is built
    and installed as a user would install it (a wheel, its data folders inside);
    its dependencies are those of the environment running the tests, reached through
    a `.pth` line, so nothing is downloaded. That line only adds the folder to the
    search path: the checkout's editable hook in it is never run, so `engine` comes
    from the new environment (the walkthrough asserts it).
    """
    venv = tmp_path_factory.mktemp("installed") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    site = next((venv / "lib").glob("python3*/site-packages"))
    deps = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (site / "zz_test_dependencies.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                           "install", "-q", "--no-deps", "--disable-pip-version-check",
                           str(ROOT)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0 and "hatchling" in done.stderr:
        pytest.skip("cannot build the wheel here (no hatchling available)")
    assert done.returncode == 0, done.stderr
    return venv / "bin"
