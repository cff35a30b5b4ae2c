"""`kes history`: read a run's event log offline — timeline, JSON lines, verify, time travel.

It opens the store named by ``--store`` / ``KES_STORE`` (default ``.kes/store.sqlite3``) and
needs no cluster. ``-n`` defaults to the kubeconfig context's namespace, as for kubectl and
``kes actionset`` (read from the kubeconfig file, not the API server; ``default`` without one).
Without NAME it lists the recorded runs of the namespace (``-A``: of every namespace).
``--verify`` recomputes the hash chain and exits 1 naming the first broken
event; ``--at`` rebuilds the status as it was then; ``--follow`` keeps printing new events until
the run ends. An unknown name is a message and exit code 1.

``--json`` prints one object per event and line, exactly as stored (a portable export that
``kes replay`` reads back), with the keys ``id`` (aggregate id), ``version`` (1, 2, ...),
``time`` (ISO 8601, UTC), ``type`` (event class name), ``topic`` (where the class lived),
``schema_version``, ``digest`` (its hash-chain link) and ``data`` (the event's own fields).
``--export FILE`` writes that export to FILE and the status computed now beside it
(``NAME.status.json``), which is what ``kes replay`` compares with. ``kes history list`` and
``kes history prune`` (``history_runs.py``) work on all runs.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import click
import yaml

from kes import application, storage
from kes.application import replaying
from kes.cli import history_repositoryserver, kubecontext
from kes.domain import status

POLL_SECONDS = 0.5


def open_log(store: str | None) -> application.KesApplication:
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
        self.defer_phases: set[tuple[int, str]] = set()

    def where(self, data: dict[str, Any], kind: str = "") -> str:
        server_step = history_repositoryserver.where(kind, data)
        if server_step is not None:
            return server_step
        if "action_index" not in data:
            return "-"
        index = data["action_index"]
        action = self.actions[index] if index < len(self.actions) else f"#{index}"
        if "phase_name" not in data:
            return action
        defer = " (defer)" if (index, data["phase_name"]) in self.defer_phases else ""
        return f"{action}/{data['phase_name']}{defer}"

    def summary(self, kind: str, data: dict[str, Any]) -> tuple[str, bool]:
        """(text, is_failure) for one event."""
        server = history_repositoryserver.summary(kind, data)
        if server is not None:
            return server
        if kind == "ActionSetAccepted":
            return self._accepted(data), False
        if kind == "PhaseStarted":
            args = _compact(data["args"])
            return f"{data['function']} attempt {data['attempt']} args {args}", False
        if kind == "PhaseCompleted":
            output = "" if data.get("output") is None else f" output {_compact(data['output'])}"
            return f"took {data['duration_s']:.2f} s{output}", False
        if kind in ("PhaseFailed", "PhaseTimedOut"):
            tail = "".join(f"\n{'':>47}| {line}" for line in data.get("log_tail", []))
            return f"FAILED: {data['error']}{tail}", True
        failures: dict[str, Callable[[dict[str, Any]], str]] = {
            "ActionSetRejected": lambda d: f"REJECTED ({d['reason']}): {d['message']}",
            "PhaseInterrupted": lambda d: f"INTERRUPTED: {d['reason']}",
            "ActionFailed": lambda d: f"FAILED: {d['error'] or 'see the events above'}",
            "ActionLaunchFailed": lambda d: f"FAILED to launch: {d['error']}",
            "ActionSetFailed": lambda d: f"FAILED: {d['error'] or 'see the events above'}",
        }
        if kind in failures:
            return failures[kind](data), True
        if kind == "ArtifactsRendered":
            return "artifacts " + _compact(data["artifacts"]), False
        rest = {k: v for k, v in data.items() if k not in ("action_index", "phase_name")}
        return (_compact(rest) if rest else ""), False

    def _accepted(self, data: dict[str, Any]) -> str:
        self.actions = [a["name"] for a in data["plan"]]
        parts = []
        for index, action in enumerate(data["plan"]):
            main = [p["name"] for p in action["phases"] if not p.get("defer")]
            defer = [p["name"] for p in action["phases"] if p.get("defer")]
            self.defer_phases.update((index, name) for name in defer)
            defer_text = f", deferPhase {defer[0]}" if defer else ""
            version = action.get("blueprint_resource_version")
            at = f"@{version}" if version else ""
            parts.append(f"{action['name']} (blueprint {action['blueprint']}{at}: "
                         f"{' → '.join(main) or 'no phases'}{defer_text})")
        text = "accepted: " + ("; ".join(parts) or "no actions")
        origin = data.get("retry_of")
        if origin:
            starts = ", ".join(s or "(deferPhase only)" for s in origin["start_phases"])
            reused = ", ".join(r["phase_name"] for r in origin["reused"]) or "none"
            text += (f"; retry of {origin['namespace']}/{origin['name']} from {starts} "
                     f"(outputs reused: {reused})")
        return text

    def line(self, event: Any, *, color: bool) -> str:
        record = application.event_record(event)
        when = event.timestamp.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        text, failed = self.summary(record["type"], record["data"])
        where = self.where(record["data"], record["type"])
        line = f"{when}  {record['type']:<20} {where:<24} {text}"
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
    anchor: str | None, at: str | None, follow: bool, all_namespaces: bool,
    output: str | None, export: str | None, **where: Any,
) -> None:
    if all_namespaces and name:
        raise click.UsageError("a resource cannot be retrieved by name across all namespaces")
    namespace = None if all_namespaces else kubecontext.namespace_of(where)
    app = open_log(store)
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
            click.echo(render(status.status_of(aggregate), output or "json"))
            return
        if export is not None:
            _export(app, aggregate_id, Path(export))
            return
        _print_events(app, aggregate_id, as_json=as_json, follow=follow)
        if not as_json and kind == "actionset":
            _print_links(app, aggregate_id)
    finally:
        app.close()


def render(data: Any, output: str) -> str:
    """`-o json` (indented, sorted keys) or `-o yaml`."""
    if output == "yaml":
        return yaml.safe_dump(data, sort_keys=True).rstrip("\n")
    return json.dumps(data, indent=2, sort_keys=True)


def _export(app: application.KesApplication, aggregate_id: UUID, path: Path) -> None:
    lines = [json.dumps(r, sort_keys=True) for r in app.export(aggregate_id)]
    path.write_text("\n".join(lines) + "\n")
    beside = replaying.status_path(path)
    beside.write_text(json.dumps(app.status(aggregate_id), indent=2, sort_keys=True) + "\n")
    click.echo(f"Exported {len(lines)} events to {path}, the status now to {beside}.")


def _print_links(app: application.KesApplication, run_id: UUID) -> None:
    """Retries of this run, the other direction of a retry's `retry of` line."""
    retries = app.retries_of(run_id)
    if retries:
        names = ", ".join(f"{namespace}/{name}" for _, namespace, name in retries)
        click.echo(f"Retried by: {names}")


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
    if as_json and not follow:  # the export as stored: no need to read the events as objects
        lines = [json.dumps(r, sort_keys=True) for r in app.export(aggregate_id)]
        if lines:
            click.echo("\n".join(lines))
        return
    timeline = Timeline()
    color = sys.stdout.isatty()
    aggregate: Any = None  # rebuilt from exactly the events printed, so the end is never missed
    while True:
        after = 0 if aggregate is None else aggregate.version
        new = app.events_of(aggregate_id, after=after)
        if as_json:
            # The stored form (what `kes replay` reads), up to the events just read.
            lines = [json.dumps(r, sort_keys=True) for r in app.export(aggregate_id, after=after)
                     if r["version"] <= after + len(new)]
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
        click.option("-o", "--output", type=click.Choice(["json", "yaml"]), default=None,
                     help="With --at: the status as JSON (default) or YAML."),
        click.option("--export", metavar="FILE",
                     help="Write the events as stored to FILE and the status now beside it "
                          "(NAME.status.json), for `kes replay`."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


@click.group()
def history() -> None:
    """Show what happened to an ActionSet or RepositoryServer, from the event log."""


def _register_run_commands() -> None:
    from kes.cli import history_runs  # list and prune, in their own module

    history.add_command(history_runs.list_runs)
    history.add_command(history_runs.prune)


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


_register_run_commands()
