"""How `kes history repositoryserver` shows each event: every step and kopia command, with its
duration and (masked) outcome, the Secrets' form, the set-up's reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

INDENT = " " * 47

STEP_EVENTS = ("ServerSetup", "RepositoryConnected", "ServerInitialized",
               "ClientUserInitialized", "ServerRefreshed")


def _seconds(data: dict[str, Any]) -> str:
    return f"{float(data.get('duration_s') or 0):.2f} s"


def _registered(data: dict[str, Any]) -> str:
    root = ((data.get("spec") or {}).get("repository") or {}).get("rootPath", "")
    return f"registered {data['namespace']}/{data['name']} (rootPath {root!r})"


def _requested(data: dict[str, Any]) -> str:
    attempt = f", attempt {data['attempt']}" if data.get("attempt") else ""
    return f"set-up starts: {data.get('reason') or 'reconcile'}{attempt}"


def _secrets(data: dict[str, Any]) -> str:
    forms = data.get("forms") or {}
    if not forms:
        return "secrets could not all be read (see the failure below)"
    hosts = ", ".join(data.get("hostnames") or []) or "none"
    return (f"secrets read: storage location in the {forms.get('storage')} form "
            f"({data.get('location_type')}), credentials in the {forms.get('credentials')} "
            f"form ({data.get('credential_kind')}); user hosts: {hosts}")


def _command(data: dict[str, Any]) -> str:
    outcome = "ok" if data.get("ok") else "FAILED"
    detail = "".join(f"\n{INDENT}| {line}" for line in str(data.get("detail") or "")
                     .splitlines() if line.strip())
    return f"{outcome} in {_seconds(data)}: {data['command']}{detail}"


def _step(data: dict[str, Any]) -> str:
    extra = ""
    if "pod_name" in data:
        extra = f" (pod {data['pod_name']}, service {data['service_name']})"
    elif "started" in data:
        extra = " (server started)" if data["started"] else " (server already running: kept)"
    elif "users" in data:
        extra = f" (users {', '.join(data['users']) or 'none'})"
    return f"True in {_seconds(data)}{extra}"


SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "ServerRegistered": _registered,
    "ServerSetupRequested": _requested,
    "ServerSetupResumed": lambda d: f"set-up resumes at {d['next_step']} (controller restart)",
    "ServerSecretsRead": _secrets,
    "ServerServiceNamed": lambda d: f"service {d['name']}",
    "ServerPodNamed": lambda d: f"pod {d['name']}",
    "KopiaCommandRan": _command,
    **{kind: _step for kind in STEP_EVENTS},
    "ServerReady": lambda d: f"Ready, {_seconds(d)} after the set-up began",
    "ServerRechecked": lambda d: (f"answered after a controller restart in {_seconds(d)}: "
                                  "kept, not restarted"),
    "ServerRetryScheduled": lambda d: (f"retry {d['attempt']} in {float(d['delay_s']):g} s: "
                                       f"{d.get('reason', '')}"),
    "ServerDeleted": lambda d: "deleted (its pod and service go with it)",
}
FAILURES: dict[str, Callable[[dict[str, Any]], str]] = {
    "ServerFailed": lambda d: (f"FAILED {d['condition']} ({d['reason']}) after {_seconds(d)}: "
                               f"{d.get('message', '')}"),
    "ServerProcessLost": lambda d: f"kopia server process lost: {d.get('message', '')}",
    "ServerSpecChangeRejected": lambda d: (f"spec change REJECTED ({', '.join(d['fields'])}): "
                                           f"{d['message']}"),
}


def where(kind: str, data: dict[str, Any]) -> str | None:
    """The step an event belongs to, for the timeline's second column."""
    if kind == "KopiaCommandRan":
        return str(data.get("step", "-"))
    if kind == "ServerFailed":
        return str(data.get("condition", "-"))
    if kind in STEP_EVENTS:
        return kind
    return None


def summary(kind: str, data: dict[str, Any]) -> tuple[str, bool] | None:
    """(text, is_failure), or None for events that are not a RepositoryServer's."""
    if kind in FAILURES:
        return FAILURES[kind](data), True
    if kind in SUMMARIES:
        return SUMMARIES[kind](data), False
    return None
