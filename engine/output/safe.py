"""Making outputs safe to open: spreadsheet cells, links, and the pages' Content-Security-Policy.

>>> csv_cell("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> csv_cell("RX1")
'RX1'
>>> href("javascript:alert(1)", "report.html")
'javascript%3Aalert%281%29/report.html'
>>> content_security_policy([]).split("; ")[:4]
["default-src 'none'", "style-src 'unsafe-inline'", 'img-src data:', "script-src 'none'"]
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from urllib.parse import quote

from engine.words import printable

# A cell starting with one of these is read by spreadsheets as a formula (or, for tab and
# carriage return, shifts what follows into one); a leading apostrophe makes it text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """Text from a bundle as a summary.csv cell: control characters shown escaped, and a
    leading ``'`` when a spreadsheet would otherwise read it as a formula."""
    raw = "" if value is None else str(value)
    text = printable(raw)
    if raw.startswith(_FORMULA_START) or text.startswith(_FORMULA_START):
        return "'" + text
    return text


def href(*parts: str) -> str:
    """A relative link from path parts (a bundle's name such as ``region/northfield``, then
    a file): each segment percent-encoded, so no name can become a scheme (``javascript:``),
    a query, a fragment or a way up the tree."""
    segments = [segment for part in parts for segment in part.split("/")]
    return "/".join("%2E" * len(s) if s in (".", "..") else quote(s, safe="")
                    for s in segments)


def script_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(scripts: Iterable[str]) -> str:
    """The policy of every HTML page wellled writes: nothing is loaded from anywhere; the
    page's own styles apply (CSS cannot run code, so ``'unsafe-inline'`` for style only);
    a script runs only if it is one of ``scripts``, byte for byte (by its hash). A link
    such as ``javascript:...`` therefore cannot run, even if one were ever written."""
    hashes = " ".join(script_hash(s) for s in scripts) or "'none'"
    return ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            f"script-src {hashes}; base-uri 'none'; form-action 'none'")
