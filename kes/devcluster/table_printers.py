"""Per-kind columns and cells of built-in Tables, after kubectl's internal printers.

Each entry lists the columns (name, type, priority; priority 1 shows only with ``-o wide``)
and a row function computing the cells from the object, as
k8s.io/kubernetes/pkg/printers/internalversion does for the real apiserver.
"""

from __future__ import annotations

import datetime
from typing import Any

from kes.devcluster import table_cells as cells
from kes.devcluster import table_printers_cluster

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
    if cells.meta(pod).get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    return reason, ready, len(spec.get("containers") or []), restarts


def _pod_row(pod: dict[str, Any], now: datetime.datetime) -> list[Any]:
    reason, ready, total, restarts = pod_status(pod)
    restarts_cell: Any = restarts
    last_restart = None
    for container in (pod.get("status") or {}).get("containerStatuses") or []:
        finished = cells.dig(container, "lastState", "terminated", "finishedAt")
        if finished and (last_restart is None or finished > last_restart):
            last_restart = finished
    if restarts and last_restart:
        restarts_cell = f"{restarts} ({cells.age(last_restart, now=now)} ago)"
    status = pod.get("status") or {}
    return [cells.name(pod), f"{ready}/{total}", reason, restarts_cell, cells.object_age(pod, now),
            status.get("podIP") or cells.NONE, cells.dig(pod, "spec", "nodeName") or cells.NONE,
            status.get("nominatedNodeName") or cells.NONE, cells.NONE]


# --- workloads ---------------------------------------------------------------------------------


def _deployment_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    status = obj.get("status") or {}
    desired = cells.dig(obj, "spec", "replicas")
    desired = 1 if desired is None else desired
    template = cells.dig(obj, "spec", "template", "spec")
    return [cells.name(obj), f"{status.get('readyReplicas', 0)}/{desired}",
            int(status.get("updatedReplicas", 0)), int(status.get("availableReplicas", 0)),
            cells.object_age(obj, now), *cells.template_columns(template),
            cells.format_label_selector(cells.dig(obj, "spec", "selector"))]


def _replicaset_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    status = obj.get("status") or {}
    desired = cells.dig(obj, "spec", "replicas")
    desired = 1 if desired is None else desired
    template = cells.dig(obj, "spec", "template", "spec")
    return [cells.name(obj), int(desired), int(status.get("replicas", 0)),
            int(status.get("readyReplicas", 0)), cells.object_age(obj, now),
            *cells.template_columns(template),
            cells.format_label_selector(cells.dig(obj, "spec", "selector"))]


def _statefulset_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    status = obj.get("status") or {}
    desired = cells.dig(obj, "spec", "replicas")
    desired = 1 if desired is None else desired
    template = cells.dig(obj, "spec", "template", "spec")
    return [cells.name(obj), f"{status.get('readyReplicas', 0)}/{desired}",
            cells.object_age(obj, now), *cells.template_columns(template)]


# --- config and networking ---------------------------------------------------------------------


def _service_ports(ports: list[dict[str, Any]]) -> str:
    rendered = []
    for port in ports:
        protocol = port.get("protocol", "TCP")
        if port.get("nodePort"):
            rendered.append(f"{port.get('port')}:{port['nodePort']}/{protocol}")
        else:
            rendered.append(f"{port.get('port')}/{protocol}")
    return ",".join(rendered) if rendered else cells.NONE


def _service_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    spec = obj.get("spec") or {}
    kind = spec.get("type") or "ClusterIP"
    external = cells.NONE
    if kind == "ExternalName":
        external = spec.get("externalName") or cells.NONE
    elif spec.get("externalIPs"):
        external = ",".join(spec["externalIPs"])
    elif kind == "LoadBalancer":
        ingress = cells.dig(obj, "status", "loadBalancer", "ingress") or []
        addresses = [i.get("ip") or i.get("hostname") for i in ingress]
        external = ",".join(a for a in addresses if a) or "<pending>"
    selector = spec.get("selector") or {}
    selector_text = ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or cells.NONE
    return [cells.name(obj), kind, spec.get("clusterIP") or cells.NONE, external,
            _service_ports(spec.get("ports") or []), cells.object_age(obj, now), selector_text]


def _configmap_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    count = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
    return [cells.name(obj), count, cells.object_age(obj, now)]


def _secret_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    return [cells.name(obj), obj.get("type") or "Opaque", len(obj.get("data") or {}),
            cells.object_age(obj, now)]


def _namespace_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    return [cells.name(obj), cells.dig(obj, "status", "phase") or "Active",
            cells.object_age(obj, now)]


def _service_account_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    return [cells.name(obj), cells.object_age(obj, now)]  # 1.37 prints no SECRETS column



def _pvc_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    phase = status.get("phase") or "Pending"
    if cells.meta(obj).get("deletionTimestamp"):
        phase = "Terminating"
    bound = bool(spec.get("volumeName"))
    capacity = cells.dig(status, "capacity", "storage") if bound else ""
    modes = status.get("accessModes") if bound else []
    return [cells.name(obj), phase, spec.get("volumeName") or "", capacity or "",
            ",".join(cells.ACCESS_MODES.get(m, m) for m in modes or []),
            spec.get("storageClassName") or "<unset>",
            spec.get("volumeAttributesClassName") or "<unset>", cells.object_age(obj, now),
            spec.get("volumeMode") or "Filesystem"]


def _event_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    involved = obj.get("involvedObject") or obj.get("regarding") or {}
    last = (obj.get("lastTimestamp") or obj.get("eventTime")
            or cells.dig(obj, "series", "lastObservedTime"))
    first = obj.get("firstTimestamp") or obj.get("eventTime")
    count = int(obj.get("count") or cells.dig(obj, "series", "count") or 1)
    last_seen = cells.age(last, now=now) if last else "<unknown>"
    if count > 1:
        last_seen = f"{last_seen} (x{count} over {cells.age(first, now=now)})"
    source = obj.get("source") or {}
    source_text = source.get("component") or obj.get("reportingComponent") or ""
    if source.get("host"):
        source_text = f"{source_text}, {source['host']}"
    kind = str(involved.get("kind", "")).lower()
    return [last_seen, obj.get("type", ""), obj.get("reason", ""),
            f"{kind}/{involved.get('name', '')}", involved.get("fieldPath", ""), source_text,
            obj.get("message") or obj.get("note", ""), cells.age(first, now=now), count,
            cells.name(obj)]


def _lease_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    return [cells.name(obj), cells.dig(obj, "spec", "holderIdentity") or "",
            cells.object_age(obj, now)]


def _created_at_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    del now
    return [cells.name(obj), cells.meta(obj).get("creationTimestamp", "")]


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

    return [cells.name(obj), f"{role.get('kind', '')}/{role.get('name', '')}",
            cells.object_age(obj, now), names("User"), names("Group"), names("ServiceAccount")]


_POD_COLUMNS = (("Name", "string", 0), ("Ready", "string", 0), ("Status", "string", 0),
                ("Restarts", "string", 0), ("Age", "string", 0), ("IP", "string", 1),
                ("Node", "string", 1), ("Nominated Node", "string", 1),
                ("Readiness Gates", "string", 1))
_TEMPLATE_COLUMNS = (("Containers", "string", 1), ("Images", "string", 1))
_BINDING_COLUMNS = (("Name", "string", 0), ("Role", "string", 0), ("Age", "string", 0),
                    ("Users", "string", 1), ("Groups", "string", 1),
                    ("ServiceAccounts", "string", 1))
_CREATED_AT_COLUMNS = (("Name", "string", 0), ("Created At", "date", 0))

PRINTERS: dict[str, cells.Printer] = {
    "Pod": cells.Printer(_POD_COLUMNS, _pod_row),
    "Deployment": cells.Printer(
        (("Name", "string", 0), ("Ready", "string", 0), ("Up-to-date", "string", 0),
         ("Available", "string", 0), ("Age", "string", 0), *_TEMPLATE_COLUMNS,
         ("Selector", "string", 1)), _deployment_row),
    "ReplicaSet": cells.Printer(
        (("Name", "string", 0), ("Desired", "integer", 0), ("Current", "integer", 0),
         ("Ready", "integer", 0), ("Age", "string", 0), *_TEMPLATE_COLUMNS,
         ("Selector", "string", 1)), _replicaset_row),
    "StatefulSet": cells.Printer(
        (("Name", "string", 0), ("Ready", "string", 0), ("Age", "string", 0),
         *_TEMPLATE_COLUMNS), _statefulset_row),
    "Service": cells.Printer(
        (("Name", "string", 0), ("Type", "string", 0), ("Cluster-IP", "string", 0),
         ("External-IP", "string", 0), ("Port(s)", "string", 0), ("Age", "string", 0),
         ("Selector", "string", 1)), _service_row),
    "ConfigMap": cells.Printer(
        (("Name", "string", 0), ("Data", "string", 0), ("Age", "string", 0)), _configmap_row),
    "Secret": cells.Printer(
        (("Name", "string", 0), ("Type", "string", 0), ("Data", "string", 0),
         ("Age", "string", 0)), _secret_row),
    "Namespace": cells.Printer(
        (("Name", "string", 0), ("Status", "string", 0), ("Age", "string", 0)), _namespace_row),
    "ServiceAccount": cells.Printer(
        (("Name", "string", 0), ("Age", "string", 0)), _service_account_row),
    "PersistentVolumeClaim": cells.Printer(
        (("Name", "string", 0), ("Status", "string", 0), ("Volume", "string", 0),
         ("Capacity", "string", 0), ("Access Modes", "string", 0),
         ("StorageClass", "string", 0), ("VolumeAttributesClass", "string", 0),
         ("Age", "string", 0), ("VolumeMode", "string", 1)), _pvc_row),
    "Event": cells.Printer(
        (("Last Seen", "string", 0), ("Type", "string", 0), ("Reason", "string", 0),
         ("Object", "string", 0), ("Subobject", "string", 1), ("Source", "string", 1),
         ("Message", "string", 0), ("First Seen", "string", 1), ("Count", "string", 1),
         ("Name", "string", 1)), _event_row),
    "Lease": cells.Printer(
        (("Name", "string", 0), ("Holder", "string", 0), ("Age", "string", 0)), _lease_row),
    "CustomResourceDefinition": cells.Printer(_CREATED_AT_COLUMNS, _created_at_row),
    "Role": cells.Printer(_CREATED_AT_COLUMNS, _created_at_row),
    "ClusterRole": cells.Printer(_CREATED_AT_COLUMNS, _created_at_row),
    "RoleBinding": cells.Printer(_BINDING_COLUMNS, _binding_row),
    "ClusterRoleBinding": cells.Printer(_BINDING_COLUMNS, _binding_row),
    **table_printers_cluster.PRINTERS,
}
