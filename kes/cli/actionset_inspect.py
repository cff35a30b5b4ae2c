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
_PHASE_ENDS = {"PhaseCompleted", "PhaseFailed", "PhaseTimedOut", "PhaseInterrupted"}


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
@click.option("-o", "--output", type=click.Choice(["json", "yaml"]), default=None,
              help="Everything shown, as data: status, Events, phase ends from the log.")
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
        ends = phase_ends(app, run_id) if app is not None and run_id is not None else None
        if options["output"]:
            data = {
                "name": name, "namespace": namespace, "objectExists": obj is not None,
                "status": status, "events": [_event_data(e) for e in events[-LAST_EVENTS:]],
                "phaseEnds": ends, "retries": _retries(app, run_id),
            }
            click.echo(history.render(data, options["output"]))
            return
        click.echo("\n".join(_status_lines(name=name, namespace=namespace, obj=obj,
                                           status=status)))
        click.echo(f"Events (last {LAST_EVENTS}):")
        click.echo("\n".join(_event_line(e) for e in events[-LAST_EVENTS:]) if events
                   else "  <none>")
        click.echo("Phase logs (from the event log):")
        if app is None:
            click.echo("  <no event log: set KES_STORE or pass --store>")
        elif ends is None:
            click.echo("  <not recorded>")
        else:
            click.echo("\n".join(phase_lines(ends)) or "  <no phase has ended>")
    finally:
        if app is not None:
            app.close()


def _retries(app: application.KesApplication | None, run_id: UUID | None) -> list[str]:
    if app is None or run_id is None:
        return []
    return [f"{namespace}/{name}" for _, namespace, name in app.retries_of(run_id)]


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


def _when(item: dict[str, Any]) -> str:
    return str(item.get("lastTimestamp") or item.get("eventTime")
               or item["metadata"].get("creationTimestamp") or "")


def _kube_events(api: client.Api, *, namespace: str, name: str) -> list[dict[str, Any]]:
    items = objects.list_objects(api, group="", version="v1", resource="events",
                                 namespace=namespace,
                                 field_selector=f"involvedObject.name={name}")
    return sorted(items, key=_when)


def _event_data(event: dict[str, Any]) -> dict[str, Any]:
    return {"time": _when(event), "type": event.get("type", ""),
            "reason": event.get("reason", ""), "message": event.get("message", "")}


def _event_line(event: dict[str, Any]) -> str:
    return (f"  {_when(event):<22} {event.get('type', ''):<8} {event.get('reason', ''):<20} "
            f"{_indented(event.get('message', ''), by=4)}")


def phase_ends(app: application.KesApplication, run_id: UUID) -> list[dict[str, Any]]:
    """The last ending of each phase: its output, or its error and log tail (already masked)."""
    timeline, ended = history.Timeline(), {}
    for event in app.events_of(run_id):
        record = application.event_record(event)
        timeline.summary(record["type"], record["data"])  # learns actions and deferPhases
        if record["type"] in _PHASE_ENDS:
            data = record["data"]
            kind = record["type"]
            end: dict[str, Any] = {
                "phase": timeline.where(data),
                "time": event.timestamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "state": {"PhaseCompleted": "complete", "PhaseInterrupted": "interrupted"}.get(
                    kind, "failed"),
            }
            if kind == "PhaseCompleted":
                end.update(output=data.get("output"), durationSeconds=data["duration_s"])
            elif kind == "PhaseInterrupted":
                end["reason"] = data["reason"]
            else:
                end.update(error=data["error"], logTail=list(data.get("log_tail") or []))
            ended[(data["action_index"], data["phase_name"])] = end
    return list(ended.values())


def phase_lines(ends: list[dict[str, Any]]) -> list[str]:
    lines = []
    for end in ends:
        where, stamp = end["phase"], end["time"][11:19]
        if end["state"] == "complete":
            output = end.get("output")
            shown = f"; output {json.dumps(output, sort_keys=True)}" if output else ""
            lines.append(f"  {where} [{stamp}]: completed in {end['durationSeconds']:.2f} s"
                         f"{shown}")
        elif end["state"] == "interrupted":
            lines.append(f"  {where} [{stamp}]: interrupted: {end['reason']}")
        else:
            lines.append(f"  {where} [{stamp}]: FAILED: {_indented(end['error'], by=4)}")
            lines.extend(f"    | {line}" for line in end.get("logTail") or [])
    return lines
