"""Scale rules: the scale's numbering, every level within it, and the aggregations.

E030 a level outside the scale (or a range that runs backwards), E031 two rungs
for one level, E032 a scale not numbered 1, 2, 3 ..., E034 an aggregation that
cannot work (and a statement or key question that names none).
"""

from __future__ import annotations

from engine.diagnostics import Diagnostics, did_you_mean
from engine.language import nodes as n
from engine.language.resolve import Symbols
from engine.source import Span


def check_scales(symbols: Symbols, diags: Diagnostics) -> None:
    """Every scale, rung, cap, expected level and aggregation of the set."""
    _levels(symbols, diags)
    _aggregations(symbols, diags)


def _levels(symbols: Symbols, diags: Diagnostics) -> None:
    """Scale numbering, and every rung, cap and expectation level within the scale."""
    for scale in symbols.scales.values():
        numbers = [level.number for level in scale.levels]
        if not numbers:
            diags.error("E032", f"scale `{scale.id}` has no levels", scale.id_span,
                        "add `level 1 ID \"Label\" \"Meaning\"` and the levels above it")
        for expected, level in zip(range(1, len(numbers) + 1), scale.levels):
            if level.number != expected:
                diags.error("E032", f"scale `{scale.id}`: level {level.number} is where level "
                            f"{expected} should be", level.span,
                            "number the levels 1, 2, 3 ... in order, with no gaps")
                break
    top = symbols.top
    if not top:
        return
    for criterion in symbols.criteria.values():
        seen: dict[int, n.Rung] = {}
        for rung in criterion.rungs:
            number = _in_scale(rung.level, rung.span, 2, "rung level", symbols, diags)
            if number is None:
                continue
            if number in seen:
                diags.error("E031", f"level {number} has two rungs in criterion "
                            f"`{criterion.id}`", rung.span, "keep one rung per level",
                            [("the first is", seen[number].span)])
            seen.setdefault(number, rung)
    for owner in (*symbols.criteria.values(), *symbols.statements.values(),
                  *symbols.key_questions.values()):
        for cap in owner.caps:
            _in_scale(cap.level, cap.span, 1, "cap level", symbols, diags)
    for test in symbols.tests:
        for exp in test.expectations:
            if exp.op == "range" and exp.high is not None:
                low = _in_scale(exp.value, exp.span, 1, "expected level", symbols, diags)
                high = _in_scale(exp.high, exp.span, 1, "expected level", symbols, diags)
                if low is not None and high is not None and low > high:
                    diags.error("E030", f"the range {low} to {high} runs backwards", exp.span,
                                f"write `is {high} to {low}`")
            elif exp.value not in ("not_assessed", "not_applicable"):
                _in_scale(exp.value, exp.span, 1, "expected level", symbols, diags)


def _in_scale(ref: int | str, span: Span, low: int, what: str, symbols: Symbols,
              diags: Diagnostics) -> int | None:
    number = symbols.level_number(ref)
    if number is None:
        return None
    if not low <= number <= symbols.top:
        scale = symbols.scale.id if symbols.scale else "scale"
        article = "an" if what[0] in "aeiou" else "a"
        diags.error("E030", f"{what} {number} is outside the scale `{scale}`", span,
                    f"{article} {what} is {low} to {symbols.top}")
        return None
    return number


# ---------------------------------------------------------------- aggregations

METHODS = ("percent", "min", "max", "mean")
ROUNDING = ("nearest", "down", "up")


def _aggregations(symbols: Symbols, diags: Diagnostics) -> None:
    for agg in symbols.aggregations.values():
        _aggregation(agg, symbols, diags)
    for owner, kind in [*((s, "statement") for s in symbols.statements.values()),
                        *((q, "key question") for q in symbols.key_questions.values())]:
        if owner.aggregate is None:
            diags.error("E034", f"{kind} `{owner.id}` says no `aggregate`", owner.id_span,
                        "add `aggregate ID` naming how its children combine")


def _aggregation(agg: n.Aggregation, symbols: Symbols, diags: Diagnostics) -> None:
    if agg.method is None:
        diags.error("E034", f"aggregation `{agg.id}` has no `method`", agg.id_span,
                    "add `method percent`, `method min`, `method max` or `method mean`")
    elif agg.method not in METHODS:
        diags.error("E034", f"unknown aggregation method `{agg.method}`",
                    agg.method_span or agg.id_span,
                    did_you_mean(agg.method, METHODS) or "use percent, min, max or mean")
    if agg.round is not None and agg.round not in ROUNDING:
        diags.error("E034", f"unknown rounding `{agg.round}`", agg.round_span or agg.id_span,
                    did_you_mean(agg.round, ROUNDING) or "use nearest, down or up")
    if agg.method == "percent" and not agg.bands:
        diags.error("E034", f"aggregation `{agg.id}` uses `method percent` but has no band",
                    agg.id_span, "add bands such as `band 2 from 39`")
    if agg.bands and agg.method not in ("percent", None):
        diags.error("E034", f"bands only apply to `method percent`, not `{agg.method}`",
                    agg.bands[0].span, "remove the bands or use `method percent`")
    seen: dict[int, n.Band] = {}
    for band in agg.bands:
        _in_scale(band.level, band.span, 2, "band level", symbols, diags)
        if not 0 <= band.threshold <= 100:
            diags.error("E034", f"band threshold {band.threshold:g} is not a percentage",
                        band.span, "thresholds are 0 to 100")
        if band.level in seen:
            diags.error("E034", f"band {band.level} is given twice", band.span,
                        "keep one band per level", [("the first is", seen[band.level].span)])
        seen.setdefault(band.level, band)
    ordered = sorted(seen.values(), key=lambda b: b.level)
    for lower, higher in zip(ordered, ordered[1:]):
        if higher.threshold <= lower.threshold:
            diags.error("E034", f"band {higher.level} starts at {higher.threshold:g}, not above "
                        f"band {lower.level} ({lower.threshold:g})", higher.span,
                        "higher levels need higher thresholds")
