"""``report.pdf`` for board packs: the HTML report laid out on A4 by WeasyPrint.

The PDF is made from the same template as ``report.html`` (``media="pdf"``): the
board summary first, then every statement and criterion with its working open,
then the appendices. ``@page`` rules in ``reports/report.css`` put the trust, the
assessment date and "page N of M" on every page.

WeasyPrint is an optional dependency (``pip install 'wellled[pdf]'``); without it
``--format pdf`` is refused with the command that installs it, and nothing is written.
"""

from __future__ import annotations

import logging
from typing import Any

from engine.errors import UsageError
from engine.options import AssessOptions

INSTALL = "pip install 'weasyprint>=62' (or pip install -e '.[pdf]' in a clone)"


def available() -> bool:
    """True when WeasyPrint can be imported (with its system libraries)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def require() -> None:
    """Refuse ``--format pdf`` early, before any work, when WeasyPrint is missing."""
    if not available():
        raise UsageError(f"--format pdf needs WeasyPrint, which is not installed: {INSTALL}")


def pdf_bytes(result: dict[str, Any], options: AssessOptions) -> bytes:
    """The PDF of ``result``'s report."""
    require()
    import weasyprint

    from engine.output.report import render

    # WeasyPrint logs every CSS property it does not support; the report's screen-only
    # rules are expected there, so its warnings are not passed to the user.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    html = render(result, "html", options, media="pdf")
    return weasyprint.HTML(string=html, base_url=None).write_pdf()
