"""criteria/cqc_well_led_2023 holds the same criteria as criteria/cqc_well_led."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_cqc_well_led_2023", ROOT / "scripts" / "make_cqc_well_led_2023.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_2023_set_is_in_step_with_the_default_set():
    stale = _script().stale()
    assert stale == [], ("criteria/cqc_well_led_2023 is out of step with criteria/cqc_well_led; "
                         f"run python scripts/make_cqc_well_led_2023.py ({', '.join(stale)})")


def test_the_2023_copies_differ_only_in_scoring_by_category():
    module = _script()
    for relative, text in module.generated().items():
        source = (module.SOURCE / relative).read_text(encoding="utf-8")
        body = text.split("\n\n", 1)[1] if text.startswith("# Made from") else text
        assert body.replace(module.BY_CATEGORY, module.DIRECT) == source, relative
        if relative.startswith("statements/"):
            assert module.BY_CATEGORY in text
