"""Per-kind columns and cells of built-in Tables, after kubectl's internal printers.

Each entry lists the columns (name, type, priority; priority 1 shows only with ``-o wide``)
and a row function computing the cells from the object, as
k8s.io/kubernetes/pkg/printers/internalversion does for the real apiserver.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

Row = Callable[[dict[str, Any], datetime.datetime], list[Any]]
NONE = "<none>"


@dataclasses.dataclass(frozen=True)
class Printer:
    columns: tuple[tuple[str, str, int], ...]
    row: Row


def age(timestamp: str | None, *, now: datetime.datetime) -> str:
    """kubectl's human duration since an RFC 3339 timestamp (``<unknown>`` when absent)."""
    if not timestamp:
        return "<unknown>"
    try:
        then = datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return "<unknown>"
    if then.tzinfo is None:
        then = then.replace(tzinfo=datetime.UTC)
    return human_duration((now - then).total_seconds())


def human_duration(seconds_float: float) -> str:
    """k8s.io/apimachinery's duration.HumanDuration."""
    seconds = int(seconds_float)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    metadata = obj.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def _name(obj: dict[str, Any]) -> str:
    return str(_meta(obj).get("name", ""))


def _age(obj: dict[str, Any], now: datetime.datetime) -> str:
    return age(_meta(obj).get("creationTimestamp"), now=now)


def _get(obj: Any, *path: str) -> Any:
    for part in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def format_label_selector(selector: dict[str, Any] | None) -> str:
    """metav1.FormatLabelSelector: ``app=web,tier in (a,b)``; ``<none>`` when empty."""
    if not selector:
        return NONE
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    operators = {"In": "in", "NotIn": "notin"}
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key", ""), expression.get("operator", "")
        values = ",".join(expression.get("values") or [])
        if operator in operators:
            parts.append(f"{key} {operators[operator]} ({values})")
        elif operator == "Exists":
            parts.append(key)
        elif operator == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts) if parts else NONE


def _pod_template_columns(template_spec: dict[str, Any] | None) -> list[str]:
    containers = (template_spec or {}).get("containers") or []
    names = ",".join(str(c.get("name", "")) for c in containers)
    images = ",".join(str(c.get("image", "")) for c in containers)
    return [names, images]


# --- pods --------------------------------------------------------------------------------------


def pod_status(pod: dict[str, Any]) -> tuple[str, int, int, int]:
    """(STATUS, ready containers, total containers, restarts) as kubectl's printPod computes."""
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    reason = str(status.get("reason") or status.get("phase") or "Pending")
    restarts = 0
    ready = 0
    initializing = False
    init_specs = spec.get("initContainers") or []
    for index, container in enumerate(status.get("initContainerStatuses") or []):
        restarts += int(container.get("restartCount", 0))
        state = container.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated and terminated.get("exitCode", 0) == 0:
            continue
        initializing = True
        if terminated:
            if terminated.get("reason"):
                reason = "Init:" + str(terminated["reason"])
            elif terminated.get("signal"):
                reason = f"Init:Signal:{terminated['signal']}"
            else:
                reason = f"Init:ExitCode:{terminated.get('exitCode', 0)}"
        elif waiting and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = "Init:" + str(waiting["reason"])
        else:
            reason = f"Init:{index}/{len(init_specs)}"
        break
    if not initializing:
        restarts = 0
        has_running = False
        for container in reversed(status.get("containerStatuses") or []):
            restarts += int(container.get("restartCount", 0))
            state = container.get("state") or {}
            terminated, waiting = state.get("terminated"), state.get("waiting")
            if waiting and waiting.get("reason"):
                reason = str(waiting["reason"])
            elif terminated and terminated.get("reason"):
                reason = str(terminated["reason"])
            elif terminated:
                if terminated.get("signal"):
                    reason = f"Signal:{terminated['signal']}"
                else:
                    reason = f"ExitCode:{terminated.get('exitCode', 0)}"
            elif container.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            conditions = status.get("conditions") or []
            ready_condition = any(c.get("type") == "Ready" and c.get("status") == "True"
                                  for c in conditions)
            reason = "Running" if ready_condition else "NotReady"
    if _meta(pod).get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    return reason, ready, len(spec.get("containers") or []), restarts


def _pod_row(pod: dict[str, Any], now: datetime.datetime) -> list[Any]:
    reason, ready, total, restarts = pod_status(pod)
    restarts_cell: Any = restarts
    last_restart = None
    for container in (pod.get("status") or {}).get("containerStatuses") or []:
        finished = _get(container, "lastState", "terminated", "finishedAt")
        if finished and (last_restart is None or finished > last_restart):
            last_restart = finished
    if restarts and last_restart:
        restarts_cell = f"{restarts} ({age(last_restart, now=now)} ago)"
    status = pod.get("status") or {}
    return [_name(pod), f"{ready}/{total}", reason, restarts_cell, _age(pod, now),
            status.get("podIP") or NONE, _get(pod, "spec", "nodeName") or NONE,
            status.get("nominatedNodeName") or NONE, NONE]


# --- workloads ---------------------------------------------------------------------------------


def _deployment_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    status = obj.get("status") or {}
    desired = _get(obj, "spec", "replicas")
    desired = 1 if desired is None else desired
    template = _get(obj, "spec", "template", "spec")
    return [_name(obj), f"{status.get('readyReplicas', 0)}/{desired}",
            int(status.get("updatedReplicas", 0)), int(status.get("availableReplicas", 0)),
            _age(obj, now), *_pod_template_columns(template),
            format_label_selector(_get(obj, "spec", "selector"))]


def _replicaset_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    status = obj.get("status") or {}
    desired = _get(obj, "spec", "replicas")
    desired = 1 if desired is None else desired
    template = _get(obj, "spec", "template", "spec")
    return [_name(obj), int(desired), int(status.get("replicas", 0)),
            int(status.get("readyReplicas", 0)), _age(obj, now),
            *_pod_template_columns(template),
            format_label_selector(_get(obj, "spec", "selector"))]


def _statefulset_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    status = obj.get("status") or {}
    desired = _get(obj, "spec", "replicas")
    desired = 1 if desired is None else desired
    template = _get(obj, "spec", "template", "spec")
    return [_name(obj), f"{status.get('readyReplicas', 0)}/{desired}", _age(obj, now),
            *_pod_template_columns(template)]


# --- config and networking ---------------------------------------------------------------------


def _service_ports(ports: list[dict[str, Any]]) -> str:
    rendered = []
    for port in ports:
        protocol = port.get("protocol", "TCP")
        if port.get("nodePort"):
            rendered.append(f"{port.get('port')}:{port['nodePort']}/{protocol}")
        else:
            rendered.append(f"{port.get('port')}/{protocol}")
    return ",".join(rendered) if rendered else NONE


def _service_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    spec = obj.get("spec") or {}
    kind = spec.get("type") or "ClusterIP"
    external = NONE
    if kind == "ExternalName":
        external = spec.get("externalName") or NONE
    elif spec.get("externalIPs"):
        external = ",".join(spec["externalIPs"])
    elif kind == "LoadBalancer":
        ingress = _get(obj, "status", "loadBalancer", "ingress") or []
        addresses = [i.get("ip") or i.get("hostname") for i in ingress]
        external = ",".join(a for a in addresses if a) or "<pending>"
    selector = spec.get("selector") or {}
    selector_text = ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or NONE
    return [_name(obj), kind, spec.get("clusterIP") or NONE, external,
            _service_ports(spec.get("ports") or []), _age(obj, now), selector_text]


def _configmap_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    count = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
    return [_name(obj), count, _age(obj, now)]


def _secret_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    return [_name(obj), obj.get("type") or "Opaque", len(obj.get("data") or {}), _age(obj, now)]


def _namespace_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    return [_name(obj), _get(obj, "status", "phase") or "Active", _age(obj, now)]


def _service_account_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    return [_name(obj), len(obj.get("secrets") or []), _age(obj, now)]


_ACCESS_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX",
                 "ReadWriteOncePod": "RWOP"}


def _pvc_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    phase = status.get("phase") or "Pending"
    if _meta(obj).get("deletionTimestamp"):
        phase = "Terminating"
    bound = bool(spec.get("volumeName"))
    capacity = _get(status, "capacity", "storage") if bound else ""
    modes = status.get("accessModes") if bound else []
    return [_name(obj), phase, spec.get("volumeName") or "", capacity or "",
            ",".join(_ACCESS_MODES.get(m, m) for m in modes or []),
            spec.get("storageClassName") or "<unset>",
            spec.get("volumeAttributesClassName") or "<unset>", _age(obj, now),
            spec.get("volumeMode") or "Filesystem"]


def _event_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    involved = obj.get("involvedObject") or obj.get("regarding") or {}
    last = obj.get("lastTimestamp") or obj.get("eventTime") or _get(obj, "series",
                                                                   "lastObservedTime")
    first = obj.get("firstTimestamp") or obj.get("eventTime")
    count = int(obj.get("count") or _get(obj, "series", "count") or 1)
    last_seen = age(last, now=now) if last else "<unknown>"
    if count > 1:
        last_seen = f"{last_seen} (x{count} over {age(first, now=now)})"
    source = obj.get("source") or {}
    source_text = source.get("component") or obj.get("reportingComponent") or ""
    if source.get("host"):
        source_text = f"{source_text}, {source['host']}"
    kind = str(involved.get("kind", "")).lower()
    return [last_seen, obj.get("type", ""), obj.get("reason", ""),
            f"{kind}/{involved.get('name', '')}", obj.get("message") or obj.get("note", ""),
            involved.get("fieldPath", ""), source_text, age(first, now=now), count, _name(obj)]


def _lease_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    return [_name(obj), _get(obj, "spec", "holderIdentity") or "", _age(obj, now)]


def _created_at_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    del now
    return [_name(obj), _meta(obj).get("creationTimestamp", "")]


def _binding_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    role = obj.get("roleRef") or {}
    subjects = obj.get("subjects") or []

    def names(kind: str) -> str:
        found = []
        for subject in subjects:
            if subject.get("kind") != kind:
                continue
            if kind == "ServiceAccount":
                found.append(f"{subject.get('namespace', '')}/{subject.get('name', '')}")
            else:
                found.append(str(subject.get("name", "")))
        return ",".join(found)

    return [_name(obj), f"{role.get('kind', '')}/{role.get('name', '')}", _age(obj, now),
            names("User"), names("Group"), names("ServiceAccount")]


_POD_COLUMNS = (("Name", "string", 0), ("Ready", "string", 0), ("Status", "string", 0),
                ("Restarts", "string", 0), ("Age", "string", 0), ("IP", "string", 1),
                ("Node", "string", 1), ("Nominated Node", "string", 1),
                ("Readiness Gates", "string", 1))
_TEMPLATE_COLUMNS = (("Containers", "string", 1), ("Images", "string", 1))
_BINDING_COLUMNS = (("Name", "string", 0), ("Role", "string", 0), ("Age", "string", 0),
                    ("Users", "string", 1), ("Groups", "string", 1),
                    ("ServiceAccounts", "string", 1))
_CREATED_AT_COLUMNS = (("Name", "string", 0), ("Created At", "date", 0))

PRINTERS: dict[str, Printer] = {
    "Pod": Printer(_POD_COLUMNS, _pod_row),
    "Deployment": Printer(
        (("Name", "string", 0), ("Ready", "string", 0), ("Up-to-date", "integer", 0),
         ("Available", "integer", 0), ("Age", "string", 0), *_TEMPLATE_COLUMNS,
         ("Selector", "string", 1)), _deployment_row),
    "ReplicaSet": Printer(
        (("Name", "string", 0), ("Desired", "integer", 0), ("Current", "integer", 0),
         ("Ready", "integer", 0), ("Age", "string", 0), *_TEMPLATE_COLUMNS,
         ("Selector", "string", 1)), _replicaset_row),
    "StatefulSet": Printer(
        (("Name", "string", 0), ("Ready", "string", 0), ("Age", "string", 0),
         *_TEMPLATE_COLUMNS), _statefulset_row),
    "Service": Printer(
        (("Name", "string", 0), ("Type", "string", 0), ("Cluster-IP", "string", 0),
         ("External-IP", "string", 0), ("Port(s)", "string", 0), ("Age", "string", 0),
         ("Selector", "string", 1)), _service_row),
    "ConfigMap": Printer((("Name", "string", 0), ("Data", "integer", 0), ("Age", "string", 0)),
                         _configmap_row),
    "Secret": Printer((("Name", "string", 0), ("Type", "string", 0), ("Data", "integer", 0),
                       ("Age", "string", 0)), _secret_row),
    "Namespace": Printer((("Name", "string", 0), ("Status", "string", 0),
                          ("Age", "string", 0)), _namespace_row),
    "ServiceAccount": Printer((("Name", "string", 0), ("Secrets", "integer", 0),
                               ("Age", "string", 0)), _service_account_row),
    "PersistentVolumeClaim": Printer(
        (("Name", "string", 0), ("Status", "string", 0), ("Volume", "string", 0),
         ("Capacity", "string", 0), ("Access Modes", "string", 0),
         ("StorageClass", "string", 0), ("VolumeAttributesClass", "string", 0),
         ("Age", "string", 0), ("VolumeMode", "string", 1)), _pvc_row),
    "Event": Printer(
        (("Last Seen", "string", 0), ("Type", "string", 0), ("Reason", "string", 0),
         ("Object", "string", 0), ("Message", "string", 0), ("Subobject", "string", 1),
         ("Source", "string", 1), ("First Seen", "string", 1), ("Count", "string", 1),
         ("Name", "string", 1)), _event_row),
    "Lease": Printer((("Name", "string", 0), ("Holder", "string", 0), ("Age", "string", 0)),
                     _lease_row),
    "CustomResourceDefinition": Printer(_CREATED_AT_COLUMNS, _created_at_row),
    "Role": Printer(_CREATED_AT_COLUMNS, _created_at_row),
    "ClusterRole": Printer(_CREATED_AT_COLUMNS, _created_at_row),
    "RoleBinding": Printer(_BINDING_COLUMNS, _binding_row),
    "ClusterRoleBinding": Printer(_BINDING_COLUMNS, _binding_row),
}
