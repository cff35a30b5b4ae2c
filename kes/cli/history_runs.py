"""`kes history list` and `kes history prune`: every run in the log, and retention.

`list` shows runs from the log (so also runs whose ActionSet is gone): state, blueprint, action,
start, duration and the phase that failed; `-o wide` adds the run id, event count, the run it
retries and the error; `-o json|yaml` gives everything as data; `--verify` also checks every
listed run's hash chain (after a restore, after a fail-over) and exits 1 naming each break.
`prune` removes runs that ended longer ago than `--older-than` (a Go duration: `720h`, `90m`),
and records what it removed in the log's prune ledger (see `kes.application.pruning`);
`--dry-run` only lists them.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from uuid import UUID

import click
import yaml

from kes.application import listing, pruning
from kes.cli import history, kubecontext
from kes.domain import durations


def _duration(value: str, *, option: str) -> float:
    try:
        return durations.parse_seconds(value)
    except durations.DurationError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def _age(seconds: float) -> str:
    """kubectl's short ages: 45s, 12m, 3h, 2d."""
    whole = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if whole >= size * (2 if unit != "m" else 1):
            return f"{whole // size}{unit}"
    return f"{whole}s"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "   ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _store_option(func: Any) -> Any:
    return click.option("--store", envvar="KES_STORE", default=None,
                        help="Event log: a file path or postgresql:// URL "
                             "[default: .kes/store.sqlite3].")(func)


@click.command("list")
@kubecontext.kubeconfig_options(what="runs")
@click.option("-A", "--all-namespaces", is_flag=True, help="Runs of every namespace.")
@click.option("--state", type=click.Choice(listing.STATES), default=None,
              help="Only runs in this state.")
@click.option("--blueprint", default=None, help="Only runs of this Blueprint.")
@click.option("--since", metavar="DURATION", default=None,
              help="Only runs started within DURATION (Go syntax: 90m, 24h).")
@click.option("-o", "--output", type=click.Choice(["wide", "json", "yaml"]), default=None,
              help="wide: more columns; json|yaml: every field as data.")
@click.option("--verify", is_flag=True,
              help="Also check the hash chain of every listed run; exit 1 if one is broken.")
@_store_option
def list_runs(**options: Any) -> None:
    """ActionSet runs recorded in the event log, oldest first."""
    now = dt.datetime.now(dt.UTC)
    since = None
    if options["since"]:
        since = now - dt.timedelta(seconds=_duration(options["since"], option="--since"))
    app = history.open_log(options["store"])
    try:
        found = listing.summaries(
            app,
            namespace=None if options["all_namespaces"] else kubecontext.namespace_of(options),
            state=options["state"],
            blueprint=options["blueprint"],
            since=since,
        )
        broken = {
            summary.id: found_break.describe()
            for summary in found
            if options["verify"]
            and (found_break := app.verify(UUID(summary.id))) is not None
        }
    finally:
        app.close()
    _print_runs(found, output=options["output"], now=now, options=options)
    if options["verify"]:
        for summary in found:
            if summary.id in broken:
                click.echo(f"{summary.namespace}/{summary.name} ({summary.id}): "
                           f"{broken[summary.id]}", err=True)
        if broken:
            raise SystemExit(1)
        click.echo(f"Hash chains verified: {len(found)} runs.", err=True)


def _print_runs(
    found: list[listing.RunSummary], *, output: str | None, now: dt.datetime,
    options: dict[str, Any],
) -> None:
    if output in ("json", "yaml"):
        data = [summary.as_data(now=now) for summary in found]
        click.echo(json.dumps(data, indent=2, sort_keys=True) if output == "json"
                   else yaml.safe_dump(data, sort_keys=True).rstrip("\n"))
        return
    if not found:
        where = "any namespace" if options["all_namespaces"] else (
            f'namespace "{kubecontext.namespace_of(options)}"')
        click.echo(f"No runs recorded in {where}.", err=True)
        return
    header = ["NAMESPACE", "NAME", "STATE", "BLUEPRINT", "ACTION", "STARTED", "DURATION",
              "FAILED PHASE"]
    if output == "wide":
        header += ["RETRY OF", "EVENTS", "ID", "ERROR"]
    rows = [header]
    for summary in found:
        row = [
            summary.namespace, summary.name, summary.state, ",".join(summary.blueprints),
            ",".join(summary.actions), summary.started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            _age(summary.duration_s(now=now)), summary.failed_phase or "-",
        ]
        if output == "wide":
            error = summary.error.splitlines()[0] if summary.error else "-"
            row += [summary.retry_of or "-", str(summary.events), summary.id, error[:80]]
        rows.append(row)
    click.echo(_table(rows))


@click.command("prune")
@click.option("--older-than", required=True, metavar="DURATION",
              help="Remove runs that ended longer ago than DURATION (Go syntax: 720h).")
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
@_store_option
def prune(**options: Any) -> None:
    """Remove ended runs from the event log; the runs that remain still verify."""
    older_than = _duration(options["older_than"], option="--older-than")
    app = history.open_log(options["store"])
    try:
        result = pruning.prune(
            app, older_than_s=older_than, now=dt.datetime.now(dt.UTC),
            dry_run=options["dry_run"],
        )
    finally:
        app.close()
    verb = "Would remove" if result.dry_run else "Removed"
    for run in result.runs:
        click.echo(f"{verb} {run.namespace}/{run.name} ({run.state}, ended {run.ended_at}, "
                   f"{run.events} events, last digest {run.last_digest[:12]})")
    if result.dry_run:
        click.echo(f"{len(result.runs)} runs would be removed (dry run: nothing removed).")
    else:
        click.echo(f"{len(result.runs)} runs removed ({result.events_removed} events); "
                   "each is listed in the prune ledger.")
