"""`kes actionset cancel` and `kes actionset describe`: stop a run, or see where one stands.

Cancelling is deleting, as in Kanister: the controller records the cancellation, runs the
deferPhase and only then lets the object go, so `cancel` waits for that and prints what the
event log recorded meanwhile. `describe` joins three sources: the object's status, its last
Kubernetes Events, and from the event log the output or log tail of every phase.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any
from uuid import UUID

import click

from kes import application, storage
from kes.adapters.k8s import client, customresources, errors, objects
from kes.cli import actionset_kube, history

POLL_SECONDS = 0.2
LAST_EVENTS = 10
_PHASE_ENDS = {"PhaseCompleted", "PhaseFailed", "PhaseInterrupted", "DeferPhaseCompleted",
               "DeferPhaseFailed"}


def _store_option(func: Any) -> Any:
    return click.option(
        "--store", envvar="KES_STORE", default=None,
        help="Event log: a file path or postgresql:// URL [default: .kes/store.sqlite3].",
    )(func)


def open_log(store: str | None) -> application.KesApplication | None:
    """The event log when there is one (describe and cancel work without it, with less)."""
    try:
        resolved = storage.resolve(store)
    except storage.StoreSettingError as exc:
        raise click.ClickException(str(exc)) from None
    if not resolved.exists():
        return None
    return application.KesApplication(store=resolved.location, create=False)


def _actionset_path(namespace: str, name: str) -> str:
    return objects.path(group=customresources.GROUP, version=customresources.VERSION,
                        resource="actionsets", namespace=namespace, name=name)


def _get(api: client.Api, *, namespace: str, name: str) -> dict[str, Any] | None:
    try:
        return customresources.get(api, resource="actionsets", namespace=namespace, name=name)
    except errors.ApiNotFoundError:
        return None


@click.command("cancel")
@click.argument("name")
@actionset_kube.connection_options
@_store_option
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="Wait until the controller has recorded the end of the run.")
@click.option("--timeout", type=float, default=300, show_default=True,
              help="Seconds to wait for the end of the run.")
def cancel(**options: Any) -> None:
    """Cancel ActionSet NAME: delete it; the controller stops its run and runs its deferPhase."""
    name, namespace = options["name"], actionset_kube.namespace_of(options)
    api = actionset_kube.connect(kubeconfig=options["kubeconfig"], context=options["context"])
    try:
        objects.request(api, method="DELETE", url_path=_actionset_path(namespace, name))
        click.echo(f"actionset {name} deleted")
        if not options["wait"]:
            return
        deadline = time.monotonic() + options["timeout"]
        while _get(api, namespace=namespace, name=name) is not None:
            if time.monotonic() > deadline:
                raise click.ClickException(
                    f"actionset {name} is still being cancelled after {options['timeout']:g} s"
                )
            time.sleep(POLL_SECONDS)
    except errors.ApiError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        api.close()
    app = open_log(options["store"])
    if app is None:
        click.echo("The controller has recorded the end of the run (no event log here to show).")
        return
    try:
        _print_cancellation(app, namespace=namespace, name=name)
    finally:
        app.close()


def _print_cancellation(app: application.KesApplication, *, namespace: str, name: str) -> None:
    run_id = app.find(kind="actionset", namespace=namespace, name=name)
    if run_id is None:
        click.echo("The event log holds no run of it (it was never accepted).")
        return
    timeline, cancelled, lines = history.Timeline(), False, []
    for event in app.events_of(run_id):
        line = timeline.line(event, color=False)
        cancelled = cancelled or type(event).__name__ == "CancelRequested"
        if cancelled:
            lines.append(line)
    if not lines:
        state = app.status(run_id).get("state", "")
        click.echo(f"The run had already ended ({state}) before the cancellation.")
        return
    click.echo("What the controller recorded since:")
    click.echo("\n".join(lines))


@click.command("describe")
@click.argument("name")
@actionset_kube.connection_options
@_store_option
def describe(**options: Any) -> None:
    """Status, last Events and each phase's output or log tail of ActionSet NAME."""
    name, namespace = options["name"], actionset_kube.namespace_of(options)
    api = actionset_kube.connect(kubeconfig=options["kubeconfig"], context=options["context"])
    try:
        obj = _get(api, namespace=namespace, name=name)
        events = _kube_events(api, namespace=namespace, name=name) if obj else []
    except errors.ApiError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        api.close()
    app = open_log(options["store"])
    try:
        run_id = app.find(kind="actionset", namespace=namespace, name=name) if app else None
        if obj is None and run_id is None:
            raise click.ClickException(f'actionsets.cr.kanister.io "{name}" not found')
        assert app is not None or obj is not None
        status = (obj or {}).get("status") or (app.status(run_id) if app and run_id else {})
        click.echo("\n".join(_status_lines(name=name, namespace=namespace, obj=obj,
                                           status=status)))
        click.echo(f"Events (last {LAST_EVENTS}):")
        click.echo("\n".join(events[-LAST_EVENTS:]) if events else "  <none>")
        click.echo("Phase logs (from the event log):")
        if app is None:
            click.echo("  <no event log: set KES_STORE or pass --store>")
        elif run_id is None:
            click.echo("  <not recorded>")
        else:
            click.echo("\n".join(phase_lines(app, run_id)) or "  <no phase has ended>")
    finally:
        if app is not None:
            app.close()


def _indented(text: str, *, by: int) -> str:
    """Continuation lines of a multi-line message, indented under its first line."""
    return text.replace("\n", "\n" + " " * by)


def _status_lines(
    *, name: str, namespace: str, obj: dict[str, Any] | None, status: dict[str, Any]
) -> list[str]:
    progress = status.get("progress") or {}
    lines = [
        f"Name:       {name}",
        f"Namespace:  {namespace}",
        f"State:      {status.get('state') or 'pending'}"
        + ("" if obj else "  (the object is gone; status from the event log)"),
        f"Progress:   {progress.get('percentCompleted', '0.00')}%"
        + (f" (running {progress['runningPhase']})" if progress.get("runningPhase") else ""),
    ]
    if (status.get("error") or {}).get("message"):
        lines.append(f"Error:      {_indented(status['error']['message'], by=12)}")
    lines.append("Actions:")
    for action in status.get("actions") or []:
        target = action.get("object") or {}
        lines.append(f"  {action.get('name')}  blueprint {action.get('blueprint')}  "
                     f"object {target.get('kind') or target.get('resource')} "
                     f"{target.get('namespace')}/{target.get('name')}")
        phases = list(action.get("phases") or [])
        if action.get("deferPhase"):
            phases.append({**action["deferPhase"], "name": f"{action['deferPhase']['name']} "
                                                             "(deferPhase)"})
        lines.extend(f"    {p.get('name'):<32} {p.get('state')}" for p in phases)
        if action.get("artifacts"):
            lines.append(f"    artifacts {json.dumps(action['artifacts'], sort_keys=True)}")
    return lines


def _kube_events(api: client.Api, *, namespace: str, name: str) -> list[str]:
    items = objects.list_objects(api, group="", version="v1", resource="events",
                                 namespace=namespace,
                                 field_selector=f"involvedObject.name={name}")

    def when(item: dict[str, Any]) -> str:
        return str(item.get("lastTimestamp") or item.get("eventTime")
                   or item["metadata"].get("creationTimestamp") or "")

    return [f"  {when(e):<22} {e.get('type', ''):<8} {e.get('reason', ''):<20} "
            f"{_indented(e.get('message', ''), by=4)}" for e in sorted(items, key=when)]


def phase_lines(app: application.KesApplication, run_id: UUID) -> list[str]:
    """The last ending of each phase: its output, or its error and log tail (already masked)."""
    timeline, ended = history.Timeline(), {}
    for event in app.events_of(run_id):
        record = application.event_record(event)
        timeline.summary(record["type"], record["data"])  # learns the action names
        if record["type"] in _PHASE_ENDS:
            data = record["data"]
            ended[(data["action_index"], data["phase_name"])] = (
                timeline.where(data), record["type"], data, event.timestamp
            )
    lines = []
    for where, kind, data, when in ended.values():
        stamp = when.astimezone(dt.UTC).strftime("%H:%M:%S")
        if kind.endswith("Completed"):
            output = data.get("output")
            shown = f"; output {json.dumps(output, sort_keys=True)}" if output else ""
            lines.append(f"  {where} [{stamp}]: completed in {data['duration_s']:.2f} s{shown}")
        elif kind == "PhaseInterrupted":
            lines.append(f"  {where} [{stamp}]: interrupted: {data['reason']}")
        else:
            lines.append(f"  {where} [{stamp}]: FAILED: {_indented(data['error'], by=4)}")
            lines.extend(f"    | {line}" for line in data.get("log_tail") or [])
    return lines
