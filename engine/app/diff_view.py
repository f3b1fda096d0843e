"""The diff document as the templates show it: every phrase worked out here, in words.

``reports/diff.html.j2`` and ``reports/diff.md.j2`` receive only ``diff`` (what
``diff_view`` returns) and hold no logic beyond layout.

>>> snapshot_words({"level": 2, "max_level": 3, "status": "partial", "label": "Developing",
...                 "max_label": "Established"})
'Developing, could be Established (2 to 3)'
>>> direction_words("down")
'▼ down'
"""

from __future__ import annotations

from typing import Any

from engine.words import coverage, judgement, level_range, plural

ARROWS = {"up": "▲ up", "down": "▼ down", "changed": "↕ range changed both ways",
          "same": "= same level", "not comparable": "· not comparable"}
CHANGE_WORDS = {"added": "added", "removed": "removed", "changed": "changed", "moved": "moved"}
KIND_WORDS = {"criterion": "Criterion", "statement": "Statement", "key_question": "Key question",
              "framework": "Framework", "scale": "Scale", "aggregation": "Aggregation",
              "evidence": "Evidence type"}
_CHILD_NOUN = {"key_question": "statement", "statement": "criterion"}


def snapshot_words(snap: dict[str, Any] | None) -> str:
    """A node's result in words with its digits: "Established (3)"."""
    if snap is None:
        return "not in this version"
    words = judgement(snap.get("label"), snap.get("max_label"), snap.get("level"),
                      snap.get("max_level"), snap.get("status"))
    if snap.get("level") is None:
        return words
    return f"{words} ({level_range(snap['level'], snap.get('max_level'))})"


def direction_words(direction: str) -> str:
    return ARROWS.get(direction, direction)


def _coverage_words(snap: dict[str, Any], kind: str) -> str:
    cov = snap.get("coverage")
    if not cov:
        return "coverage not reported"
    noun = _CHILD_NOUN.get(kind, "part")
    return coverage(cov["assessed"], cov["of"], noun) or f"judged on all {plural(cov['of'], noun)}"


def _node_change_view(change: dict[str, Any]) -> dict[str, Any]:
    notes = []
    if "status" in change["differs"] and change["direction"] == "same":
        notes.append(f"status was {change['old']['status'].replace('_', ' ')}, now "
                     f"{change['new']['status'].replace('_', ' ')}")
    if "coverage" in change["differs"]:
        notes.append(f"coverage was {_coverage_words(change['old'], change['kind'])}; now "
                     f"{_coverage_words(change['new'], change['kind'])}")
    for text in change["concerns_raised"]:
        notes.append(f"concern now raised: {text}")
    for text in change["concerns_cleared"]:
        notes.append(f"concern no longer raised: {text}")
    return {"node": change["node"], "title": change["title"],
            "kind": KIND_WORDS.get(change["kind"], change["kind"]),
            "direction": change["direction"], "arrow": direction_words(change["direction"]),
            "old": snapshot_words(change["old"]), "new": snapshot_words(change["new"]),
            "notes": notes}


def _criteria_groups(changes: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """Changes of one type (rule or wording), grouped by node in reading order."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for change in changes:
        if change["type"] != kind:
            continue
        key = (change["node_kind"], change["node"])
        group = groups.setdefault(key, {
            "node": change["node"], "kind": KIND_WORDS.get(change["node_kind"], "Node"),
            "title": change["node_title"], "code": kind == "rule",
            "anchor": f"change-{change['node_kind']}-{change['node']}-{kind}",
            "changes": []})
        group["changes"].append({
            "part": change["part"], "change": CHANGE_WORDS[change["change"]],
            "old": change["old"], "new": change["new"],
            "old_source": change["old_source"], "new_source": change["new_source"],
            "old_lines": (change["old"] or "").split("\n") if change["old"] else [],
            "new_lines": (change["new"] or "").split("\n") if change["new"] else []})
    return list(groups.values())


def _side(version: dict[str, Any]) -> str:
    fw = version["framework"]
    return f"{fw['title']}, version {fw['version'] or 'not given'} ({version['criteria']})"


def diff_view(doc: dict[str, Any]) -> dict[str, Any]:
    """Plain data for diff.html.j2 and diff.md.j2."""
    crit = doc["criteria"]
    headline = [f"{plural(crit['rule_changes'], 'rule change')} and "
                f"{plural(crit['wording_changes'], 'wording change')} in the criteria."]
    view: dict[str, Any] = {
        "old": _side(doc["old"]), "new": _side(doc["new"]),
        "old_sha": doc["old"]["criteria_sha256"], "new_sha": doc["new"]["criteria_sha256"],
        "differs": doc["differs"], "engine": doc["engine"],
        "rules": _criteria_groups(crit["changes"], "rule"),
        "wording": _criteria_groups(crit["changes"], "wording"),
        "rule_count": crit["rule_changes"], "wording_count": crit["wording_changes"],
        "results": None, "headline": headline,
    }
    results = doc["results"]
    if results is not None:
        moved = [r for r in results["bundle_results"] if r["moved"]]
        failing = results["failing"]
        headline.append(f"{results['moved']} of {plural(results['bundles'], 'bundle')} "
                        f"{'moves' if results['moved'] == 1 else 'move'} under the new version.")
        if failing["old_only"] or failing["new_only"]:
            headline.append(f"{len(failing['new_only'])} can no longer be assessed, "
                            f"{len(failing['old_only'])} can now be assessed.")
        problems = {r["bundle"]: r for r in results["bundle_results"]}
        unmoved = results["bundles"] - results["moved"] - len(failing["both"]) \
            - len(failing["old_only"]) - len(failing["new_only"])
        view["results"] = {
            "sentence": f"Every bundle under {results['root']} was assessed with both versions: "
                        f"{results['bundles']} in all; {results['moved']} "
                        f"{'moves' if results['moved'] == 1 else 'move'}, {unmoved} "
                        f"{'does' if unmoved == 1 else 'do'} not.",
            "root": results["root"], "count": results["bundles"], "moved": results["moved"],
            "unmoved": results["bundles"] - results["moved"] - len(failing["both"])
            - len(failing["old_only"]) - len(failing["new_only"]),
            "summary": results["summary"],
            "new_only": [(n, problems[n]["new_problem"]) for n in failing["new_only"]],
            "old_only": [(n, problems[n]["old_problem"]) for n in failing["old_only"]],
            "both": [(n, problems[n]["new_problem"]) for n in failing["both"]],
            "moved_bundles": [{"bundle": r["bundle"], "provider": r["provider"],
                         "anchor": "bundle-" + "".join(
                             c if c.isalnum() or c == "_" else f"-{ord(c):x}-"
                             for c in r["bundle"]),
                         "changes": [_node_change_view(c) for c in r["changes"]]}
                        for r in moved],
        }
    if not doc["differs"]:
        headline.append("Nothing differs: the new version judges as the old one does.")
    return view
