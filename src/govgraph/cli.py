"""The `govgraph` command. Thin: parse arguments, call the library, print, map errors to exit codes.

Exit codes: 0 ok; 1 the data does not conform; 2 bad input (a curated file, a query, an argument);
3 an external service failed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from functools import wraps
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from govgraph import __version__
from govgraph.core import formats
from govgraph.core.errors import ConformanceError, DataError, GovGraphError, StoreError, UsageError
from govgraph.core.resources import default_data_dir
from govgraph.curated.model import BASELINE, as_of_day

out_console = Console()
err_console = Console(stderr=True)


def parse_as_of(value: str | None) -> dt.date:
    """`--as-of`: `2016` → 30 June 2016; `2024-03-01` → that day (`model.as_of_day`)."""
    try:
        return as_of_day(value)
    except UsageError as exc:
        raise click.BadParameter(str(exc)) from None


def build_as_of(value: str | None, out_dir: Path) -> dt.date:
    """`--as-of` when given, else the date the build in OUT was made for (so every command that
    reads a build shows the same picture), else the 2016 baseline."""
    if value is not None:
        return parse_as_of(value)
    try:
        return dt.date.fromisoformat(json.loads((Path(out_dir) / "build.json").read_text(encoding="utf-8"))["as_of"])
    except (OSError, ValueError, KeyError, TypeError):
        return BASELINE


def handle_errors(func):
    """Turn library exceptions into a message on stderr and the documented exit code."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DataError as exc:
            for problem in exc.problems:
                err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
            err_console.print(f"[bold red]{len(exc.problems)} problem(s) in the curated data; nothing was written.[/]")
            sys.exit(exc.exit_code)
        except GovGraphError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            sys.exit(exc.exit_code)

    return wrapper


data_option = click.option(
    "--data", "data_dir", type=click.Path(path_type=Path), default=None,
    help="Folder with the curated YAML (default: ./graph if present, else the dataset shipped with govgraph).")
out_option = click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"), show_default=True,
    help="Folder of the build.")
as_of_option = click.option(
    "--as-of", "as_of", default=None, metavar="YEAR|DATE",
    help="The date of the picture to analyse and map (a year means 30 June). Default: 2016 (the OECD baseline).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="govgraph")
def cli() -> None:
    """govgraph: a knowledge graph of digital-government governance arrangements."""


# -- reasoning and validation -------------------------------------------------------------
strict_option = click.option("--strict", is_flag=True, default=False,
                             help="Fail on SHACL warnings and warning checks too, not only on violations.")


def print_quality(quality: dict, report: str = "see validation.md") -> None:
    """The build summary's reasoning and validation section; `report` says where the full report is."""
    if not quality:
        return
    runs = quality.get("reasoning", [])
    if runs:
        seconds = sum(r["seconds"] for r in runs)
        cached = sum(1 for r in runs if r.get("cached"))
        out_console.print(f"[green]reasoning[/] (HermiT): {len(runs)} run(s)"
                          f"{f' ({cached} unchanged since the last build, reused)' if cached else ''}, "
                          f"{sum(r['inferred_triples'] for r in runs)} inferred triples in {seconds:.1f} s")
        for r in runs:
            keys = ("LeadBody", "EmpoweredLeadBody", "LeadBodyWithoutKeyLever", "LeadBodyWithLegalBasis")
            shown = ", ".join(f"{k} {r['classes'][k]}" for k in keys if r["classes"].get(k))
            out_console.print(f"  {r['label']}: {shown or 'no lead-body classes inferred'}", highlight=False)
    style = "red" if quality["violations"] else "yellow" if quality["warnings"] else "green"
    out_console.print(f"[{style}]validation[/]: {quality['violations']} violation(s), {quality['warnings']} "
                      f"warning(s) — shapes over {quality['graphs_validated']} graph(s), {quality['checks']} "
                      f"check(s); {report}")


@cli.command()
@data_option
@out_option
@as_of_option
@strict_option
@handle_errors
def build(data_dir: Path | None, out_dir: Path, as_of: str | None, strict: bool) -> None:
    """Build every graph, the store and the reports into OUT (the main job)."""
    from govgraph.pipeline import run_build

    day = parse_as_of(as_of)
    data_dir = data_dir or default_data_dir()
    if err_console.is_terminal:  # a spinner that names the step
        with err_console.status("Building…") as status:
            summary = run_build(data_dir, out_dir, as_of=day, progress=lambda step: status.update(step + "…"),
                                strict=strict)
    else:  # a log: one line per step, as it starts
        summary = run_build(data_dir, out_dir, as_of=day, strict=strict,
                            progress=lambda step: err_console.print(f"{step}…", highlight=False))
    table = Table(title=f"govgraph build — as of {summary.as_of.isoformat()}")
    rows = summary.coverage["countries"]
    columns = {"country": "country", "institutions": "institutions", "coordination_bodies": "co-ord.",
               "memberships": "members", "levers": "levers", "legal_instruments": "laws", "facts": "facts",
               "uncertain": "uncertain", "known_gaps": "gaps"}  # short headings: fits 80 columns
    for key, heading in columns.items():
        table.add_column(heading, justify="left" if key == "country" else "right")
    for row in rows:
        table.add_row(*(str(row[c]) for c in columns))
    out_console.print(table)
    out_console.print(f"{len(summary.graphs)} named graphs, {summary.quads} quads → {summary.out}")
    print_quality(summary.quality)
    slowest = sorted(summary.steps.items(), key=lambda kv: -kv[1])
    out_console.print("time: " + ", ".join(f"{step.lower().rstrip('…')} {secs:.1f} s" for step, secs in slowest)
                      + f" (total {sum(summary.steps.values()):.1f} s)", highlight=False)
    _ENDS_AT_ONCE.append(True)


@cli.command()
@data_option
@as_of_option
@strict_option
@click.option("--shapes-only", is_flag=True, help="Only the SHACL shapes and the checks (no reasoner).")
@click.option("--reason-only", is_flag=True, help="Only the reasoner (consistency and inferences).")
@click.option("--data-only", is_flag=True, help="Only load and check the curated files (fastest).")
@handle_errors
def validate(data_dir: Path | None, as_of: str | None, strict: bool, shapes_only: bool, reason_only: bool,
             data_only: bool) -> None:
    """Check the data without writing anything: the curated files, the reasoner (consistency), the
    SHACL shapes and queries/checks. Exit 1 when the data does not conform."""
    from govgraph.curated.loader import load
    from govgraph.pipeline import run_validate

    if shapes_only and reason_only:
        raise click.UsageError("--shapes-only and --reason-only exclude each other")
    data_dir = data_dir or default_data_dir()
    if data_only:
        dataset = load(data_dir)
        out_console.print(
            f"[green]ok[/]: {len(dataset.countries)} countries, {len(dataset.scenarios)} scenarios, "
            f"{len(dataset.sources)} sources in {data_dir}")
        return
    with err_console.status("Validating…") as status:
        quality = run_validate(data_dir, as_of=parse_as_of(as_of), reasoning=not shapes_only,
                               shapes=not reason_only, checks=not reason_only,
                               progress=lambda step: status.update(step + "…"))
    for finding in sorted(set(quality.report.findings), key=lambda f: (f.severity != "violation", f)):
        style = "red" if finding.severity == "violation" else "yellow"
        out_console.print(f"[{style}]{finding.severity}[/]", str(finding).split(": ", 1)[-1]
                          if not finding.origin else str(finding), markup=True, highlight=False, soft_wrap=True)
    print_quality(quality.counts(), report=f"data in {data_dir} (every finding is listed above; "
                                           "`govgraph build` writes them to validation.md)")
    quality.report.raise_if_fails(strict)


@cli.command()
@data_option
@as_of_option
@click.option("--format", "fmt", type=click.Choice(formats.names("report")), default="md", show_default=True)
@handle_errors
def coverage(data_dir: Path | None, as_of: str | None, fmt: str) -> None:
    """How complete the curated data is: records per country, facts by confidence, and the standard
    cast of every country on each cast date (filled / searched, not found / unknown)."""
    from govgraph.curated.loader import load
    from govgraph.exports import coverage

    report = coverage.coverage(load(data_dir or default_data_dir()), parse_as_of(as_of))
    writer = {"md": coverage.to_markdown, "csv": coverage.to_csv, "json": coverage.to_json}[fmt]
    sys.stdout.write(writer(report).decode("utf-8"))


# -- analyse / compare --------------------------------------------------------------------

def _scenario_key(scenario: str | None, phase: int | None) -> str | None:
    """--scenario and --phase as the one key the store and the analysis take."""
    if phase is None:
        return scenario
    if scenario is None:
        raise UsageError("--phase needs --scenario: the phase of which scenario's roadmap?")
    from govgraph.core.iris import phase_key

    return phase_key(scenario, phase)


_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "dim"}


@cli.command()
@click.argument("country")
@click.option("--scenario", default=None, metavar="ID", help="Analyse this scenario's arrangement instead of the baseline.")
@click.option("--phase", default=None, type=click.IntRange(min=1), metavar="N",
              help="With --scenario: the picture after phase N of its roadmap (from 1).")
@as_of_option
@out_option
@handle_errors
def analyse(country: str, scenario: str | None, phase: int | None, as_of: str | None, out_dir: Path) -> None:
    """Show where co-ordination is weak in COUNTRY (an ISO code such as CL) and write its report to
    OUT/analysis/ (one per country, date, scenario and phase)."""
    from govgraph.analysis import run
    from govgraph.store.embedded import open_store

    if not re.fullmatch(r"[A-Za-z]{2}", country):
        raise UsageError(f"{country!r} is not an ISO 3166-1 alpha-2 country code such as CL")
    scenario = _scenario_key(scenario, phase)
    day = build_as_of(as_of, out_dir)
    db = open_store(out_dir)
    from govgraph.analysis import projection

    known = projection.countries(db)
    if country.lower() not in known:
        raise UsageError(f"no country {country.upper()} in the build at {out_dir} "
                         f"(known: {', '.join(c.upper() for c in sorted(known))})")
    result = run.analyse_one(db, country, as_of=day, scenario=scenario)
    written = run.write_one(out_dir / "analysis", result, dated=day != build_as_of(None, out_dir))
    ind, method = result.indicators, result.metrics.betweenness_method
    out_console.print(f"[bold]{country.upper()}{' / ' + scenario if scenario else ''}[/] as of {day.isoformat()}: "
                      f"lead body {ind['lead_label'] or 'none'}; {ind['nodes']} bodies, {ind['edges']} ties; "
                      f"betweenness {method['method']}", highlight=False)
    for f in result.findings:
        out_console.print(f"[{_SEVERITY_STYLE[f.severity]}]{f.severity:>6}[/] ", end="")
        out_console.print(f"{f.id}: {f.statement}", markup=False, highlight=False)
    out_console.print(f"{len(result.findings)} finding(s) → {written[0]}", highlight=False)


@cli.command()
@as_of_option
@out_option
@handle_errors
def compare(as_of: str | None, out_dir: Path) -> None:
    """Rank all countries on the same indicators; scenario deltas; write OUT/analysis/."""
    from govgraph.analysis import run
    from govgraph.store.embedded import open_store

    day = build_as_of(as_of, out_dir)
    db = open_store(out_dir)
    result = run.analyse_all(db, as_of=day)
    folder = out_dir / "analysis"
    run.write_compare(folder, result.comparison)
    run.write_scenarios(folder, result.deltas)
    table = Table(title=f"govgraph compare — as of {day.isoformat()} (rank in brackets, 1 = strongest)")
    names = ("lead_betweenness_rank", "lead_degree", "reach", "lead_key_levers", "key_levers_misaligned",
             "components", "findings_high")
    table.add_column("country")
    table.add_column("lead body")
    for n in names:
        table.add_column(n.replace("_", " "), justify="right")
    for row in result.comparison["rows"]:
        ranks = result.comparison["ranks"][row["country"]]
        table.add_row(row["country"], row["lead"],
                      *(f"{run._cell(row.get(n))} ({ranks.get(n) or '–'})" for n in names))
    out_console.print(table)
    for d in result.deltas:
        out_console.print(f"scenario {d['scenario']} ({d['country']}): resolves {len(d['resolved'])}, "
                          f"adds {len(d['added'])} finding(s)", highlight=False)
    out_console.print(f"→ {folder}/compare.{{csv,json,md}}, scenarios.{{csv,json,md}}", highlight=False)


# -- SPARQL: query, serve, push ---------------------------------------------------------

def _remote_options(func):
    """--user/--password/--token for servers behind authentication (or GOVGRAPH_* variables)."""
    func = click.option("--token", envvar="GOVGRAPH_TOKEN", default=None, help="Bearer token (env GOVGRAPH_TOKEN).")(func)
    func = click.option("--password", envvar="GOVGRAPH_PASSWORD", default=None,
                        help="Password for HTTP auth (env GOVGRAPH_PASSWORD); push answers Basic or Digest.")(func)
    func = click.option("--user", envvar="GOVGRAPH_USER", default=None,
                        help="User for HTTP auth (env GOVGRAPH_USER); push answers Basic or Digest.")(func)
    func = click.option("--timeout", type=float, default=60.0, show_default=True,
                        help="Seconds to wait for the server.")(func)
    return func


@cli.command()
@click.argument("name", required=False)
@click.option("--list", "list_", is_flag=True, help="Describe the questions in the library and stop.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A parameter of the question (repeatable).")
@click.option("--format", "fmt", type=click.Choice(formats.names("results")), default="table", show_default=True)
@as_of_option
@click.option("--scenario", default=None, metavar="ID", help="Ask the scenario's graph instead of the countries.")
@click.option("--phase", default=None, type=click.IntRange(min=1), metavar="N",
              help="With --scenario: ask the graph of the picture after phase N of its roadmap.")
@click.option("--endpoint", default=None, metavar="URL", help="A SPARQL 1.1 query endpoint to ask instead of the build's store.")
@_remote_options
@out_option
@handle_errors
def query(name, list_, params, fmt, as_of, scenario, phase, endpoint, timeout, user, password, token, out_dir):
    """Answer a question of the library (NAME) or a .rq file of your own (FILE)."""
    from govgraph.store import embedded, questions, remote

    scenario = _scenario_key(scenario, phase)
    if list_:
        for question in questions.list_questions():
            out_console.print(f"[bold]{question.name}[/] — {question.title}", highlight=False)
            out_console.print(f"  {question.question}", highlight=False, markup=False)
            for p in question.params:
                out_console.print(f"    --param {p.describe()}", highlight=False, markup=False)
        return
    if not name:
        raise click.UsageError("give a question NAME or a .rq FILE (see `govgraph query --list`)")
    question = questions.load_question(name)
    given = questions.parse_param_args(params)
    if as_of is not None:
        day = parse_as_of(as_of)
    elif endpoint or not question.takes_as_of or questions.AS_OF in given:
        day = None  # the question's own default
    else:
        day = build_as_of(None, out_dir)  # the picture the local build was made for
    if endpoint:
        backend = remote.RemoteStore(endpoint, user=user, password=password, token=token, timeout=timeout)
    else:
        backend = embedded.LocalStore(out_dir)
    result = questions.run(question, backend, params=given, as_of=day, scenario=scenario)
    if fmt != "table":
        sys.stdout.buffer.write(questions.serialize(result, fmt))
        sys.stdout.flush()
        return
    bound = ", ".join(f"{k}={questions.display(v)}" for k, v in sorted(result.bindings.items()))
    table = Table(title=question.title, caption=(bound + (f", scenario {scenario}" if scenario else "")) or None)
    for column in result.columns:
        table.add_column(column, overflow="fold")
    cells = [[questions.display(t) for t in row] for row in result.rows]
    for row in cells:
        table.add_row(*row)
    console = out_console
    if not out_console.is_terminal:  # piped: do not fold cells to 80 columns
        widths = [max([len(c)] + [len(line) for row in cells for line in row[i].splitlines()])
                  for i, c in enumerate(result.columns)]
        console = Console(width=max(80, sum(widths) + 3 * len(widths) + 1))
    console.print(table, markup=False, highlight=False)
    err_console.print(f"{len(result.rows)} row(s)", highlight=False)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (0.0.0.0 exposes it to the network).")
@click.option("--port", type=int, default=7878, show_default=True)
@click.option("--timeout", "query_timeout", type=float, default=30.0, show_default=True, help="Seconds a query may run before it is stopped.")
@click.option("--max-rows", type=int, default=100_000, show_default=True, help="Largest result (rows or triples) served.")
@click.option("--workers", type=int, default=4, show_default=True, help="Queries run at the same time (one process each).")
@click.option("--reserved", type=int, default=1, show_default=True,
              help="Extra workers kept for short queries while every regular worker is busy.")
@click.option("--quick", type=float, default=5.0, show_default=True,
              help="Seconds a query may run on a reserved worker.")
@click.option("--max-memory", type=int, default=1024, show_default=True, metavar="MiB",
              help="Memory a query worker may use; a query needing more gets 503.")
@out_option
@handle_errors
def serve(host, port, query_timeout, max_rows, workers, reserved, quick, max_memory, out_dir):
    """A read-only SPARQL 1.1 endpoint at /sparql, a query page, and the site in OUT."""
    from govgraph.serve import app

    server = app.make_server(out_dir, host=host, port=port, timeout=query_timeout, max_rows=max_rows,
                                    workers=workers, reserved=reserved, quick=quick, memory=max_memory * 2**20)
    err_console.print(f"SPARQL endpoint: http://{host}:{server.server_port}/sparql  "
                      f"query page: http://{host}:{server.server_port}/query  (Ctrl-C stops)\n"
                      "Federated queries (SERVICE) are refused; a new build into the same folder is picked "
                      "up without a restart." + ("" if server.pool.isolated else
                                                 "\nNote: this kernel refused the workers a network namespace; "
                                                 "SERVICE is refused by the query check alone."),
                      highlight=False)
    app.run_until_stopped(server)


@cli.command()
@click.option("--endpoint", required=True, metavar="URL",
              help="The server's Graph Store Protocol URL (oxigraph: http://host:7878/store; Fuseki: http://host:3030/ds/data).")
@click.option("--retries", type=int, default=3, show_default=True)
@click.option("--scenarios", is_flag=True,
              help="Also send the scenario graphs (they restate baseline facts: see the warning).")
@_remote_options
@out_option
@handle_errors
def push(endpoint, retries, scenarios, timeout, user, password, token, out_dir):
    """Load the build's named graphs into a SPARQL server (HTTP PUT per graph: replace); the
    scenario graphs only with --scenarios."""
    from govgraph.store import embedded, remote

    held = [g for g in embedded.LocalStore(out_dir).graph_names() if remote.is_scenario_graph(g)]
    if scenarios and held:
        err_console.print("[yellow]warning:[/] scenario graphs restate baseline facts about the same records. "
                          "On a server whose default graph is the union of all graphs (Virtuoso, GraphDB, "
                          "Fuseki with unionDefaultGraph) a query that names no graphs mixes them into "
                          "baseline answers; `govgraph query --endpoint` always names its graphs.")
    sent = remote.push(out_dir, endpoint, user=user, password=password, token=token, timeout=timeout,
                      retries=retries, scenarios=scenarios,
                      progress=lambda graph, n: err_console.print(f"PUT {graph} ({n} triples)", highlight=False))
    out_console.print(f"{len(sent)} graphs, {sum(sent.values())} triples → {endpoint}", highlight=False)
    if held and not scenarios:
        err_console.print(f"{len(held)} scenario graphs not sent (add --scenarios to send them).", highlight=False)


# -- linking: link --check -------------------------------------------------------------

_LINK_STYLE = {"ok": "green", "wrong-kind": "bold red", "missing": "bold red", "redirect": "yellow",
               "unchecked": "magenta"}


@cli.command()
@click.option("--check", is_flag=True, required=True, help="Check every Wikidata QID of the build (the only mode so far).")
@click.option("--endpoint", required=True, metavar="URL",
              help="A Wikidata-compatible SPARQL endpoint, e.g. https://query.wikidata.org/sparql.")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds to wait for each answer.")
@click.option("--batch-size", type=int, default=50, show_default=True, help="QIDs per query (VALUES block).")
@click.option("--retries", type=int, default=3, show_default=True, help="Retries of a rate-limited (429/503) query.")
@click.option("--max-wait", type=float, default=60.0, show_default=True, help="Longest Retry-After honoured, in seconds.")
@click.option("--pause", type=float, default=1.0, show_default=True, help="Seconds between two queries.")
@click.option("--all", "show_all", is_flag=True, help="List every link, not only the problems.")
@out_option
@handle_errors
def link(check, endpoint, timeout, batch_size, retries, max_wait, pause, show_all, out_dir):
    """Verify that each Wikidata QID exists and is the right kind of thing (exit 1: bad links; 3: service failed)."""
    from govgraph import link
    from govgraph.store.embedded import LocalStore

    links = link.links_in_store(LocalStore(out_dir))
    err_console.print(f"checking {len(links)} link(s) to {len({l.qid for l in links})} Wikidata item(s) at {endpoint}",
                      highlight=False)
    report = link.check_links(endpoint, links, timeout=timeout, batch_size=batch_size, retries=retries,
                                  max_wait=max_wait, pause=pause)
    table = Table(title=f"Wikidata links — {endpoint}")
    for column in ("status", "QID", "kind", "our node", "Wikidata label", "detail"):
        table.add_column(column, overflow="fold")
    for r in report.results:
        if show_all or r.status != "ok":
            table.add_row(f"[{_LINK_STYLE[r.status]}]{r.status}[/]", r.link.qid, r.link.kind,
                          r.link.subject.removeprefix("https://w3id.org/govgraph/id/"), r.wikidata_label, r.detail)
    if table.rows:
        out_console.print(table)
    for failure in report.failures:
        err_console.print(f"[bold red]not checked:[/] {failure}", highlight=False)
    counts = ", ".join(f"{report.count(s)} {s}" for s in ("ok", "wrong-kind", "missing", "redirect", "unchecked"))
    out_console.print(f"{len(report.results)} link(s): {counts}; {report.queries} queries, {report.retries} retried",
                      highlight=False, soft_wrap=True)
    if report.failures:
        raise StoreError(f"{len(report.failures)} batch(es) could not be checked at {endpoint} (listed above)")
    if report.problems:
        raise ConformanceError(f"{len(report.problems)} link(s) are wrong-kind, missing or redirects (listed above)")


# -- maps ----------------------------------------------------------------------------------

@cli.command("map")
@click.argument("country")
@click.option("--scenario", default=None, metavar="ID", help="Map this scenario's arrangement instead of the baseline.")
@click.option("--phase", default=None, type=click.IntRange(min=1), metavar="N",
              help="With --scenario: the picture after phase N of its roadmap (from 1).")
@as_of_option
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=None,
              help="The HTML file to write (default: OUT/maps/<cc>[-<scenario>]-<date>.html).")
@click.option("--open", "open_", is_flag=True, help="Open the map in the default browser.")
@out_option
@handle_errors
def map_(country: str, scenario: str | None, phase: int | None, as_of: str | None, output: Path | None, open_: bool,
         out_dir: Path) -> None:
    """Write one interactive map of COUNTRY (an ISO code such as CL) as a single HTML file that works
    offline."""
    import webbrowser

    from govgraph.site import pages
    from govgraph.store.embedded import open_store

    if not re.fullmatch(r"[A-Za-z]{2}", country):
        raise UsageError(f"{country!r} is not an ISO 3166-1 alpha-2 country code such as CL")
    day = build_as_of(as_of, out_dir)
    scenario = _scenario_key(scenario, phase)
    page = pages.standalone_map(open_store(out_dir), country, as_of=day, scenario=scenario)
    stem = f"{country.lower()}{'-' + scenario.replace('/phase/', '-phase-') if scenario else ''}"
    target = output or out_dir / "maps" / f"{stem}-{day.isoformat()}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    out_console.print(f"map of {country.upper()}{' / ' + scenario if scenario else ''} as of {day.isoformat()} "
                      f"→ {target} ({len(page.encode('utf-8')) // 1024} KiB)", highlight=False)
    if open_:
        webbrowser.open(target.resolve().as_uri())


# -- export --------------------------------------------------------------------------------

@cli.command()
@click.option("--format", "fmt", required=True,
              type=click.Choice(formats.names("network", "rdf", "panel")))
@click.option("--country", default=None, metavar="CC", help="One country (default: all).")
@click.option("--scenario", default=None, metavar="ID",
              help="A scenario's graph (its country) instead of the baseline. Network formats, without --phase "
                   "and --as-of: a scenario with phases is its roadmap, one time slice per phase.")
@click.option("--phase", default=None, type=click.IntRange(min=1), metavar="N",
              help="With --scenario: the picture after phase N of its roadmap (from 1).")
@click.option("--as-of", "as_of", default=None, metavar="YEAR|DATE",
              help="Network formats: one day's picture (default: the whole timeline, with validity intervals).")
@click.option("--view", default=None, type=click.Choice(["org-cpov"]),
              help="RDF formats: the ORG/CPOV view (our terms' org:/cv:/schema: entailments, no gg: terms).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="File to write (a folder for csv: nodes.csv + edges.csv); default: standard output.")
@out_option
@handle_errors
def export(fmt, country, scenario, phase, as_of, view, output, out_dir):
    """Export the build for Gephi, Cytoscape, spreadsheets, RDF tools, and pandas or R (the panel:
    country × year × indicator)."""
    from govgraph.exports import network, panel

    day = parse_as_of(as_of) if as_of is not None else None
    scenario = _scenario_key(scenario, phase)
    if fmt in formats.names("panel"):
        if scenario or as_of or view:
            raise UsageError("--format panel-csv/panel-json covers every year of the baseline: "
                             "--scenario, --as-of and --view do not apply")
        files = panel.export(out_dir, fmt, country=country)
    else:
        files = network.export(out_dir, fmt, country=country, scenario=scenario, as_of=day, view=view,
                               build_day=build_as_of(None, out_dir))
    if fmt == "csv":
        if output is None:
            raise UsageError("--format csv writes two files (nodes.csv, edges.csv): give -o DIR")
        output.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (output / name).write_bytes(data)
        err_console.print(f"→ {output}/nodes.csv, {output}/edges.csv", highlight=False)
        return
    (data,) = files.values()
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        if output.parent and not output.parent.exists():
            output.parent.mkdir(parents=True)
        output.write_bytes(data)
        err_console.print(f"→ {output} ({len(data)} bytes)", highlight=False)


_ENDS_AT_ONCE: list[bool] = []  # set by a command whose process need not free its heap on the way out


def main() -> None:
    """The console entry point. After `govgraph build` the process ends at once (its output and
    logging flushed): freeing the build's heap object by object took a third of a second, and the
    build leaves nothing to exit handlers (its children are done; its files are closed)."""
    try:
        cli(prog_name="govgraph")
        status: str | int | None = 0
    except SystemExit as exc:
        status = exc.code
    if not _ENDS_AT_ONCE:
        sys.exit(status)
    import logging
    import os

    if isinstance(status, str):
        err_console.print(status, markup=False, highlight=False)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`) or stream: nothing more to write
            pass
    logging.shutdown()
    os._exit(status if isinstance(status, int) else 0 if status is None else 1)


if __name__ == "__main__":
    main()
