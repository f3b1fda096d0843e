"""How long a 5 MB bundle of 20 documents takes to load and validate; prints figures.

Run: .venv/bin/python benchmarks/bench_bundle.py [--yaml-share 0.5]
The bundle: a manifest, a large staff survey (JSON), a strategy (YAML) and 18
focus groups (half JSON, half YAML) full of quotes, about 5 MB in all.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.evidence.bundle import load_bundle  # noqa: E402
from engine.evidence.schemas import EvidenceSchema  # noqa: E402

SCHEMAS_DIR = ROOT / "tests" / "hostile" / "criteria" / "evidence_schemas"


def schemas() -> dict[str, EvidenceSchema]:
    out = {}
    for path in sorted(SCHEMAS_DIR.glob("*.schema.json")):
        evidence_id = path.name.removesuffix(".schema.json")
        schema = json.loads(path.read_text())
        out[evidence_id] = EvidenceSchema(evidence_id, schema["title"],
                                          evidence_id == "focus_group", path, schema)
    return out


def to_yaml(value) -> str:
    import yaml

    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True)


def build(root: Path, yaml_share: float) -> int:
    root.mkdir()
    (root / "bundle.yaml").write_text(
        "provider: {id: RX1, name: Bench Trust, type: acute}\n"
        "assessment: {date: 2025-06-30, kind: self_assessment}\n")
    questions = {f"q{i}": {"text": f"Question {i} about the trust's culture and leadership",
                           "percent_positive": (i * 7) % 100, "respondents": 2000 + i}
                 for i in range(6000)}
    (root / "staff_survey.json").write_text(json.dumps({"year": 2024, "questions": questions}))
    objectives = [{"title": f"Objective {i}: improve services for people in the area",
                   "accountable_lead": "Chief Operating Officer", "due": "2026-03-31"}
                  for i in range(3000)]
    (root / "strategy.yaml").write_text(to_yaml({"title": "Strategy", "approved_on": "2025-01-15",
                                                 "delivery_plan": {"objectives": objectives}}))
    (root / "focus_group").mkdir()
    for n in range(18):
        quotes = [{"text": f"Quote {i}: what a member of staff said about speaking up here",
                   "role": "nurse"} for i in range(2200)]
        doc = {"held_on": "2025-01-10", "group": f"group {n}", "participants": 9,
               "themes": ["culture", "workload"], "quotes": quotes}
        if n < 18 * yaml_share:
            (root / "focus_group" / f"g{n:02}.yaml").write_text(to_yaml(doc))
        else:
            (root / "focus_group" / f"g{n:02}.json").write_text(json.dumps(doc))
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def main() -> None:
    share = float(sys.argv[sys.argv.index("--yaml-share") + 1]) if "--yaml-share" in sys.argv \
        else 0.5
    loaded_schemas = schemas()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "bench"
        size = build(root, share)
        times = []
        for _ in range(5):
            start = time.perf_counter()
            bundle = load_bundle(root, loaded_schemas)
            times.append(time.perf_counter() - start)
        print(f"bundle: {len(bundle.files) - 1} documents, {size / 1e6:.1f} MB, "
              f"{share:.0%} of focus groups in YAML")
        print(f"load+validate: best {min(times):.3f} s, median {sorted(times)[2]:.3f} s")


if __name__ == "__main__":
    main()
