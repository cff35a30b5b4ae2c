"""`kes history`: read a run's event log offline — timeline, JSON lines, verify, time travel.

It opens the store named by ``--store`` / ``KES_STORE`` (default ``.kes/store.sqlite3``) and
needs no cluster. ``-n`` defaults to the kubeconfig context's namespace, as for kubectl and
``kes actionset`` (read from the kubeconfig file, not the API server; ``default`` without one).
Without NAME it lists the recorded runs of the namespace (``-A``: of every namespace).
``--verify`` recomputes the hash chain and exits 1 naming the first broken
event; ``--at`` rebuilds the status as it was then; ``--follow`` keeps printing new events until
the run ends. An unknown name is a message and exit code 1.

``--json`` prints one object per event and line, with the keys ``id`` (aggregate id),
``version`` (1, 2, ...), ``time`` (ISO 8601, UTC), ``type`` (event class name),
``schema_version``, ``digest`` (its hash-chain link) and ``data`` (the event's own fields).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

import click

from kes import application, storage
from kes.cli import kubecontext
from kes.domain import status

POLL_SECONDS = 0.5


def _open(store: str | None) -> application.KesApplication:
    resolved = storage.resolve(store)
    if not resolved.exists():
        raise click.ClickException(
            f"No event log at {resolved.describe()}: set KES_STORE or pass --store."
        )
    try:
        return application.KesApplication(store=resolved.location)
    except application.StoreUnavailableError as error:
        raise click.ClickException(str(error)) from None


def _parse_time(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f'"{value}" is not an ISO 8601 time (e.g. 2026-05-13T10:00:00Z).'
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _compact(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Timeline:
    """Turns events into readable lines; remembers action names from the accepted plan."""

    def __init__(self) -> None:
        self.actions: list[str] = []

    def where(self, data: dict[str, Any]) -> str:
        if "action_index" not in data:
            return "-"
        index = data["action_index"]
        action = self.actions[index] if index < len(self.actions) else f"#{index}"
        return f"{action}/{data['phase_name']}" if "phase_name" in data else action

    def summary(self, kind: str, data: dict[str, Any]) -> tuple[str, bool]:
        """(text, is_failure) for one event."""
        if kind == "ActionSetAccepted":
            self.actions = [a["name"] for a in data["plan"]]
            parts = []
            for action in data["plan"]:
                phases = " → ".join(p["name"] for p in action["phases"]) or "no phases"
                defer = action.get("defer_phase")
                defer_text = f", deferPhase {defer['name']}" if defer else ""
                parts.append(f"{action['name']} (blueprint {action['blueprint']}: "
                             f"{phases}{defer_text})")
            return "accepted: " + ("; ".join(parts) or "no actions"), False
        if kind in ("PhaseStarted", "DeferPhaseStarted"):
            args = _compact(data["args"])
            return f"{data['function']} attempt {data['attempt']} args {args}", False
        if kind in ("PhaseCompleted", "DeferPhaseCompleted"):
            output = "" if data.get("output") is None else f" output {_compact(data['output'])}"
            return f"took {data['duration_s']:.2f} s{output}", False
        if kind in ("PhaseFailed", "DeferPhaseFailed", "PhaseTimedOut"):
            tail = "".join(f"\n{'':>47}| {line}" for line in data.get("log_tail", []))
            return f"FAILED: {data['error']}{tail}", True
        failures: dict[str, Callable[[dict[str, Any]], str]] = {
            "ActionSetRejected": lambda d: f"REJECTED ({d['reason']}): {d['message']}",
            "PhaseInterrupted": lambda d: f"INTERRUPTED: {d['reason']}",
            "ActionFailed": lambda d: f"FAILED: {d['error'] or 'see the events above'}",
            "ActionLaunchFailed": lambda d: f"FAILED to launch: {d['error']}",
            "ActionSetFailed": lambda d: f"FAILED: {d['error'] or 'see the events above'}",
            "ServerFailed": lambda d: f"FAILED {d['condition']} ({d['reason']}): {d['message']}",
        }
        if kind in failures:
            return failures[kind](data), True
        if kind == "ArtifactsRendered":
            return "artifacts " + _compact(data["artifacts"]), False
        rest = {k: v for k, v in data.items() if k not in ("action_index", "phase_name")}
        return (_compact(rest) if rest else ""), False

    def line(self, event: Any, *, color: bool) -> str:
        record = application.event_record(event)
        when = event.timestamp.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        text, failed = self.summary(record["type"], record["data"])
        line = f"{when}  {record['type']:<20} {self.where(record['data']):<24} {text}"
        return click.style(line, fg="red", bold=True) if failed and color else line


def _find(app: application.KesApplication, *, kind: str, namespace: str, name: str) -> UUID:
    found = app.find(kind=kind, namespace=namespace, name=name)
    if found is None:
        label = "ActionSet" if kind == "actionset" else "RepositoryServer"
        raise click.ClickException(
            f'No {label} "{name}" in namespace "{namespace}" is recorded in the event log.'
        )
    return found


def _show(
    *, kind: str, name: str | None, store: str | None, as_json: bool, verify: bool,
    anchor: str | None, at: str | None, follow: bool, all_namespaces: bool, **where: Any,
) -> None:
    if all_namespaces and name:
        raise click.UsageError("a resource cannot be retrieved by name across all namespaces")
    namespace = None if all_namespaces else kubecontext.namespace_of(where)
    app = _open(store)
    try:
        if name is None:
            _print_list(app, kind=kind, namespace=namespace)
            return
        assert namespace is not None
        aggregate_id = _find(app, kind=kind, namespace=namespace, name=name)
        if verify:
            broken = app.verify(aggregate_id, anchor=anchor)
            if broken is not None:
                click.echo(broken.describe(), err=True)
                raise SystemExit(1)
            count = len(app.stored_records(aggregate_id))
            click.echo(f"Hash chain verified: {count} events of {namespace}/{name}.")
            return
        if at is not None:
            moment = _parse_time(at)
            aggregate = app.state_at(aggregate_id, at=moment)
            if aggregate is None:
                raise click.ClickException(f'"{name}" was not recorded yet at {at}.')
            click.echo(json.dumps(status.status_of(aggregate), indent=2, sort_keys=True))
            return
        _print_events(app, aggregate_id, as_json=as_json, follow=follow)
    finally:
        app.close()


def _print_list(app: application.KesApplication, *, kind: str, namespace: str | None) -> None:
    """The latest recorded run of each name, as `kubectl get` lists (NAMESPACE with -A)."""
    rows = app.recorded(kind=kind, namespace=namespace)
    if not rows:
        where = "any namespace" if namespace is None else f'namespace "{namespace}"'
        click.echo(f"No resources recorded in {where}.", err=True)
        return
    header = ["NAME", "STATE", "CREATED"]
    table = [[r.name, r.state, r.created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")]
             for r in rows]
    if namespace is None:
        header.insert(0, "NAMESPACE")
        for row, record in zip(table, rows, strict=True):
            row.insert(0, record.namespace)
    widths = [max(len(line[i]) for line in [header, *table]) for i in range(len(header))]
    for line in [header, *table]:
        cells = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        click.echo("   ".join(cells).rstrip())


def _print_events(
    app: application.KesApplication, aggregate_id: UUID, *, as_json: bool, follow: bool
) -> None:
    timeline = Timeline()
    color = sys.stdout.isatty()
    aggregate: Any = None  # rebuilt from exactly the events printed, so the end is never missed
    while True:
        new = app.events_of(aggregate_id, after=0 if aggregate is None else aggregate.version)
        if as_json:
            lines = [json.dumps(application.event_record(e), sort_keys=True) for e in new]
        else:
            lines = [timeline.line(e, color=color) for e in new]
        if lines:
            click.echo("\n".join(lines))
        for event in new:
            aggregate = event.mutate(aggregate)
        if not follow or (aggregate is not None and aggregate.is_terminal):
            return
        time.sleep(POLL_SECONDS)


def _options(func: Callable[..., None]) -> Callable[..., None]:
    decorators: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.argument("name", required=False),
        kubecontext.kubeconfig_options(what="resource"),
        click.option("-A", "--all-namespaces", is_flag=True,
                     help="Without NAME: list the runs of every namespace."),
        click.option("--store", envvar="KES_STORE", default=None,
                     help="Event log: a file path or postgresql:// URL "
                          "[default: .kes/store.sqlite3]."),
        click.option("--json", "as_json", is_flag=True, help="One JSON event per line."),
        click.option("--verify", is_flag=True, help="Check the hash chain; exit 1 if broken."),
        click.option("--anchor", metavar="DIGEST",
                     help="With --verify: a digest kept elsewhere that must be in the chain."),
        click.option("--at", metavar="TIME",
                     help="Print the status as it was at TIME (ISO 8601, UTC if no zone)."),
        click.option("-f", "--follow", is_flag=True, help="Keep printing until the run ends."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


@click.group()
def history() -> None:
    """Show what happened to an ActionSet or RepositoryServer, from the event log."""


@history.command("actionset")
@_options
def actionset_history(**options: Any) -> None:
    """The history of the latest ActionSet named NAME (without NAME: the recorded ones)."""
    _show(kind="actionset", **options)


@history.command("repositoryserver")
@_options
def repositoryserver_history(**options: Any) -> None:
    """The history of the latest RepositoryServer named NAME (without NAME: the recorded ones)."""
    _show(kind="repositoryserver", **options)
