"""JSON pointers (RFC 6901): the one way evidence places are written, ``/staff/0/name``.

>>> pointer_of(("a/b", 0)), tokens("/a~1b/0")
('/a~1b/0', ['a/b', '0'])
"""

from __future__ import annotations

from typing import Any


def escape(token: Any) -> str:
    """One JSON pointer token: ``~`` and ``/`` escaped.

    >>> escape("a/b~c")
    'a~1b~0c'
    """
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_of(path: Any) -> str:
    """The JSON pointer of a path of keys and indices: ``("a", 0)`` -> ``/a/0``.

    >>> pointer_of(("staff", 0, "a/b"))
    '/staff/0/a~1b'
    """
    return "".join("/" + escape(p) for p in path)


def tokens(pointer: str) -> list[str]:
    """A JSON pointer's tokens, unescaped (``""`` is the root: no tokens).

    >>> tokens("/a~1b/0")
    ['a/b', '0']
    """
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def at(root: Any, path: list[str] | tuple[str, ...]) -> Any:
    """The value at ``path`` (a JSON pointer's tokens) below ``root``, or None."""
    node: Any = root
    for token in path:
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            return None
    return node
