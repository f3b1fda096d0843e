"""The ``wellled`` command: a thin shell over the library.

Each subcommand parses its options, makes one library call, prints what came
back and returns an exit status: 0 done, 1 the input has problems, 2 the
command was used wrongly. Only this module prints or exits.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from engine import __version__
from engine.errors import BundleError, CriteriaError, UsageError, WellledError
from engine.resources import DEFAULT_CRITERIA, shipped_criteria
from engine.words import printable

# Each command imports what it uses inside its function (lazy: start-up), so `wellled
# --help` and a quick `wellled check` do not load jsonschema, jinja2 or openpyxl.


def resolve_criteria(value: str | None) -> Path:
    """A criteria directory from a path, or the name of a shipped set (default cqc_well_led)."""
    if value is None:
        value = DEFAULT_CRITERIA
    path = Path(value)
    if path.exists():
        return path
    shipped = shipped_criteria(value)
    if shipped is not None:
        return shipped
    raise UsageError(f"{value}: no such criteria directory or shipped criteria set "
                     f"(shipped: cqc_well_led, cqc_well_led_2023, nhs_well_led_2017)")


def _bundle_dir(value: str) -> Path:
    path = Path(value)
    if _is_workbook(path):
        return path         # a workbook bundle (.xlsx): engine/evidence/workbook.py checks it
    if not path.is_dir():
        raise UsageError(f"{value}: no such bundle folder; give the folder that holds bundle.yaml")
    return path


def _formats(value: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    formats = tuple(f.strip() for f in value.split(",") if f.strip())
    bad = [f for f in formats if f not in allowed]
    if bad or not formats:
        raise UsageError(f"--format {value}: choose from {', '.join(allowed)}")
    return formats


def _echo_err(text: str) -> None:
    click.echo(text, err=True)


# ---------------------------------------------------------------- the first hour (issue 14)


def colour_wanted(stream) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (no-color.org)."""
    if os.environ.get("NO_COLOR", "") != "":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _echo_diagnostics(diags) -> None:
    """Every diagnostic on stderr, in colour on a terminal."""
    colour = colour_wanted(sys.stderr)
    click.echo(diags.format(colour=colour), err=True, color=colour)


def _shown(path: Path) -> str:
    """A folder as a user should see it: relative below the current folder, else absolute."""
    full = path.resolve()
    try:
        return full.relative_to(Path.cwd().resolve()).as_posix() or "."
    except (ValueError, OSError):
        return full.as_posix()


def _installed(path: Path) -> bool:
    """True when ``path`` is inside the installed package, not a folder a user edits."""
    from engine.resources import _PACKAGE

    try:
        path.resolve().relative_to(_PACKAGE / "_data")
        return True
    except ValueError:
        return False


def announce_sources(criteria_dir: Path) -> str:
    """The one stderr line saying which criteria folder and schema folders a command reads."""
    from engine.resources import data_dir

    folder = criteria_dir if criteria_dir.is_dir() else criteria_dir.parent
    criteria_note = (" (the copy installed with wellled: to use criteria you edit, give their "
                     "folder)" if _installed(criteria_dir) else "")
    schema_dirs = []
    own = folder / "evidence_schemas"
    if own.is_dir():
        schema_dirs.append(_shown(own))
    shipped = data_dir("evidence_schemas")
    if not schema_dirs or own.resolve() != shipped.resolve():
        schema_dirs.append(_shown(shipped) + (" (installed)" if _installed(shipped) else ""))
    return (f"wellled: criteria {_shown(criteria_dir)}{criteria_note}; "
            f"evidence schemas from {', then '.join(schema_dirs)}")


def _criteria(value: str | None) -> Path:
    """``resolve_criteria``, then say on stderr which folders will be read."""
    path = resolve_criteria(value)
    _echo_err(announce_sources(path))
    return path


def _limits(max_criteria_mb: float, max_depth: int):
    """The criteria limits from the flags; a value that is not a sensible limit is misuse."""
    import math

    from engine.language.limits import MAX_DEPTH_CEILING, Limits

    if not (math.isfinite(max_criteria_mb) and 0 < max_criteria_mb <= 1024):
        raise UsageError(f"--max-criteria-mb {max_criteria_mb:g}: give a size in MB "
                         "above 0 and at most 1024")
    if not 1 <= max_depth <= MAX_DEPTH_CEILING:
        raise UsageError(f"--max-depth {max_depth}: give a depth from 1 to {MAX_DEPTH_CEILING}")
    return Limits(max_file_mb=max_criteria_mb, max_depth=max_depth)


def criteria_limits(command):
    """The two criteria limits (issue 19) as options of a command that reads criteria."""
    from engine.language.limits import DEFAULT_MAX_DEPTH, DEFAULT_MAX_FILE_MB

    command = click.option(
        "--max-depth", type=int, default=DEFAULT_MAX_DEPTH, show_default=True,
        help="Refuse a condition or test evidence nested deeper than this (at most 200).",
    )(command)
    return click.option(
        "--max-criteria-mb", type=float, default=DEFAULT_MAX_FILE_MB, show_default=True,
        help="Refuse a .crit file larger than this many megabytes.")(command)


def evidence_options(command):
    """How evidence is read and shown, as options of a command that writes reports."""
    for option in reversed((
        click.option("--lenient", is_flag=True,
                     help="Treat invalid documents as not provided and list their problems."),
        click.option("--include-sensitive", is_flag=True,
                     help="Quote fields marked x-sensitive in the outputs."),
        click.option("--suppress-below", type=int, default=10, show_default=True,
                     help="Show counts of people below this as 'fewer than N' in reports."),
        click.option("--max-file-mb", type=MEGABYTES, default=50.0, show_default=True,
                     help="Refuse an evidence file larger than this many megabytes."))):
        command = option(command)
    return command


_CODE = __import__("re").compile(r"[EeWw]\d{3}")


def _explain_code(code: str) -> int:
    from engine.diagnostics import CODE_TABLE, explain_code

    text = explain_code(code)
    if text is None:
        raise UsageError(f"{code}: no such code; the codes are {', '.join(CODE_TABLE)} "
                         "(docs/codes.md lists them all)")
    click.echo(text)
    return 0


class _Group(click.Group):
    """The top-level group: its command list shows each description whole, never cut."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
# ---------------------------------------------------------------- output safety (batchout)

# Exit status when the reader of our output went away (`wellled test | head -1`): what a
# program stopped by SIGPIPE reports to the shell (128 + 13), without a message.
PIPE_CLOSED = 141


def _pipe_closed() -> int:
    """The reader of stdout has gone: stop quietly. Point stdout at /dev/null so that the
    final flush at exit does not complain again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return PIPE_CLOSED


class _Megabytes(click.ParamType):
    """A file-size limit in megabytes: a finite number above 0 and at most 10,000."""

    name = "megabytes"
    maximum = 10_000.0

    def convert(self, value, param, ctx):
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of megabytes", param, ctx)
        if not (0 < number <= self.maximum):      # also refuses nan and inf
            self.fail(f"{value} must be a number of megabytes above 0 and at most "
                      f"{self.maximum:,.0f}", param, ctx)
        return number


class _Seconds(click.ParamType):
    """A time limit in seconds: a finite number above 0."""

    name = "seconds"

    def convert(self, value, param, ctx):
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not (0 < number < 10**9):
            self.fail(f"{value} must be a number of seconds above 0", param, ctx)
        return number


MEGABYTES = _Megabytes()
SECONDS = _Seconds()


def _assess_target(out: str | None, bundle_dir: Path) -> Path:
    """Where `assess` writes: ``-o``, else ``wellled-out/<bundle name>`` here, or beside the
    bundle when here is inside it. The engine never writes into a bundle."""
    bundle_real = bundle_dir.resolve()
    if out:
        target = Path(out)
        real = target.resolve()
        if real == bundle_real or real.is_relative_to(bundle_real):
            raise UsageError(f"-o {printable(out)} is inside the bundle; wellled never writes "
                             "into a bundle: give a folder outside it")
        return target
    target = Path("wellled-out") / _bundle_name(bundle_dir)
    if target.resolve().is_relative_to(bundle_real):
        target = bundle_real.parent / "wellled-out" / _bundle_name(bundle_dir)
    return target


def _run(action, writes: bool = True) -> int:
    """Call ``action`` and turn the engine's errors into messages and exit codes.

    ``writes``: the command writes outputs, so a refusal says that nothing was written.
    """
    try:
        return action() or 0
    except CriteriaError as err:
        _echo_diagnostics(err.diagnostics)
        errors = len(err.diagnostics.errors)
        _echo_err(f"{errors} error{'s' if errors != 1 else ''}: the criteria cannot be used")
        return 1
    except BundleError as err:
        for problem in err.details:     # each problem's line, then its source line and help
            _echo_err(problem)
        count = len(err.problems)
        _echo_err(f"{count} problem{'s' if count != 1 else ''} in the evidence bundle"
                  + ("; nothing was written" if writes else ""))
        return 1
    except UsageError as err:
        _echo_err(f"wellled: {err}")
        return 2
    except WellledError as err:
        _echo_err(f"wellled: {err}")
        return err.exit_code
    except RecursionError:  # a safety net: limits.py keeps criteria well below this
        if os.environ.get("WELLLED_DEBUG"):
            raise
        _echo_err("wellled: the input nests too deeply to be handled (more deeply than "
                  "--max-depth should allow); lower --max-depth, or split the deepest "
                  "condition into `let` names")
        return 1
    except BrokenPipeError:
        return _pipe_closed()
    except Exception as err:  # a bug in wellled: one line, the traceback only on request
        if os.environ.get("WELLLED_DEBUG"):
            raise
        _echo_err(f"wellled: internal error: {type(err).__name__}: {err}. This is a bug in "
                  "wellled, not in your input; please report it with the command you ran "
                  "(set WELLLED_DEBUG=1 to see the traceback)")
        return 70


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="wellled",
                      help="Show the version and exit.")
def cli() -> None:
    """wellled: developmental well-led assessments, traceable to criteria and evidence.

    Every command that reads criteria says on stderr which criteria folder and
    which evidence schema folders it read. `wellled explain E040` explains a
    problem code; docs/codes.md lists them all.
    """


# ---------------------------------------------------------------- the language


@cli.command()
@click.argument("criteria", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True,
              help="text: messages on stderr; json: a list of problems on stdout.")
@click.option("--strict", is_flag=True, help="Treat warnings as problems (exit 1).")
@click.option("--explain", "code", metavar="CODE",
              help="Print the longer explanation of a problem code (E040) and stop.")
@criteria_limits
def check(criteria: str | None, fmt: str, strict: bool, code: str | None,
          max_criteria_mb: float, max_depth: int) -> None:
    """Parse and check a criteria set (a folder); problems go to stderr."""
    from engine.language.check import check_set

    def action() -> int:
        if code is not None:
            return _explain_code(code)
        limits = _limits(max_criteria_mb, max_depth)
        checked, diags = check_set(_criteria(criteria), limits)
        items = diags.sorted()
        if fmt == "json":
            click.echo(json.dumps([d.to_json() for d in items], indent=2, sort_keys=True))
        elif items:
            _echo_diagnostics(diags)
        errors, warnings = len(diags.errors), len(diags.warnings)
        if fmt == "text":
            if errors or warnings:
                _echo_err(f"{errors} error{'s' if errors != 1 else ''}, "
                          f"{warnings} warning{'s' if warnings != 1 else ''}")
            else:
                _echo_err("no problems found")
        return 1 if errors or (strict and warnings) else 0

    sys.exit(_run(action))


@cli.command()
@click.argument("criteria", required=False)
@click.option("--format", "fmt", type=click.Choice(["dot", "mermaid", "json"]), default="dot",
              show_default=True, help="Graphviz dot, a Mermaid diagram, or JSON.")
@criteria_limits
def graph(criteria: str | None, fmt: str, max_criteria_mb: float, max_depth: int) -> None:
    """Print the dependency graph of a criteria set."""
    from engine.language.check import check_set
    from engine.language.graph import render_graph

    def action() -> int:
        checked, diags = check_set(_criteria(criteria), _limits(max_criteria_mb, max_depth))
        if checked is None:
            raise CriteriaError(diags)
        click.echo(render_graph(checked.graph, fmt))
        return 0

    sys.exit(_run(action))


@cli.command()
@click.argument("criteria", required=False)
@click.option("--check", "check_only", is_flag=True,
              help="Change nothing; exit 1 if any file is not in canonical layout.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Show each change as a unified diff (with --check, nothing is written).")
@criteria_limits
def fmt(criteria: str | None, check_only: bool, show_diff: bool, max_criteria_mb: float,
        max_depth: int) -> None:
    """Rewrite .crit files in the canonical layout (comments kept)."""
    from engine.app.fmt import diff_lines, format_files

    def action() -> int:
        limits = _limits(max_criteria_mb, max_depth)
        changed = format_files(_criteria(criteria), write=not check_only, limits=limits)
        colour = colour_wanted(sys.stdout)
        for change in changed:
            click.echo(f"{'would reformat' if check_only else 'reformatted'} {change.name}")
            if show_diff:
                for line, style in diff_lines(change):
                    click.echo(click.style(line, fg=style) if style and colour else line,
                               nl=False, color=colour)
        return 1 if check_only and changed else 0

    sys.exit(_run(action))


@cli.command(name="test")
@click.argument("criteria", required=False)
@click.option("--junit", type=click.Path(dir_okay=False), help="Also write JUnit XML here.")
@click.option("--coverage", is_flag=True,
              help="Report which rungs and caps were seen true, false and unknown.")
@criteria_limits
def test_cmd(criteria: str | None, junit: str | None, coverage: bool, max_criteria_mb: float,
             max_depth: int) -> None:
    """Run the criteria set's own `test` blocks."""
    from engine.api import load_criteria
    from engine.app.criteria_tests import run_criteria_tests, write_junit

    def action() -> int:
        limits = _limits(max_criteria_mb, max_depth)
        compiled = load_criteria(_criteria(criteria), limits)
        report, text = run_criteria_tests(compiled, coverage=coverage)
        click.echo(text)
        if junit:
            write_junit(report, Path(junit))
        return 0 if report.ok else 1

    sys.exit(_run(action))


# ---------------------------------------------------------------- evidence


@cli.command()
@click.argument("bundle")
@click.option("--criteria", help="Criteria directory or shipped set (default cqc_well_led).")
@click.option("--max-file-mb", type=MEGABYTES, default=50.0, show_default=True,
              help="Refuse an evidence file larger than this many megabytes.")
@criteria_limits
def validate(bundle: str, criteria: str | None, max_file_mb: float, max_criteria_mb: float,
             max_depth: int) -> None:
    """Validate an evidence bundle against the evidence schemas; exit 0 or 1."""
    from engine.api import load_criteria
    from engine.evidence.bundle import load_bundle

    def action() -> int:
        limits = _limits(max_criteria_mb, max_depth)
        compiled = load_criteria(_criteria(criteria), limits)
        if _is_workbook(Path(bundle)):
            from engine.evidence.workbook import load_workbook_bundle

            loaded, _ = load_workbook_bundle(Path(bundle), compiled.schemas,
                                             max_file_mb=max_file_mb)
            click.echo(f"{bundle}: valid")
            return 0
        loaded = load_bundle(_bundle_dir(bundle), compiled.schemas, max_file_mb=max_file_mb)
        click.echo(f"{printable(bundle)}: valid ({len(loaded.files)} files read)")
        for path in loaded.unused:
            click.echo(f"{printable(bundle)}/{printable(path)}: unused: matches no evidence "
                       "type of the criteria")
        return 0

    sys.exit(_run(action, writes=False))


@cli.command()
@click.argument("bundle")
@click.option("--criteria", help="Criteria directory or shipped set (default cqc_well_led).")
@click.option("--force", is_flag=True,
              help="Add templates to a folder that already holds a bundle (never overwrites).")
@criteria_limits
def init(bundle: str, criteria: str | None, force: bool, max_criteria_mb: float,
         max_depth: int) -> None:
    """Create a new bundle: bundle.yaml and a commented template per evidence type."""
    from engine.api import load_criteria
    from engine.app.init import init_bundle, next_steps

    def action() -> int:
        limits = _limits(max_criteria_mb, max_depth)
        compiled = load_criteria(_criteria(criteria), limits)
        written, kept = init_bundle(Path(bundle), compiled, force=force)
        for path in written:
            click.echo(f"created {path}")
        for path in kept:
            click.echo(f"kept {path} (it exists; init never overwrites)")
        click.echo("")
        for line in next_steps(bundle, criteria):
            click.echo(line)
        return 0

    sys.exit(_run(action))


# ---------------------------------------------------------------- judgements


@cli.command()
@click.argument("bundle")
@click.option("--criteria", help="Criteria directory or shipped set (default cqc_well_led).")
@click.option("-o", "--out", help="Output folder (default wellled-out/<bundle folder name>).")
@click.option("--format", "formats", default="json,html,md", show_default=True,
              help="Comma-separated: json, html, md, pdf, xlsx.")
@click.option("--since", type=click.Path(),
              help="An earlier result.json (or its output folder): show each judgement's "
                   "change since then.")
@evidence_options
@criteria_limits
def assess(bundle: str, criteria: str | None, out: str | None, formats: str, since: str | None,
           lenient: bool, include_sensitive: bool, suppress_below: int, max_file_mb: float,
           max_criteria_mb: float, max_depth: int) -> None:
    """Assess one evidence bundle and write result.json, report.html, report.md."""
    from engine.api import assess_bundle, load_criteria, write_outputs
    from engine.options import AssessOptions

    def action() -> int:
        from engine.app.write import check_output_folder

        chosen = _formats(formats, ("json", "html", "md", "pdf", "xlsx"))
        if "pdf" in chosen:
            from engine.output.pdf import require

            require()
        bundle_dir = _bundle_dir(bundle)
        target = check_output_folder(_assess_target(out, bundle_dir))
        previous = _previous(since)
        options = AssessOptions(lenient=lenient, include_sensitive=include_sensitive,
                                suppress_below=suppress_below, max_file_mb=max_file_mb)
        limits = _limits(max_criteria_mb, max_depth)
        compiled = load_criteria(_criteria(criteria), limits)
        result = assess_bundle(compiled, bundle_dir, options)
        if previous is not None:
            from engine.output.compare import compare

            result["since"] = compare(previous, result)
        written = write_outputs(result, target, chosen, options)
        for line in set_aside_lines(result):
            _echo_err(printable(line))
        click.echo(printable(_headline(result)))      # a name cannot forge a line
        for line in _concern_lines(result):
            click.echo(printable(line))
        if previous is not None:
            click.echo(f"since {result['since']['previous']['date'] or printable(since)}: "
                       f"{result['since']['lead']}")
        for path in written:
            click.echo(f"wrote {printable(str(path))}")
        return 0

    sys.exit(_run(action))


def _previous(since: str | None) -> dict | None:
    """The earlier result named by ``assess --since``, read before any work is done."""
    if since is None:
        return None
    from engine.output.compare import load_previous

    return load_previous(since)


def set_aside_lines(result: dict) -> list[str]:
    """``--lenient``: one line per evidence file it set aside, with the reason."""
    name = result["bundle"].get("name") or "bundle"
    lines = []
    for entry in result["bundle"].get("set_aside", []):
        reasons = entry["reasons"]
        more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
        why = f": {reasons[0]}{more}" if reasons else ""
        lines.append(f"set aside as not provided (--lenient): {name}/{entry['path']}{why}")
    return lines


def _concern_lines(result: dict) -> list[str]:
    """One line per raised concern at the root: something to talk about, never averaged away."""
    root = result["results"].get(result["framework"]["root"], {})
    nodes = result["results"]
    return [f"  concern to discuss: {c['text']} ({nodes.get(c['node'], {}).get('title', c['node'])})"
            for c in root.get("concerns", [])]


def _headline(result: dict) -> str:
    """The assess summary line: the root's judgement with its range, status and coverage."""
    from engine.output.explain import judgement_line

    root = result["framework"]["root"]
    nodes = result["results"]
    top = nodes.get(root)
    name = result["bundle"]["provider"].get("name") or result["bundle"].get("name")
    if top is None:
        return f"{name}: {root}: not assessed"
    return f"{name}: {top['title']}: {judgement_line(top, nodes)}"


@cli.command()
@click.argument("bundle", metavar="BUNDLE NODE | CODE")
@click.argument("node", required=False, metavar="")
@click.option("--criteria", help="Criteria directory or shipped set (default cqc_well_led).")
@click.option("--lenient", is_flag=True,
              help="Treat invalid documents as not provided and list their problems.")
@click.option("--include-sensitive", is_flag=True,
              help="Quote fields marked x-sensitive in the trace.")
@criteria_limits
def explain(bundle: str, node: str | None, criteria: str | None, lenient: bool,
            include_sensitive: bool, max_criteria_mb: float, max_depth: int) -> None:
    """Show the whole trace of one judgement, or explain a problem code (E040).

    `wellled explain BUNDLE NODE` shows rungs, caps, values read and arithmetic
    for one criterion, statement or key question of one bundle.
    `wellled explain E040` prints what a problem code means and how to fix it.
    """
    from engine.api import assess_bundle, load_criteria
    from engine.options import AssessOptions
    from engine.output.explain import explain_text

    def action() -> int:
        if node is None:
            if _CODE.fullmatch(bundle):
                return _explain_code(bundle)
            raise UsageError(f"explain {bundle}: give a bundle folder and a node id "
                             "(`wellled explain BUNDLE NODE`), or a problem code "
                             "(`wellled explain E040`)")
        limits = _limits(max_criteria_mb, max_depth)
        compiled = load_criteria(_criteria(criteria), limits)
        options = AssessOptions(lenient=lenient, include_sensitive=include_sensitive)
        result = assess_bundle(compiled, _bundle_dir(bundle), options)
        click.echo(explain_text(result, node))
        return 0

    sys.exit(_run(action))


@cli.command()
@click.argument("root")
@click.option("--criteria", help="Criteria directory or shipped set (default cqc_well_led).")
@click.option("-o", "--out", default="wellled-out", show_default=True,
              help="Output folder: one folder per bundle, summary.csv and index.html.")
@click.option("--jobs", type=int, default=1, show_default=True,
              help="How many bundles to assess at once.")
@click.option("--format", "formats", default="json,html,md", show_default=True,
              help="Comma-separated: json, html, md.")
@click.option("--since", type=click.Path(file_okay=False),
              help="An earlier batch output: show each node's change since then.")
@evidence_options
@click.option("--timeout", type=SECONDS, default=600.0, show_default=True,
              help="Seconds one bundle may take; a bundle taking longer fails, the rest go on.")
def batch(root: str, criteria: str | None, out: str, jobs: int, formats: str,
          since: str | None, lenient: bool, include_sensitive: bool,
          suppress_below: int, max_file_mb: float, timeout: float) -> None:
    """Assess every bundle under ROOT in parallel; write summary.csv and index.html."""
    from engine.app.batch import run_batch
    from engine.app.write import check_output_folder
    from engine.options import AssessOptions

    def action() -> int:
        if jobs < 1:
            raise UsageError("--jobs must be 1 or more")
        root_dir = Path(root)
        if not root_dir.is_dir():
            raise UsageError(f"{root}: no such folder")
        out_dir = Path(out)
        if out_dir.exists() and not out_dir.is_dir():
            check_output_folder(out_dir)          # says what is in the way
        options = AssessOptions(lenient=lenient, include_sensitive=include_sensitive,
                                suppress_below=suppress_below, max_file_mb=max_file_mb)
        summary = run_batch(root_dir, _criteria(criteria), out_dir, jobs=jobs,
                            formats=_formats(formats, ("json", "html", "md", "xlsx")),
                            options=options, since=Path(since) if since else None,
                            progress=sys.stderr.isatty(), echo=_echo_err, timeout=timeout)
        for name, problem in summary.failed:
            _echo_err(f"failed: {printable(name)}: {printable(problem)}")
        click.echo(f"{summary.done} bundles assessed, {len(summary.failed)} failed, "
                   f"{len(summary.skipped)} folders skipped; summary in "
                   f"{printable(str(summary.out))}")
        return 1 if summary.failed else 0

    sys.exit(_run(action))


# ---------------------------------------------------------------- spreadsheets


def _is_workbook(path: Path) -> bool:
    from engine.evidence.workbook import is_workbook

    return is_workbook(path)


def _bundle_name(path: Path) -> str:
    """The name of a bundle's output folder: its folder's name, or a workbook's without .xlsx."""
    return path.stem if _is_workbook(path) else path.resolve().name


@cli.command()
@click.argument("out")
@click.option("--criteria", help="Criteria directory or shipped set (default cqc_well_led).")
@click.option("--from", "from_bundle", help="Fill the workbook with this bundle folder's evidence.")
@click.option("--max-file-mb", type=MEGABYTES, default=50.0, show_default=True,
              help="Refuse an evidence file larger than this many megabytes.")
@criteria_limits
def template(out: str, criteria: str | None, from_bundle: str | None, max_file_mb: float,
             max_criteria_mb: float, max_depth: int) -> None:
    """Write an evidence workbook (.xlsx) to fill in: one sheet per evidence type."""
    from engine.api import load_criteria
    from engine.app.workbooks import make_template

    def action() -> int:
        limits = _limits(max_criteria_mb, max_depth)
        compiled = load_criteria(_criteria(criteria), limits)
        source = _bundle_dir(from_bundle) if from_bundle else None
        if source is not None and _is_workbook(source):
            raise UsageError(f"--from {from_bundle}: give a bundle folder (the workbook "
                             "already is one)")
        sheets = make_template(Path(out), compiled, source, max_file_mb)
        filled = f", filled from {from_bundle}" if from_bundle else ""
        click.echo(f"wrote {out} ({sheets} sheets{filled})")
        return 0

    sys.exit(_run(action))


@cli.command(name="import")
@click.argument("workbook")
@click.argument("out")
@click.option("--criteria", help="Criteria directory or shipped set (default cqc_well_led).")
@click.option("--lenient", is_flag=True,
              help="Leave invalid documents out, list their problems, write the rest.")
@click.option("--max-file-mb", type=MEGABYTES, default=50.0, show_default=True,
              help="Refuse a workbook larger than this many megabytes.")
@criteria_limits
def import_cmd(workbook: str, out: str, criteria: str | None, lenient: bool,
               max_file_mb: float, max_criteria_mb: float, max_depth: int) -> None:
    """Turn an evidence workbook (.xlsx) into a bundle folder of YAML files."""
    from engine.api import load_criteria
    from engine.app.workbooks import import_workbook

    def action() -> int:
        path = Path(workbook)
        if not _is_workbook(path):
            raise UsageError(f"{workbook}: give an Excel workbook (.xlsx)")
        limits = _limits(max_criteria_mb, max_depth)
        compiled = load_criteria(_criteria(criteria), limits)
        written, problems = import_workbook(path, Path(out), compiled, lenient=lenient,
                                            max_file_mb=max_file_mb)
        for problem in problems:
            _echo_err(f"left out: {problem}")
        click.echo(f"wrote {out} ({len(written)} files)")
        return 0

    sys.exit(_run(action))


# ---------------------------------------------------------------- criteria changes (diff, table)


@cli.command()
@click.argument("old")
@click.argument("new")
@click.argument("bundles_root", required=False)
@click.option("-o", "--out", default="wellled-out/diff", show_default=True,
              help="Folder for diff.md, diff.html and diff.json.")
@click.option("--format", "formats", default="md,html,json", show_default=True,
              help="Comma-separated: md, html, json.")
@click.option("--fail-on-change", is_flag=True,
              help="Exit 1 when anything differs (for a release check).")
@click.option("--jobs", type=int, default=1, show_default=True,
              help="Worker processes assessing bundles.")
@click.option("--lenient", is_flag=True,
              help="Treat invalid documents as not provided.")
@click.option("--max-file-mb", type=MEGABYTES, default=50.0, show_default=True,
              help="Refuse an evidence file larger than this many megabytes.")
def diff(old: str, new: str, bundles_root: str | None, out: str, formats: str,
         fail_on_change: bool, jobs: int, lenient: bool, max_file_mb: float) -> None:
    """Show what a criteria change does: the criteria node by node, and with BUNDLES_ROOT
    every bundle's judgements under both versions. OLD and NEW are criteria folders or
    shipped set names."""
    from engine.options import AssessOptions
    from engine.app.diff import FORMATS, run_diff, write_diff
    from engine.words import printable

    def action() -> int:
        chosen = _formats(formats, FORMATS)
        if jobs < 1:
            raise UsageError("--jobs must be 1 or more")
        root = None
        if bundles_root is not None:
            root = Path(bundles_root)
            if not root.is_dir():
                raise UsageError(f"{bundles_root}: no such folder; give the folder that "
                                 "holds the evidence bundles")
        options = AssessOptions(lenient=lenient, max_file_mb=max_file_mb)
        doc = run_diff(_criteria(old), _criteria(new), root, jobs=jobs,
                       options=options, progress=sys.stderr.isatty(), echo=_echo_err,
                       skip=Path(out))
        written = write_diff(doc, Path(out), chosen)
        crit = doc["criteria"]
        line = (f"{crit['rule_changes']} rule change{'s' if crit['rule_changes'] != 1 else ''}, "
                f"{crit['wording_changes']} wording change"
                f"{'s' if crit['wording_changes'] != 1 else ''}")
        if doc["results"] is not None:
            res = doc["results"]
            line += f"; {res['moved']} of {res['bundles']} bundles move"
            for name in res["failing"]["new_only"]:
                _echo_err(f"no longer assessable under {new}: {printable(name)}")
            for name in res["failing"]["old_only"]:
                _echo_err(f"assessable only under {new}: {printable(name)}")
        click.echo(line if doc["differs"] else line + "; nothing differs")
        for path in written:
            click.echo(f"wrote {path}")
        return 1 if fail_on_change and doc["differs"] else 0

    sys.exit(_run(action))


@cli.command()
@click.argument("criteria", required=False)
@click.option("-o", "--out", default="wellled-out/table", show_default=True,
              help="Folder for table.md, table.html and table.csv.")
@click.option("--format", "formats", default="md,html,csv", show_default=True,
              help="Comma-separated: md, html, csv.")
def table(criteria: str | None, out: str, formats: str) -> None:
    """List every criterion with its statement, category, each level's condition in words
    and its advice, caps, concerns and source: the view a policy board signs off."""
    from engine.api import load_criteria
    from engine.app.table import FORMATS, write_table

    def action() -> int:
        chosen = _formats(formats, FORMATS)
        compiled = load_criteria(_criteria(criteria))
        for path in write_table(compiled.checked, Path(out), chosen):
            click.echo(f"wrote {path}")
        return 0

    sys.exit(_run(action))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``wellled`` console script."""
    try:
        cli.main(args=argv, prog_name="wellled", standalone_mode=True)
    except BrokenPipeError:
        return _pipe_closed()
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 2)
    return 0
