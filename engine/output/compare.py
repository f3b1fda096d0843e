"""Progress since the last assessment: one result compared with an earlier one, node by node.

``assess --since`` and ``batch --since`` call the same two functions:

- ``load_previous(path)``: an earlier ``result.json``, or the output folder holding one;
  a clear ``UsageError`` when it is missing or is not a result.
- ``compare(previous, current)``: the ``since`` block a result carries into its reports,
  refused (``UsageError``) when the two results come from different criteria (framework
  id or version), because their levels would not mean the same thing.

Each node's change is one of ``up``, ``down``, ``same``, ``newly assessed``,
``range narrowed``, ``range widened``, ``no longer assessed``, ``changed`` (moved and
widened at once), ``new`` (not in the earlier result).

>>> change((2, 2, "rated"), (3, 3, "rated"))
'up'
>>> change((2, 4, "partial"), (3, 4, "partial"))
'range narrowed'
>>> change((None, None, "not_assessed"), (2, 3, "partial"))
'newly assessed'
>>> change((2, 3, "partial"), (1, 3, "partial"))
'range widened'
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from engine import words
from engine.errors import UsageError
from engine.words import printable

Level = tuple  # (low | None, high | None, status)

# An earlier result.json larger than this is not read (ours are a few MB).
MAX_EARLIER_BYTES = 512 * 1024 * 1024

CHANGES = ("up", "down", "same", "newly assessed", "range narrowed", "range widened",
           "no longer assessed", "changed", "new")


def load_previous(path: str | Path) -> dict[str, Any]:
    """The earlier result at ``path`` (a ``result.json`` or a folder holding one), read
    safely (``read_json_safely``): a FIFO, a link, a huge or a deeply nested file is refused
    with a ``UsageError`` that says why, never waited on or crashed over."""
    path = Path(path)
    target = path / "result.json" if path.is_dir() else path
    if not os.path.lexists(target):
        raise UsageError(f"--since {printable(str(path))}: no result.json there; give the "
                         "result.json of an earlier assessment, or the output folder that "
                         "holds it")
    try:
        previous = read_json_safely(target)
    except ValueError as err:
        raise UsageError(f"--since {printable(str(target))}: not a readable result.json "
                         f"({err}); give the result.json that wellled wrote for the earlier "
                         "assessment") from None
    if (not isinstance(previous, dict) or not isinstance(previous.get("results"), dict)
            or not isinstance(previous.get("framework"), dict)):
        raise UsageError(f"--since {printable(str(target))}: this is not a wellled result.json "
                         "(it has no `framework` and `results`); give the result.json of an "
                         "earlier assessment")
    previous["_path"] = str(target)
    return previous


def read_json_safely(path: Path) -> Any:
    """A JSON file that may be anything: a regular file of a sane size (never a FIFO that
    would block, never through a link), parsed with any fault turned into ``ValueError``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as err:
        raise ValueError((err.strerror or str(err)).lower()) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")
        if info.st_size > MAX_EARLIER_BYTES:
            raise ValueError(f"larger than {MAX_EARLIER_BYTES // 2**20} MB")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(MAX_EARLIER_BYTES + 1)
    finally:
        os.close(fd)
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("nested too deeply to be a result") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"not valid JSON ({err})") from None


def _level(node: dict[str, Any] | None) -> Level | None:
    if not isinstance(node, dict):
        return None
    low = node.get("level")
    high = node.get("max_level", low)
    return (low, high if high is not None else low, node.get("status"))


def change(was: Level | None, now: Level) -> str:
    """The change of one node from ``was`` to ``now`` (each ``(low, high, status)``)."""
    if was is None:
        return "new"
    (wl, wh, ws), (nl, nh, ns) = was, now
    if wl is None and nl is None:
        return "same"
    if wl is None:
        return "newly assessed"
    if nl is None:
        return "no longer assessed" if ns != "not_applicable" or ws == ns else "changed"
    if (wl, wh) == (nl, nh):
        return "same"
    if wl <= nl and nh <= wh:
        return "range narrowed"
    if nl <= wl and wh <= nh:
        return "range widened"
    if nl >= wl and nh >= wh:
        return "up"
    if nl <= wl and nh <= wh:
        return "down"
    return "changed"


def _judgement(node: dict[str, Any] | None) -> str:
    if not node:
        return "not in the earlier result"
    return words.judgement(node.get("label"), node.get("max_label"), node.get("level"),
                           node.get("max_level"), node.get("status"))


def check_comparable(previous: dict[str, Any], current: dict[str, Any]) -> None:
    """Refuse two results from different criteria: their levels do not mean the same thing."""
    was, now = previous.get("framework", {}), current["framework"]
    if (was.get("id"), was.get("version")) != (now.get("id"), now.get("version")):
        raise UsageError(
            f"--since {previous.get('_path', 'the earlier result')}: it was judged against "
            f"`{was.get('id')}` version {was.get('version')}, this assessment against "
            f"`{now.get('id')}` version {now.get('version')}; levels from different criteria "
            "cannot be compared. Give an earlier result of the same criteria and version")


def compare(previous: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The ``since`` block of ``current``: each node's change since ``previous``."""
    check_comparable(previous, current)
    before = previous["results"]
    nodes: dict[str, dict[str, Any]] = {}
    counts = {name: 0 for name in CHANGES}
    for node_id in current["order"]:
        node = current["results"][node_id]
        old = before.get(node_id)
        kind = change(_level(old), _level(node))
        counts[kind] += 1
        nodes[node_id] = {"change": kind, "was": _judgement(old),
                          "words": change_words(kind, _judgement(old), _judgement(node))}
    bundle = previous.get("bundle") or {}
    return {
        "previous": {"date": (bundle.get("assessment") or {}).get("date"),
                     "provider": (bundle.get("provider") or {}).get("name")},
        "counts": {k: v for k, v in counts.items() if v},
        "lead": counts_words(counts),
        "nodes": nodes,
    }


def change_words(kind: str, was: str, now: str) -> str:
    """One node's change for a reader.

    >>> change_words("up", "Developing", "Established")
    'up: was Developing, now Established'
    >>> change_words("same", "Established", "Established")
    'the same as last time'
    """
    if kind == "same":
        return "the same as last time"
    if kind == "new":
        return "not in the earlier assessment"
    return f"{kind}: was {was}, now {now}"


def counts_words(counts: dict[str, int]) -> str:
    """ "2 up, 1 down, 1 newly assessed, 38 the same" (only the changes that happened)."""
    order = [k for k in CHANGES if k != "same"] + ["same"]
    parts = [f"{counts[k]} {'the same' if k == 'same' else k}" for k in order if counts.get(k)]
    return ", ".join(parts)
