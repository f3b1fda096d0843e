"""Reports: a result document rendered as one self-contained HTML page or as Markdown.

The templates in ``reports/`` receive only ``result`` (the plain result
document) and ``options`` (``engine.options.AssessOptions``); everything they show
is formatted by the filters here, so templates hold no logic beyond layout.

Two rules hold for every value taken from a bundle or a criteria file:
a read marked ``sensitive`` is never quoted unless ``options.include_sensitive``,
and a count of people (a read whose pointer ends in one of
``PEOPLE_COUNT_FIELDS``) below ``options.suppress_below`` is shown as
"fewer than N".

>>> from engine.options import AssessOptions                       # doctest: +SKIP
>>> html = render(result, "html", AssessOptions())              # doctest: +SKIP
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.compiler import CodeGenerator
from markupsafe import Markup, escape

from engine.errors import UsageError
from engine.options import AssessOptions
from engine.output import criterion
from engine.output.board import about, board, coverage_words, next_step, plain
from engine.output.phrases import (
    _md_escape_text,
    _MdSafe,
    aggregation_events,
    areas_to_develop,
    badge,
    chart,
    criteria_of,
    evidence_ref,
    evidence_target,
    file_anchor,
    file_types,
    let_value,
    md_code,
    md_escape,
    md_link,
    md_raw,
    node_anchor,
    not_assessed,
    outcome_mark,
    outcome_words,
    range_digits,
    range_words,
    ranged_with_gaps,
    read_value,
    scale_label,
    statements,
    status_words,
    strengths,
)
from engine.output.trace import file_targets, trace_html, trace_md
from engine.resources import data_dir
from engine.words import printable


TEMPLATES = {"html": "report.html.j2", "md": "report.md.j2"}

# ---------------------------------------------------------------- environment


def _md_finalize(value: Any) -> Any:
    """Escape every value printed into Markdown unless a filter built it as Markdown."""
    if isinstance(value, _MdSafe) or value is None:
        return value
    return md_escape(value)


class _DataEnvironment(Environment):
    """An environment for templates over plain data: ``x.key`` on a dict looks the key up
    first (Jinja's own order, attribute first, raises and catches for every dict key)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def _html_finalize(value: Any) -> Any:
    """Control characters and terminal escapes in any value shown in a page are written as
    visible escapes (``\\x1b``); line breaks stay (a page folds them into spaces). The text
    comes back escaped, as Markup, so the environment's autoescape passes it through."""
    if type(value) is str:
        return _html_text(value)
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value, keep_lines=True)
    return value


@lru_cache(maxsize=8192)
def _html_text(text: str) -> Markup:
    # A pure memo: titles, levels in words and file names repeat across a report.
    return escape(printable(text, keep_lines=True))


def _html_output(value: Any) -> Markup:
    """What ``{{ value }}`` prints in a page: exactly ``escape(_html_finalize(value))``
    (visible control characters, then escaped), in one call instead of two."""
    if type(value) is str:
        return _html_text(value)
    if type(value) is Markup:
        return value
    return escape(_html_finalize(value))


class _HtmlCodeGenerator(CodeGenerator):
    """Compiles ``{{ value }}`` in an autoescaped template to ``environment.html_output(value)``
    instead of Jinja's ``escape(environment.finalize(value))``: the same text (``_html_output``
    is that composition), without ``markupsafe.escape`` copying every already-escaped Markup
    again. A page prints about 1,200 values; this saves about 0.6 ms of its 3.2 ms (issue 15).
    Frames where autoescape is off or decided at run time keep Jinja's own code."""

    def _output_child_pre(self, node: Any, frame: Any, finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("environment.html_output(")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: Any, frame: Any, finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write(")")
        else:
            super()._output_child_post(node, frame, finalize)


def _md_output(value: Any) -> str:
    """What ``{{ value }}`` prints in Markdown: exactly ``str(_md_finalize(value))``."""
    if type(value) is _MdSafe:
        return value
    if type(value) is str:
        return _md_escape_text(value)
    return str(_md_finalize(value))


class _MdCodeGenerator(CodeGenerator):
    """Compiles ``{{ value }}`` in a Markdown template to ``environment.md_output(value)``
    instead of Jinja's ``str(environment.finalize(value))``: the same text in one call
    (about 650 values a report; issue 15)."""

    def _output_child_pre(self, node: Any, frame: Any, finalize: Any) -> None:
        if not frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("environment.md_output(")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: Any, frame: Any, finalize: Any) -> None:
        if not frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write(")")
        else:
            super()._output_child_post(node, frame, finalize)


class _MdEnvironment(_DataEnvironment):
    """The Markdown environment: every value escaped unless a filter built it as Markdown."""

    code_generator_class = _MdCodeGenerator
    md_output = staticmethod(_md_output)


class _HtmlEnvironment(_DataEnvironment):
    """The page environment: autoescaped, with the output code above."""

    code_generator_class = _HtmlCodeGenerator
    html_output = staticmethod(_html_output)


@lru_cache(maxsize=2)
def environment(fmt: str) -> Environment:
    """The Jinja2 environment for ``fmt`` ("html" or "md"), built once per process."""
    options: dict[str, Any] = {
        "loader": FileSystemLoader(str(data_dir("reports"))),
        "undefined": StrictUndefined,
        "keep_trailing_newline": True,
        "auto_reload": False,      # templates are shipped files: no stat() on every render
        "trim_blocks": True,
        "lstrip_blocks": True,
    }
    if fmt == "md":
        env = _MdEnvironment(autoescape=False, finalize=_md_finalize, **options)
    else:
        env = _HtmlEnvironment(autoescape=select_autoescape(["html.j2", "html"], default=True),
                               finalize=_html_finalize, **options)
    env.filters.update(FILTERS)
    if fmt == "md":
        env.filters.update(MD_FILTERS, criterion_md=criterion.criterion_md,
                           gap_lines_md=criterion.gap_lines_md)
    else:
        env.filters.update(criterion_html=criterion.criterion_html,
                           change_mark=criterion.change_mark_html,
                           combine_item=criterion.combine_item_html,
                           gap_items_html=criterion.gap_items_html)
    return env


def render(result: dict[str, Any], fmt: str, options: AssessOptions, *, media: str = "screen",
           view: dict[str, Any] | None = None) -> str:
    """The report of ``result`` in ``fmt`` ("html" or "md") as text.

    ``media="pdf"`` gives the HTML the PDF is made from: every criterion open, the
    working shown, the page furniture of ``@page``. ``view`` is ``board.board(result)``
    when the caller renders several formats of one result (made once, shared).
    """
    if fmt not in TEMPLATES:
        raise UsageError(f"no report format `{fmt}`; choose from html, md, pdf")
    template = environment(fmt).get_template(TEMPLATES[fmt])
    view = dict(view) if view is not None else board(result)
    if fmt == "html":
        view["targets"] = file_targets(result)
    return template.render(result=result, options=options, view=view, media=media)


def render_template(name: str, fmt: str, **context: Any) -> str:
    """Render any template in ``reports/`` (the batch index uses this)."""
    return environment(fmt).get_template(name).render(**context)


def stream_template(name: str, fmt: str, **context: Any):
    """The same text as ``render_template``, piece by piece (for pages too big to hold)."""
    return environment(fmt).get_template(name).generate(**context)


FILTERS = {
    "range_words": range_words,
    "range_digits": range_digits,
    "status_words": status_words,
    "outcome_words": outcome_words,
    "outcome_mark": outcome_mark,
    "read_value": read_value,
    "let_value": let_value,
    "evidence_ref": evidence_ref,
    "node_anchor": node_anchor,
    "file_anchor": file_anchor,
    "evidence_target": evidence_target,
    "statements": statements,
    "criteria_of": criteria_of,
    "strengths": strengths,
    "areas_to_develop": areas_to_develop,
    "not_assessed": not_assessed,
    "ranged_with_gaps": ranged_with_gaps,
    "aggregation_events": aggregation_events,
    "file_types": file_types,
    "chart": chart,
    "scale_label": scale_label,
    "words": lambda value: str(value).replace("_", " "),
    "coverage_words": coverage_words,
    "next_step": next_step,
    "plain": plain,
    "about_notes": about,
    "trace_html": trace_html,
    "badge": badge,
}

MD_FILTERS = {"md": md_escape, "code": md_code, "md_link": md_link, "raw": md_raw,
              "trace_md": trace_md}

__all__ = ["render", "render_template", "environment"]
