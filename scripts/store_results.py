"""Store the outputs of every case in tests/result_cases.py under tests/golden/results/.

Only for a deliberate change of rule or wording: run it, then read the diff in git
and say in the commit message which rule changed. A refactor must never need it
(tests/test_golden_results.py proves the outputs are byte-identical to the stored copies).

    .venv/bin/python scripts/store_results.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_golden_results import GOLDEN, outputs  # noqa: E402
from tests.result_cases import cases  # noqa: E402


def main() -> int:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for case in cases():
        for suffix, text in outputs(case).items():
            (GOLDEN / f"{case.name}.{suffix}").write_text(text, encoding="utf-8")
        print(f"stored {case.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
